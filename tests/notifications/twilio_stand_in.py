"""A stand-in for Twilio's HTTP API, under the real ``twilio`` client: records each request, answers in the provider's shapes.

The client is the official one; only its transport (the ``http_client`` it is given) is replaced, so
request building, response parsing and the client's own exceptions are the library's.
"""

from __future__ import annotations

import json
import logging
from email.utils import format_datetime
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "1" * 32
MESSAGING_SERVICE_SID = "MG" + "2" * 32
AUTH_TOKEN = "test-auth-token"


def message_json(*, sid: str, to: str, body: str, status: str = "accepted", created=None) -> dict:
    created = format_datetime(created or timezone.now())
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": created,
        "date_sent": None,
        "date_updated": created,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": None,
        "messaging_service_sid": MESSAGING_SERVICE_SID,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
        "to": to,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
    }


def error(status: int, code: int, message: str) -> Response:
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return Response(status, json.dumps(body))


def message_list(messages: list[dict]) -> Response:
    uri = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json?PageSize=50&Page=0"
    page = {
        "end": max(len(messages) - 1, 0),
        "first_page_uri": uri,
        "messages": messages,
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": uri,
    }
    return Response(200, json.dumps(page))


class StandInHttpClient(HttpClient):
    """Answers from a script (responses, exceptions to raise, or callables given the request that return either);
    a POST with nothing scripted is accepted."""

    def __init__(self, *, timeout: float | None = None):
        super().__init__(logging.getLogger("tests.twilio"), False, timeout)
        self.requests: list[dict] = []
        self.script: list = []
        self.counter = 0

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False):
        form = {key: value for key, value in (data or {}).items()}
        self.requests.append(
            {"method": method, "url": url, "params": params or {}, "data": form, "timeout": timeout or self.timeout, "auth": auth}
        )
        outcome = self.script.pop(0) if self.script else None
        if callable(outcome):
            # Something the provider does while our request is open (a status callback, say), then its answer.
            outcome = outcome(self.requests[-1])
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is not None:
            return outcome
        if method == "POST":
            self.counter += 1
            return Response(201, json.dumps(message_json(sid=f"SM{self.counter:032d}", to=form["To"], body=form["Body"])))
        return message_list([])

    @property
    def posts(self) -> list[dict]:
        return [request for request in self.requests if request["method"] == "POST"]


def decode(body: str) -> dict:
    return {key: values[0] for key, values in parse_qs(body).items()}


@pytest.fixture
def twilio(settings, monkeypatch):
    """SMS go through the real TwilioBackend and client, to the stand-in transport."""
    from notifications.backends import TwilioBackend

    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID
    settings.TWILIO_FROM_NUMBER = ""
    settings.PUBLIC_BASE_URL = "https://register.labour.gov.ls"
    settings.SMS_PROVIDER_TIMEOUT = 7
    stand_in = StandInHttpClient()

    def make(*, timeout):
        stand_in.timeout = timeout
        return stand_in

    monkeypatch.setattr(TwilioBackend, "http_client_class", staticmethod(make))
    return stand_in
