"""When a signed-in session ends: after a spell without requests, and after a working day however busy.

A register left open on a shared desk, or on a phone in a bag, is someone
else's way in. So a session ends:

- when no request came for ``SESSION_IDLE_MINUTES`` (ministry staff) or
  ``AGENCY_SESSION_IDLE_MINUTES`` (agency staff);
- ``SESSION_COOKIE_AGE`` after signing in, whatever happened since. Django's
  own expiry counts from the last time the session was saved, and the
  last-seen stamp below saves it, so without this an officer who keeps working
  would never be signed out.

Either way the next request signs the person out and goes to the sign-in page,
which says why; a form they were sending is not acted on. Ending the browser
still ends the session too (``SESSION_EXPIRE_AT_BROWSER_CLOSE``).

The stamps are seconds since the epoch (``time.time``), like
``core.reauth``. The last-seen stamp is written at most once every
``STAMP_EVERY_SECONDS``, so a busy officer's session is not written on every
request (with REDIS_URL, sessions are written through to the database).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import access
from core.middleware import answer_database_error

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
STAMP_EVERY_SECONDS = 60

IDLE = "idle"
WORKING_DAY = "working_day"


def note_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Receiver of ``user_logged_in`` (connected in CoreConfig.ready): both clocks start at signing in."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


def idle_minutes_for(user: Any) -> int:
    """How long ``user`` may leave the register without a request: agency staff have their own setting."""
    if access.is_ministry(user):
        return settings.SESSION_IDLE_MINUTES
    return settings.AGENCY_SESSION_IDLE_MINUTES


def _stamp(session: Any, key: str, now: int) -> int:
    """The stamp ``key``; a session from before the stamps (or with a broken one) starts counting now."""
    value = session.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        session[key] = value = now
    return value


def session_end(request: Any) -> str | None:
    """Why this signed-in session is over (IDLE or WORKING_DAY), or None; notes the request as activity."""
    session = request.session
    if SESSION_KEY not in session:
        return None  # nobody signed in: nothing to end (and the session is not touched)
    now = int(time.time())
    if now - _stamp(session, SIGNED_IN_AT, now) >= settings.SESSION_COOKIE_AGE:
        return WORKING_DAY
    idle = now - _stamp(session, LAST_SEEN_AT, now)
    shortest = min(settings.SESSION_IDLE_MINUTES, settings.AGENCY_SESSION_IDLE_MINUTES) * 60
    # The user's roles are read only when the idle time could matter, not on every request.
    if idle >= shortest and idle >= idle_minutes_for(request.user) * 60:
        return IDLE
    if abs(idle) >= STAMP_EVERY_SECONDS:  # abs: a clock set back must not freeze the stamp
        session[LAST_SEEN_AT] = now
    return None


def _sign_out(request: Any, reason: str) -> Any:
    if reason == IDLE:
        minutes = idle_minutes_for(request.user)
        text = ngettext(
            "You were signed out after %(minutes)d minute without activity.",
            "You were signed out after %(minutes)d minutes without activity.",
            minutes,
        ) % {"minutes": minutes}
    else:
        hours = max(settings.SESSION_COOKIE_AGE // 3600, 1)
        text = ngettext(
            "You were signed out: a session lasts at most %(hours)d hour.",
            "You were signed out: a session lasts at most %(hours)d hours.",
            hours,
        ) % {"hours": hours}
    reads = request.method in ("GET", "HEAD")
    if not reads:
        text += " " + _("What you sent last was not saved: enter it again after signing in.")
    logout(request)  # the whole session goes, with its second step and its recent-password mark
    messages.warning(request, f"{text} {_('Sign in again to carry on.')}")
    # After signing in, back to the page asked for; a form's address would only answer a GET with 405.
    return redirect_to_login(request.get_full_path()) if reads else redirect(settings.LOGIN_URL)


class SessionExpiryMiddleware:
    """Ends sessions that have been idle too long or have lasted a working day (after MessageMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            reason = session_end(request)
            if reason is not None:
                return _sign_out(request, reason)
        except (OperationalError, InterfaceError) as error:
            # The session is read here, before any view: an outage must still be the 503 page, not a 500.
            return answer_database_error(request, error)
        return self.get_response(request)
