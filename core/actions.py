"""The one way a screen runs a use case and says what happened: success, the refusal's messages, or a stale screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

STALE_MESSAGE = _("Someone else changed this record while you were looking at it. Check it and try again.")


class StaleRecord(Exception):
    """The record changed since the user's screen was drawn."""


def errors_to_messages(request: Any, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def perform(request: Any, act: Callable[[], Any], *, done: Any, then: Any, stale_message: Any = STALE_MESSAGE) -> Any:
    """Run ``act``; flash ``done``, or each refusal, or the stale-screen message; redirect to ``then`` either way."""
    try:
        act()
    except ValidationError as error:
        errors_to_messages(request, error)
    except StaleRecord:
        messages.error(request, stale_message)
    else:
        messages.success(request, done)
    return redirect(then)
