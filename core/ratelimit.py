"""A small per-client rate limit for public pages, kept in Django's cache.

Counts requests per client address in fixed windows of ``per_seconds``; past
``limit`` the client gets 429 with a translated page until the window ends.
With several server processes the cache must be shared for the limit to
hold across them: REDIS_URL makes Django's cache Redis (config/settings.py),
where every process counts in one place and ``incr`` is atomic. Without it,
the default per-process memory cache limits each process on its own, which
is right for the one-machine demo.

The client address is ``client_ip``, which django-axes uses too
(``AXES_CLIENT_IP_CALLABLE``), so the rate limits and the sign-in lockout
count the same person. Behind reverse proxies REMOTE_ADDR is the nearest
proxy; ``TRUSTED_PROXY_COUNT`` says how many proxies stand in front of the
site, and the address is then read from X-Forwarded-For, counting that many
entries from the right: each proxy appends the address it received the
request from, so the entries a client writes itself are further left and
are never used. With the default 0 the header is ignored.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: Any) -> str | None:
    """The client's IP address, or None when it cannot be known (django-axes stores it in an IP address column).

    With ``TRUSTED_PROXY_COUNT`` = N > 0, the N-th address from the right of X-Forwarded-For: the one the
    outermost trusted proxy saw. A header with fewer entries, or an entry that is not an address, did not come
    through the proxies as configured; then REMOTE_ADDR, never a value the client may have written.
    """
    remote = _ip(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote  # straight to the server, not through the proxies (a health probe on the machine)
    if len(forwarded) < proxies:
        logger.warning("X-Forwarded-For has %d address(es), fewer than TRUSTED_PROXY_COUNT=%d: using REMOTE_ADDR",
                       len(forwarded), proxies)
        return remote
    return _ip(forwarded[-proxies]) or remote


def client_address(request: Any) -> str:
    """The key the rate limits count by: the client's IP address (``client_ip``)."""
    return client_ip(request) or "unknown"


def too_many_requests(request: Any, retry_after: int) -> Any:
    response = HttpResponse(render_to_string("429.html", request=request), status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(key_prefix: str, limit: int, per_seconds: int) -> Callable:
    """Decorator: allow each client address ``limit`` requests per ``per_seconds``, then answer 429.

    ``functools.wraps`` copies the view's attributes, so a capability set by
    ``core.access.requires`` underneath stays visible to the permission matrix.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            now = int(time.time())
            window = now // per_seconds
            key = f"ratelimit:{key_prefix}:{client_address(request)}:{window}"
            # add() is a no-op when the key exists; incr() is atomic in the shared caches.
            cache.add(key, 0, timeout=per_seconds + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # the key expired between add() and incr()
                cache.set(key, 1, timeout=per_seconds + 1)
                count = 1
            if count > limit:
                return too_many_requests(request, retry_after=(window + 1) * per_seconds - now)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
