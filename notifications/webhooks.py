"""Twilio's webhooks: delivery receipts and inbound messages.

Public (Twilio does not sign in) but signed: every request must carry an
``X-Twilio-Signature`` made with our auth token over the address Twilio
called and the POST parameters. The address is rebuilt from
PUBLIC_BASE_URL, not from the request's Host, so the check holds behind a
proxy and cannot be steered by a forged Host header. With no auth token
configured every request is refused: an unsigned webhook would let anyone
opt a worker out or file complaints in their name.

Nothing a remote system sends may cause a 500: a malformed body is a 400,
an unknown message a 200 (so Twilio stops retrying).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm
from twilio.twiml.messaging_response import MessagingResponse

from core.access import PUBLIC, requires
from notifications import inbound, services
from notifications.backends import OUTBOX_ROW_PARAMETER

logger = logging.getLogger(__name__)

# Twilio's message SIDs are 34 characters; anything much longer is not one.
MAX_SID_LENGTH = 64


def signature_is_valid(request: Any) -> bool:
    """Whether the request was signed by Twilio with our auth token for our public address."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER, ""))
    try:
        return RequestValidator(token).validate(url, request.POST, signature, algorithm)
    except Exception:  # a malformed signature or body must be a refusal, not a 500
        logger.warning("Twilio signature check failed on a malformed request to %s", request.path, exc_info=True)
        return False


def _refuse(request: Any) -> HttpResponse:
    reason = "no auth token configured" if not settings.TWILIO_AUTH_TOKEN else "missing or wrong signature"
    logger.warning("Refused an SMS webhook request to %s from %s: %s", request.path, request.META.get("REMOTE_ADDR", "?"), reason)
    return HttpResponseForbidden("Invalid signature", content_type="text/plain")


def _field(request: Any, name: str, limit: int | None = None, *, strip: bool = True) -> str:
    # PostgreSQL cannot store a NUL character; the provider never sends one, a forger might: drop it, keep the rest.
    value = request.POST.get(name, "").replace("\x00", "")
    value = value.strip() if strip else value
    return value[:limit] if limit else value


def _outbox_row(request: Any) -> int | None:
    """The outbox row named in the callback address we gave with the message (?outbox=123), if it is a row id."""
    value = request.GET.get(OUTBOX_ROW_PARAMETER, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


@csrf_exempt
@requires(PUBLIC)
@require_POST
def twilio_status(request: Any) -> HttpResponse:
    """A delivery receipt: queued, sent, delivered, undelivered or failed, with the error code if any.

    The address carries the outbox row's id, so a receipt that arrives before our send call has saved the
    message SID still finds its row; the signature covers the address, query included.
    """
    if not signature_is_valid(request):
        return _refuse(request)
    sid, status = _field(request, "MessageSid"), _field(request, "MessageStatus").lower()
    if not sid or not status or len(sid) > MAX_SID_LENGTH:
        return HttpResponseBadRequest("MessageSid and MessageStatus are required", content_type="text/plain")
    try:
        known = services.record_delivery_receipt(
            sid=sid,
            status=status,
            error_code=_field(request, "ErrorCode", 20),
            error_message=_field(request, "ErrorMessage", 1000),
            outbox_id=_outbox_row(request),
        )
    except Exception:
        # Logged for the administrator; Twilio is told it arrived, since sending it again would fail the same way.
        logger.exception("Could not record the delivery receipt %s (%s)", sid, status)
        known = False
    if not known:
        logger.info("Delivery receipt for a message we do not know (or could not apply): %s %s", sid, status)
    return HttpResponse("", content_type="text/plain")


@csrf_exempt
@requires(PUBLIC)
@require_POST
def twilio_inbound(request: Any) -> HttpResponse:
    """A message a worker sent: stored, handled once, answered with TwiML."""
    if not signature_is_valid(request):
        return _refuse(request)
    sid, sender = _field(request, "MessageSid"), _field(request, "From")
    if not sid or not sender or len(sid) > MAX_SID_LENGTH:
        return HttpResponseBadRequest("MessageSid and From are required", content_type="text/plain")
    try:
        reply = inbound.receive(
            provider_id=sid,
            from_number=sender,
            to_number=_field(request, "To", 20),
            body=_field(request, "Body", strip=False),
            opt_out_type=_field(request, "OptOutType", 10),
        )
    except Exception:
        # The message is stored before it is handled; it stays unanswered on the inbound list, and a
        # repeat of the same message is handled afresh.
        logger.exception("Could not handle the inbound SMS %s", sid)
        reply = ""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")
