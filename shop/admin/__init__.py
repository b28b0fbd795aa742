from .views import bp  # noqa: F401
from . import pipeline  # noqa: F401,E402  (its routes are on bp)
from . import money  # noqa: F401,E402  (its routes are on bp)
