"""A moment without the database: answer 503 "try again shortly", never a 500.

When the database restarts, fails over or is briefly unreachable, a view's first
query raises OperationalError (or InterfaceError on a connection that died).
This middleware turns that into the 503 page with a Retry-After header and logs
it. Recovery needs nothing from it: Django closes a connection that raised at the
end of the request, and with CONN_HEALTH_CHECKS (config/database.py) a persistent
connection is checked before its first use in each request, so the next request
reconnects.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader

logger = logging.getLogger(__name__)

# Seconds a browser, a proxy or a monitoring probe is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30


def database_unavailable_page(request) -> HttpResponse:
    """The 503 page, rendered without the database: no context processors (they read the user,
    the session, the menu), only what the page's header needs."""
    body = loader.get_template("503.html").render({"request": request, "csrf_token": get_token(request)})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A proxy must not keep serving the outage after the database is back.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return answer_database_error(request, exception)


def answer_database_error(request, exception) -> HttpResponse | None:
    """The 503 page for a database error, logged; None for any other exception. Also for the middlewares that
    read the session before a view runs (core.sessions, core.request_limits), where process_exception does not reach."""
    if not isinstance(exception, OperationalError | InterfaceError):
        return None
    logger.error(
        "database unavailable while answering %s %s: %s", request.method, request.path, exception, exc_info=exception
    )
    return database_unavailable_page(request)
