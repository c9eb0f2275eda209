"""Where SMS go, chosen by the SMS_BACKEND setting, after Django's e-mail backends.

- console: prints each message (development);
- memory: keeps them in ``notifications.backends.outbox`` (tests);
- twilio: the official client (production; arrives with the SMS issue).
"""

from __future__ import annotations

import sys
import uuid

from django.conf import settings

outbox: list[dict] = []


class SmsBackendError(Exception):
    """The provider refused or failed; the message may be tried again."""


class BaseSmsBackend:
    def send(self, to: str, body: str) -> str:
        """Send one SMS and return the provider's reference for it."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def send(self, to: str, body: str) -> str:
        reference = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"SMS to {to} [{reference}]: {body}\n")
        sys.stdout.flush()
        return reference


class MemoryBackend(BaseSmsBackend):
    def send(self, to: str, body: str) -> str:
        reference = f"memory-{len(outbox) + 1}"
        outbox.append({"to": to, "body": body, "reference": reference})
        return reference


BACKENDS = {"console": ConsoleBackend, "memory": MemoryBackend}


def get_backend() -> BaseSmsBackend:
    return BACKENDS[settings.SMS_BACKEND]()
