"""Settings for bench/way_in.py's gunicorn only: the product's local settings, the bench's URLconf (its bare
views beside the product's URLs) and a middleware that reports each request's SQL statements."""

from backend.settings.local import *  # noqa: F403
from backend.settings.local import MIDDLEWARE

ROOT_URLCONF = "way_in_urls"
MIDDLEWARE = ["way_in_urls.CountQueriesMiddleware", *MIDDLEWARE]
