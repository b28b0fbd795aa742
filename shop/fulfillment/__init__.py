from .views import bp  # noqa: F401
from . import channel_views  # noqa: F401,E402  (its routes are on bp)
from .link_views import links_bp  # noqa: F401,E402
