from .views import bp  # noqa: F401
from .keys import keys_bp  # noqa: F401
