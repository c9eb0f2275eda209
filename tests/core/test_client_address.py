"""Whose address the rate limits and the sign-in lockout count (core.ratelimit.client_ip, also django-axes's
AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR unless the site says how many reverse proxies stand in front of it
(TRUSTED_PROXY_COUNT), and never an X-Forwarded-For a client wrote itself."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from core.ratelimit import client_address, client_ip
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
CLIENT = "198.51.100.7"
OTHER_CLIENT = "198.51.100.8"


def request_from(remote_addr, forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_by_default_x_forwarded_for_is_never_believed(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.AXES_CLIENT_IP_CALLABLE == "core.ratelimit.client_ip"
    assert client_ip(request_from(CLIENT, forwarded="203.0.113.99")) == CLIENT
    assert client_address(request_from("", forwarded="203.0.113.99")) == "unknown"


def test_with_one_trusted_proxy_the_right_most_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "203.0.113.99" itself; the proxy appended the address it saw.
    assert client_ip(request_from(PROXY, forwarded=f"203.0.113.99, {CLIENT}")) == CLIENT
    assert client_ip(request_from(PROXY, forwarded=CLIENT)) == CLIENT
    assert client_ip(request_from(PROXY, forwarded="2001:db8::7")) == "2001:db8::7"


def test_with_two_trusted_proxies_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(PROXY, forwarded=f"203.0.113.99, {CLIENT}, 10.0.0.9")) == CLIENT


def test_a_header_that_did_not_come_through_the_proxies_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(PROXY)) == PROXY  # no header: straight to the server
    assert client_ip(request_from(PROXY, forwarded=CLIENT)) == PROXY  # fewer entries than proxies
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from(PROXY, forwarded="not-an-address")) == PROXY
    assert client_ip(request_from(PROXY, forwarded="<script>, ")) == PROXY


# --- The rate limit of the public pages -------------------------------------------------------------------------


def test_a_spoofed_x_forwarded_for_does_not_escape_the_rate_limit(client, ratelimit_clock):
    url = reverse("register:index")
    for number in range(60):
        assert client.get(url, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}").status_code == 200
    assert client.get(url, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="203.0.113.200").status_code == 429


def test_behind_one_proxy_each_client_has_its_own_rate_limit(client, ratelimit_clock, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("register:index")
    for _ in range(60):
        assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT).status_code == 200
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT).status_code == 429
    # Another visitor through the same proxy is not held back, whatever the first one writes in the header.
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{CLIENT}, {OTHER_CLIENT}").status_code == 200


# --- The sign-in lockout (django-axes) --------------------------------------------------------------------------


def sign_in(client, remote_addr, forwarded=None, password="wrong-password"):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("core:login"), {"username": "registrar", "password": password}, **extra)


def test_a_spoofed_x_forwarded_for_does_not_escape_the_lockout(cast, client, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, CLIENT, forwarded=f"203.0.113.{number}")
    assert sign_in(client, CLIENT, forwarded="203.0.113.200", password=TEST_PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}


def test_behind_one_proxy_the_lockout_counts_the_client_not_the_proxy(cast, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, PROXY, forwarded=f"203.0.113.99, {CLIENT}")
    assert sign_in(client, PROXY, forwarded=CLIENT, password=TEST_PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}
    # The registrar at another desk behind the same proxy still signs in.
    assert sign_in(client, PROXY, forwarded=OTHER_CLIENT, password=TEST_PASSWORD).status_code == 302
