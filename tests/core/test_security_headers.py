"""Security headers: a Content Security Policy with no inline script anywhere, no framing, no sniffing,
a same-origin referrer, and secure cookies and HSTS in production (check --deploy is tests/core/test_settings.py)."""

import re
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.core.test_settings import GOOD_SECRET, ROOT

TEMPLATE_FOLDERS = [path for path in ROOT.glob("*/templates") if ".venv" not in path.parts]
# An inline <script> (one without src=), an inline event handler (onclick=, onchange=...), a javascript: URL,
# an inline style (style="..." or a <style> element): the policy refuses them, so the templates must not have them.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|\sstyle\s*=|<style[\s>]", re.IGNORECASE)


def directives(header: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy_and_security_headers(client, cast):
    for response in (client.get(reverse("core:login")), _signed_in_page(client, cast)):
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == "default-src 'self'"
        assert policy["script-src"] == "script-src 'self'"  # no 'unsafe-inline', no 'unsafe-eval'
        assert "unsafe" not in response["Content-Security-Policy"]
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert policy["object-src"] == "object-src 'none'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def _signed_in_page(client, cast):
    client.force_login(cast.registrar)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    return response


def test_no_template_has_inline_script_style_or_event_handlers():
    found = []
    for folder in TEMPLATE_FOLDERS:
        for template in folder.rglob("*.html"):
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
                if INLINE.search(line):
                    found.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert TEMPLATE_FOLDERS and not found, "Move these to static files:\n" + "\n".join(found)


def test_the_inline_check_catches_what_it_must():
    for bad in (
        "<script>alert(1)</script>",
        '<a onclick="x()">',
        '<p style="color:red">',
        '<a href="javascript:x()">',
        "<style>",
    ):
        assert INLINE.search(bad), bad
    for good in ('<script src="/static/x.js"></script>', '<p class="onward">', '<link rel="stylesheet" href="x.css">'):
        assert not INLINE.search(good), good


def test_production_cookies_are_secure_and_http_only_with_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0)"
    )
    environment = {"DJANGO_ENV": "production", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "register.labour.gov.ls"}
    result = _python_with_settings(code, environment)
    assert result.stdout.split() == ["True", "True", "True", "True"], result.stderr


def test_session_lifetime_comes_from_the_environment():
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE, s.REAUTHENTICATE_AFTER_MINUTES)"
    assert _python_with_settings(code, {}).stdout.split() == [str(8 * 60 * 60), "10"]
    result = _python_with_settings(code, {"SESSION_COOKIE_AGE": "3600", "REAUTHENTICATE_AFTER_MINUTES": "5"})
    assert result.stdout.split() == ["3600", "5"], result.stderr


def _python_with_settings(code, environment):
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "SESSION_COOKIE_AGE", "REAUTHENTICATE_AFTER_MINUTES")
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environment)
    script = f"import django; django.setup(); {code}"
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
