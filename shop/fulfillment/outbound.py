"""The safe outbound HTTP helper moved to shop.outbound, so the catalog can fetch supplier photos with it."""
from shop.outbound import OutboundError, call, url_problem  # noqa: F401
