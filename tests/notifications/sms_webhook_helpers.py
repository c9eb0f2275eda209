"""Signing webhook requests the way Twilio does, with the official validator, against the public address."""

from django.urls import reverse
from twilio.request_validator import RequestValidator

TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC = "https://lms.labour.gov.ls"


def signed_post(client, url_name, params, *, token=TOKEN, base=PUBLIC, signature=None):
    path = reverse(url_name)
    if signature is None:
        signature = RequestValidator(token).compute_signature(base + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def signed_post_to(client, address, params, *, token=TOKEN, signed_address=None):
    """POST to a full public address (query included, as Twilio calls a status callback), signed over
    ``signed_address`` (by default the same address) with the official validator."""
    from urllib.parse import urlsplit

    signature = RequestValidator(token).compute_signature(signed_address or address, params)
    parts = urlsplit(address)
    return client.post(f"{parts.path}?{parts.query}" if parts.query else parts.path, params, HTTP_X_TWILIO_SIGNATURE=signature)


_sids = iter(range(1, 1_000_000))


def inbound(client, body, sender="+27821234567", **extra):
    """A signed inbound SMS with a fresh message SID; returns the response."""
    params = {"MessageSid": extra.pop("sid", f"SM{next(_sids):032d}"), "From": sender, "To": "+27870000000", "Body": body}
    return signed_post(client, "sms:twilio_inbound", params | extra)


def reply_of(response):
    """The text of the TwiML <Message>, or "" when the answer is empty."""
    import xml.etree.ElementTree as ElementTree

    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    message = ElementTree.fromstring(response.content).find("Message")
    return message.text if message is not None else ""
