"""Re-authentication for sensitive actions: the password again when the last sign-in is not recent.

Revoking a licence, changing someone's roles and resetting someone's second
step are done from a session that may have been left open on a shared desk.
A view wrapped in ``recent_password_required`` (inside its ``requires``) accepts
a POST only when this session signed in, or confirmed the password, within
``REAUTHENTICATE_AFTER_MINUTES``; otherwise the form must carry the password
(field ``current_password``, rendered by ``core/_password_confirmation.html``)
and nothing changes without it. A wrong password counts toward the sign-in
lockout like any other (django-axes, through ``authenticate``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

SESSION_KEY = "authenticated_at"
FIELD = "current_password"


def mark_authenticated(request: Any) -> None:
    request.session[SESSION_KEY] = int(time.time())


def recently_authenticated(request: Any) -> bool:
    at = request.session.get(SESSION_KEY)
    if not isinstance(at, int):
        return False
    age = time.time() - at
    return 0 <= age < settings.REAUTHENTICATE_AFTER_MINUTES * 60


def note_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Receiver of ``user_logged_in`` (connected in CoreConfig.ready): every way of signing in starts the clock,
    including the test client's ``force_login``."""
    if request is not None and hasattr(request, "session"):
        mark_authenticated(request)


def _back(request: Any) -> str:
    referer = request.headers.get("Referer", "")
    allowed = {request.get_host()}
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts=allowed, require_https=request.is_secure()):
        return referer
    return request.get_full_path()


def recent_password_required(view: Callable) -> Callable:
    """Refuse a POST unless the session authenticated recently or the form carries the right password."""

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        request.password_confirmation_needed = not recently_authenticated(request)
        if request.method == "POST" and request.password_confirmation_needed:
            password = request.POST.get(FIELD, "")
            user = authenticate(request, username=request.user.get_username(), password=password) if password else None
            if user is None or user.pk != request.user.pk:
                if getattr(request, "axes_locked_out", False):
                    # Too many wrong passwords: sign out; the lockout middleware answers with the lockout page.
                    logout(request)
                    return redirect("core:login")
                if password:
                    messages.error(request, _("Nothing was changed: the password is not right."))
                else:
                    messages.error(request, _("Nothing was changed: enter your password to confirm this action."))
                return redirect(_back(request))
            mark_authenticated(request)
            request.password_confirmation_needed = False
        return view(request, *args, **kwargs)

    wrapped.needs_recent_password = True  # type: ignore[attr-defined]
    return wrapped
