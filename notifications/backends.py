"""Where SMS go, chosen by the SMS_BACKEND setting, after Django's e-mail backends.

- console: prints each message (development);
- memory: keeps them in ``notifications.backends.outbox`` (tests);
- twilio: the official client (production).

A backend answers two questions and nothing else, so a local aggregator (an
SMPP gateway of a Lesotho operator, say) can be added without touching a
caller: ``send(to, body, outbox_id=...)`` hands one message over and returns its
``SendResult``, or raises one of the three errors below (``outbox_id`` is the
outbox row, for a provider that reports back per message); ``fetch_recent(to,
since)`` lists what the provider holds for a number, so a message whose fate
is unknown is checked before it is ever sent again (``None``: cannot tell).

The drain treats the errors differently:

- ``TemporarySmsError``: the provider was down, busy or rate-limiting; tried
  again later with a growing delay, up to SMS_MAX_ATTEMPTS;
- ``PermanentSmsError``: the provider refused this message for good (an invalid
  or unsubscribed number, a region not enabled); never retried, and when the
  fault is the number's, the number is suppressed until someone fixes it;
- ``UncertainSmsError``: the request left but no answer came; the provider may
  have the message, so it waits for reconciliation instead of a blind resend.
"""

from __future__ import annotations

import datetime
import logging
import sys
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

outbox: list[dict] = []

# The query parameter of the status callback address that names the outbox row (?outbox=123). A receipt can
# arrive before the send call has returned with the provider's SID; the row id lets it find its row anyway.
# Twilio signs the whole address, query included, so the id cannot be altered.
OUTBOX_ROW_PARAMETER = "outbox"

# The twilio client logs every request and its headers at INFO: noise, at a million messages. Warnings still show.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

# Twilio error codes that say the recipient's number cannot get our SMS until something about it changes
# (https://www.twilio.com/docs/api/errors). 30003 (handset unreachable: switched off) is left out on purpose:
# it is usually temporary. 30007 (carrier filtering) is about the text, not the number.
PERMANENT_NUMBER_ERRORS = frozenset(
    {
        "21211",  # invalid 'To' number
        "21214",  # 'To' number cannot be reached
        "21217",  # number does not appear to be valid
        "21401",  # invalid phone number
        "21407",  # destination not supported
        "21408",  # sending to this region is not enabled
        "21610",  # the recipient replied STOP (unsubscribed)
        "21612",  # not reachable by SMS
        "21614",  # not a mobile number
        "21635",  # a landline
        "30004",  # blocked by the recipient
        "30005",  # unknown handset
        "30006",  # landline or unreachable carrier
    }
)


@dataclass(frozen=True)
class SendResult:
    """The provider took the message: its reference (Twilio's message SID) and the status it reported."""

    provider_id: str
    status: str = "sent"


@dataclass(frozen=True)
class ProviderMessage:
    """One message in the provider's own record, as read back for reconciliation."""

    provider_id: str
    to: str
    body: str
    status: str
    created_at: datetime.datetime | None = None


class SmsBackendError(Exception):
    """The provider failed; unless a subclass says otherwise, the message may be tried again."""

    code: str = ""


class TemporarySmsError(SmsBackendError):
    """Network fault, provider error (5xx) or rate limit (429): try again later."""

    def __init__(self, message: str, *, code: str = "", slow_down: bool = False):
        super().__init__(message)
        self.code = code
        # The provider asked us to slow down: the rest of the batch waits for a later run.
        self.slow_down = slow_down


class PermanentSmsError(SmsBackendError):
    """The provider refused this message for good; never retried."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = str(code or "")

    @property
    def number_unusable(self) -> bool:
        return self.code in PERMANENT_NUMBER_ERRORS


class UncertainSmsError(SmsBackendError):
    """The request left but no answer came back: the provider may have the message."""


class BaseSmsBackend:
    name = "base"

    def send(self, to: str, body: str, *, outbox_id: int | None = None) -> SendResult:
        """Hand one SMS to the provider; raise one of the errors above when it does not take it."""
        raise NotImplementedError

    def fetch_recent(self, to: str, since: datetime.datetime) -> list[ProviderMessage] | None:
        """The provider's messages to ``to`` created since ``since``; ``None`` when this backend cannot tell."""
        return None


class ConsoleBackend(BaseSmsBackend):
    name = "console"

    def send(self, to: str, body: str, *, outbox_id: int | None = None) -> SendResult:
        reference = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"SMS to {to} [{reference}]: {body}\n")
        sys.stdout.flush()
        return SendResult(reference)


class MemoryBackend(BaseSmsBackend):
    name = "memory"

    def send(self, to: str, body: str, *, outbox_id: int | None = None) -> SendResult:
        reference = f"memory-{len(outbox) + 1}"
        outbox.append({"to": to, "body": body, "reference": reference})
        return SendResult(reference)

    def fetch_recent(self, to: str, since: datetime.datetime) -> list[ProviderMessage] | None:
        return [ProviderMessage(sent["reference"], sent["to"], sent["body"], "sent") for sent in outbox if sent["to"] == to]


def _never_connected(error: Exception) -> bool:
    """Whether a requests ConnectionError happened before anything was sent (no connection was made)."""
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NameResolutionError is a NewConnectionError; anything else (a reset, a dropped connection) may have
    # come after the request was written.
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


class TwilioBackend(BaseSmsBackend):
    """The official ``twilio`` client, with a timeout on every call and a status callback on every message."""

    name = "twilio"

    @staticmethod
    def http_client_class(*, timeout: float):
        # The class the client talks through; tests and the benchmark put a stand-in here.
        from twilio.http.http_client import TwilioHttpClient

        return TwilioHttpClient(timeout=timeout)

    def __init__(self):
        from twilio.rest import Client

        from core.text import public_url

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=self.http_client_class(timeout=settings.SMS_PROVIDER_TIMEOUT),
        )
        self.status_callback = public_url("sms:twilio_status")

    def status_callback_for(self, outbox_id: int | None) -> str:
        """The receipt address of one message: the status webhook with the outbox row's id in its query."""
        if outbox_id is None:
            return self.status_callback
        return f"{self.status_callback}?{urlencode({OUTBOX_ROW_PARAMETER: outbox_id})}"

    def send(self, to: str, body: str, *, outbox_id: int | None = None) -> SendResult:
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        message = self._call(
            lambda: self.client.messages.create(
                to=to, body=body, status_callback=self.status_callback_for(outbox_id), **sender
            )
        )
        return SendResult(message.sid, message.status or "queued")

    def fetch_recent(self, to: str, since: datetime.datetime) -> list[ProviderMessage]:
        # No DateSent filter: a message the provider still holds in its queue has no date sent yet.
        # Newest first, so one page covers any recent attempt.
        try:
            records = self._call(lambda: self.client.messages.list(to=to, limit=50, page_size=50))
        except UncertainSmsError as error:
            raise TemporarySmsError(str(error)) from error  # a lost read is harmless: read again next time
        found = []
        for record in records:
            created = record.date_created
            if created is not None and timezone.is_naive(created):
                created = timezone.make_aware(created, datetime.UTC)
            if created is not None and created < since:
                continue
            if record.direction and not str(record.direction).startswith("outbound"):
                continue
            found.append(ProviderMessage(record.sid, record.to, record.body or "", str(record.status or ""), created))
        return found

    @staticmethod
    def _call(request):
        import requests
        from twilio.base.exceptions import TwilioException

        try:
            return request()
        except requests.exceptions.ConnectTimeout as error:
            raise TemporarySmsError(f"no connection to the provider: {error}") from error
        except requests.exceptions.ReadTimeout as error:
            raise UncertainSmsError(f"no answer within {settings.SMS_PROVIDER_TIMEOUT} s after sending: {error}") from error
        except requests.exceptions.ConnectionError as error:
            if _never_connected(error):
                raise TemporarySmsError(f"no connection to the provider: {error}") from error
            raise UncertainSmsError(f"the connection broke after sending: {error}") from error
        except requests.exceptions.RequestException as error:
            raise TemporarySmsError(f"request to the provider failed: {error}") from error
        except TwilioException as error:
            status = getattr(error, "status", None)
            code = str(getattr(error, "code", "") or "")
            text = str(getattr(error, "msg", "") or getattr(error, "detail", "") or error)
            if status is None:
                raise TemporarySmsError(text, code=code) from error
            if status == 429:
                raise TemporarySmsError(f"rate limited by the provider: {text}", code=code, slow_down=True) from error
            if status >= 500:
                raise TemporarySmsError(f"provider error {status}: {text}", code=code) from error
            if status == 401:
                # Our credentials, not the message: keep it for when the configuration is fixed.
                raise TemporarySmsError(f"the provider refused our credentials: {text}", code=code) from error
            raise PermanentSmsError(code or str(status), text) from error


BACKENDS = {"console": ConsoleBackend, "memory": MemoryBackend, "twilio": TwilioBackend}


def get_backend() -> BaseSmsBackend:
    return BACKENDS[settings.SMS_BACKEND]()
