"""A small per-client rate limit for public pages, kept in Django's cache.

Counts requests per client address in fixed windows of ``per_seconds``; past
``limit`` the client gets 429 with a translated page until the window ends.
With several server processes the cache must be shared for the limit to
hold across them: REDIS_URL makes Django's cache Redis (config/settings.py),
where every process counts in one place and ``incr`` is atomic. Without it,
the default per-process memory cache limits each process on its own, which
is right for the one-machine demo.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string


def client_address(request: Any) -> str:
    # REMOTE_ADDR only: headers such as X-Forwarded-For are set by the client unless a trusted proxy rewrites them.
    return request.META.get("REMOTE_ADDR") or "unknown"


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
