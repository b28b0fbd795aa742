from .views import bp  # noqa: F401
from . import money_views  # noqa: F401,E402  (adds the money pages to bp)
