"""Every form, fed junk, through the real screens: never a 500, a refusal changes no row and says what is wrong.

The walk finds the forms itself: it opens every named URL (parameters from the permission matrix's builders) as
a person who may use it, reads each ``<form>`` on the page and posts (or, for filters and searches, gets)
Hypothesis-made junk in every field: NUL bytes and control characters, 10,000-character strings, emoji,
right-to-left text, huge and negative numbers, impossible dates, lists where one value is expected, hostile
files. A form added later is fuzzed without touching this file. Each page's examples run in a savepoint that is
rolled back, so every example starts from the same records.

A second test builds every Form class of every app's forms.py directly and checks that none ever hands a NUL byte
to the database (PostgreSQL refuses a string literal containing one, which would be a 500).
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django import forms
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.urls import Resolver404, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from core import access
from core.access import PUBLIC
from core.lists import EXPORT_PARAMETER
from tests.fuzz import FUZZ, FUZZ_PAGES, changed, junk_file_content, junk_file_name, junk_for, junk_text, row_counts
from tests.test_permission_matrix import ALL_URLS, SIGNED_BY_PROVIDER, URL_PARAMETERS, Target, expected

pytestmark = pytest.mark.django_db

# Left out of the walk, with the reason: signing out ends the walk's own session; the SMS webhooks answer only
# requests signed by the provider and are fuzzed, signed, in tests/test_fuzz_endpoints.py.
NOT_WALKED = {"core:logout"} | SIGNED_BY_PROVIDER
ERROR_MARKS = ("field-error", "error-summary", "errorlist", "message-error")


@dataclass
class Field:
    name: str
    kind: str
    value: str = ""
    choices: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class FormOnPage:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The forms of a page, with each field's kind, value and choices."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self.form, self.select = page_url, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = FormOnPage((attrs.get("method") or "get").lower(), attrs.get("action") or self.page_url)
            self.forms.append(self.form)
            return
        if self.form is None or not attrs.get("name"):
            if tag == "option" and self.select is not None:
                self.select.choices.append(attrs.get("value", ""))
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                self.form.fields.setdefault(name, Field(name, "hidden", attrs.get("value", "")))
                return
            known = self.form.fields.get(name)
            if known and kind in ("radio", "checkbox"):
                known.choices.append(attrs.get("value", "on"))
                known.multiple = known.multiple or kind == "checkbox"
                return
            value = attrs.get("value", "on" if kind == "checkbox" else "")
            self.form.fields[name] = Field(
                name,
                kind,
                value if kind not in ("radio", "checkbox") or "checked" in attrs else "",
                [value] if kind in ("radio", "checkbox") else [],
            )
        elif tag == "textarea":
            self.form.fields[name] = Field(name, "textarea")
        elif tag == "select":
            self.select = self.form.fields[name] = Field(name, "select", multiple="multiple" in attrs)
        elif tag == "option" and self.select is not None:
            self.select.choices.append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            if self.select is not None and self.select.choices and not self.select.value:
                self.select.value = self.select.choices[0]
            self.select = None


def forms_on(html: str, page_url: str) -> list[FormOnPage]:
    reader = FormReader(page_url)
    reader.feed(html)
    return reader.forms


def url_name_of(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def junk_form(form: FormOnPage) -> st.SearchStrategy:
    """A dict strategy: junk (or the page's own value) for every field of the form."""
    parts = {}
    for name, spec in form.fields.items():
        if name == "csrfmiddlewaretoken":
            continue
        if spec.kind == "file":
            parts[name] = st.builds(lambda n, c: SimpleUploadedFile(n, c), junk_file_name, junk_file_content)
        else:
            parts[name] = junk_for(spec.kind, spec.choices, spec.value)
    return st.fixed_dictionaries(parts)


def user_for(cast, url_name: str, capability: str, target: Target):
    """Agency staff where they may use the page (the outside world's way in), else the first ministry role that may."""
    if capability == PUBLIC:
        return None
    people = [
        cast.agency_staff,
        cast.registrar,
        cast.licensing_officer,
        cast.chief_inspector,
        cast.inspector,
        cast.trainer,
        cast.administrator,
        cast.analyst,
    ]
    for person in people:
        access.forget_roles(person)
        if expected(person, capability, target, url_name) == "allowed":
            return person
    return None


def refusal_of(response) -> tuple[bool, list[str]]:
    """Whether the answer refuses the input, and the words it uses."""
    said = [str(m) for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR]
    if response.status_code >= 400:
        body = b"" if response.streaming else response.content
        return True, said + ([body.decode(errors="replace")[:200]] if body.strip() else [])
    if not response.streaming and response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        if any(mark in html for mark in ERROR_MARKS):
            return True, said + [mark for mark in ERROR_MARKS if mark in html]
    return bool(said), said


def consume(response) -> None:
    """A streamed export runs its query while it is read: read it, so a failure shows here."""
    if response.streaming:
        b"".join(response.streaming_content)


def fixed_payloads(form: FormOnPage) -> list[dict]:
    """Always tried, whatever Hypothesis draws: a NUL byte in every field, then 10,000 characters in every field."""
    plain = {name: spec for name, spec in form.fields.items() if name != "csrfmiddlewaretoken" and spec.kind != "file"}
    return [
        {name: f"{spec.value}\x00" for name, spec in plain.items()},
        {name: "9" * 10_000 if spec.kind == "number" else "é" * 10_000 for name, spec in plain.items()},
    ]


def fuzz_form(client, form: FormOnPage, where: str, failures: list[str]) -> None:
    sends = junk_form(form)
    if form.method == "get":
        # Lists also read these from the address, whatever the page shows.
        sends = st.builds(
            lambda data, extra: data | extra,
            sends,
            st.fixed_dictionaries(
                {}, optional={"page": junk_for("number"), "sort": junk_text, EXPORT_PARAMETER: junk_for("select", ["csv"])}
            ),
        )

    def check(data):
        cache.clear()  # rate limits would otherwise answer 429 before the junk reaches anything
        with transaction.atomic():
            before = row_counts()
            if form.method == "get":
                response = client.get(form.action, {k: v for k, v in data.items() if not hasattr(v, "read")})
            else:
                response = client.post(form.action, data)
            consume(response)
            assert response.status_code < 500, f"{response.status_code} for {data!r}"
            after = row_counts()
            if form.method == "get":
                assert not changed(before, after), f"a GET wrote rows: {changed(before, after)}"
            refused, said = refusal_of(response)
            if refused:
                assert not changed(before, after), f"refused ({said[:3]}) yet rows changed: {changed(before, after)}"
                if response.status_code in (200, 400) or response.status_code == 302:
                    assert said, f"refused with status {response.status_code} but no message"
            transaction.set_rollback(True)
        # A redirect leaves its messages for the next page; the next example must not read them as its own.
        client.cookies.pop("messages", None)

    @FUZZ_PAGES
    @given(data=sends)
    def example(data):
        check(data)

    try:
        for data in fixed_payloads(form):
            check(data)
        example()
    except Exception as error:  # noqa: BLE001 - every page's failures are reported together below
        failures.append(f"{where} -> {form.method.upper()} {form.action}: {type(error).__name__}: {str(error)[:1500]}")


NO_FORMS_OF_THEIR_OWN = {"sms"}  # the webhooks only (fuzzed signed in tests/test_fuzz_endpoints.py)
NAMESPACES = sorted({name.split(":")[0] for name, _ in ALL_URLS if ":" in name})


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_form_survives_junk(namespace, cast, client):
    walked, failures = set(), []
    for url_name, pattern in ALL_URLS:
        if not url_name.startswith(namespace + ":") or url_name in NOT_WALKED:
            continue
        capability = access.declared_capability(pattern.callback)
        with transaction.atomic():
            target = URL_PARAMETERS[url_name](cast) if url_name in URL_PARAMETERS else Target({})
            user = user_for(cast, url_name, capability, target)
            client.logout()
            if user is not None:
                client.force_login(user)
            elif capability != PUBLIC:
                transaction.set_rollback(True)
                continue
            url = reverse(url_name, kwargs=target.kwargs)
            response = client.get(url)
            pages_forms = []
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                pages_forms = forms_on(response.content.decode(), url)
            elif response.status_code == 405:  # a POST-only action: its form is on another page; try its usual fields
                pages_forms = [
                    FormOnPage("post", url, {name: Field(name, "textarea") for name in ("reason", "note", "seen_status")})
                ]
            for form in pages_forms:
                if url_name_of(form.action) in NOT_WALKED or form.action.startswith(("http:", "https:")):
                    continue
                key = (form.method, urlsplit(form.action).path, tuple(sorted(form.fields)))
                if key in walked:
                    continue
                walked.add(key)
                fuzz_form(client, form, f"{url_name} as {getattr(user, 'username', 'anonymous')}", failures)
            transaction.set_rollback(True)
    assert not failures, "\n\n".join(failures)
    # The walk itself must work: every app with screens has forms of its own besides the language switcher.
    own = {key for key in walked if key[1] != reverse("core:set_language")}
    assert own or namespace in NO_FORMS_OF_THEIR_OWN, f"no form found on the pages of {namespace}"


# --- Every Form class, directly -------------------------------------------------------------------------------

APPS = ["core", "notifications", "agencies", "workers", "predeparture", "contracts", "inspections", "reports"]


def form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for app in APPS:
        module = importlib.import_module(f"{app}.forms")
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__ and value.base_fields:
                found.append(value)
    return found


def arguments_for(form_class, cast) -> dict:
    """The keyword arguments a form's constructor asks for, from the cast."""
    given_by_name = {"user": cast.registrar, "agency": cast.agency_a, "agency_id": cast.agency_a.pk, "key": "licence.fee"}
    wanted = inspect.signature(form_class.__init__).parameters
    return {name: value for name, value in given_by_name.items() if name in wanted}


def junk_for_field(form_field: forms.Field) -> st.SearchStrategy:
    if isinstance(form_field, forms.FileField):
        return st.none()
    if isinstance(form_field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return junk_for("number")
    if isinstance(form_field, (forms.DateField, forms.DateTimeField, forms.TimeField)):
        return junk_for("date")
    if isinstance(form_field, forms.ChoiceField | forms.ModelChoiceField):
        choices = [str(value) for value, _label in getattr(form_field, "choices", [])][:20]
        return junk_for("select", choices)
    return junk_for("text")


@pytest.mark.parametrize("form_class", form_classes(), ids=lambda form_class: f"{form_class.__module__}.{form_class.__name__}")
def test_no_form_lets_a_nul_byte_through(form_class, cast):
    """A NUL byte must be refused (or removed) by every form: PostgreSQL cannot store one, so it would be a 500."""
    kwargs = arguments_for(form_class, cast)
    fields = form_class(**kwargs).fields

    @FUZZ
    @given(
        data=st.fixed_dictionaries({name: junk_for_field(f) for name, f in fields.items()}),
        nul_field=st.sampled_from(sorted(fields)),
    )
    def example(data, nul_field):
        data = {name: value for name, value in data.items() if value is not None}
        if not isinstance(fields[nul_field], forms.FileField):
            data[nul_field] = f"x\x00{data.get(nul_field, '') if isinstance(data.get(nul_field), str) else ''}"
        posted = QueryDict(mutable=True)  # as a request brings it: a list is several values of one name
        for name, value in data.items():
            posted.setlist(name, value if isinstance(value, list) else [value])
        with transaction.atomic():
            form = form_class(data=posted, **kwargs)
            if form.is_valid():
                for name, value in form.cleaned_data.items():
                    assert "\x00" not in str(value), f"{name} kept a NUL byte: {value!r}"
            else:
                assert all(form.errors.values()), "refused without a message"
            transaction.set_rollback(True)

    example()
