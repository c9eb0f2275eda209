"""Hostile input for the fuzz tests (tests/test_fuzz_forms.py, tests/test_fuzz_endpoints.py): what a careless or
malicious person can type or send, by kind of field, and the row counts that must not move when it is refused."""

from __future__ import annotations

import datetime

from django.apps import apps
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Reproducible in CI: the same examples every run, nothing remembered between runs.
FUZZ = settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
# Every form of every page: fewer drawn examples each (two fixed ones are always added), so the walk stays short.
FUZZ_PAGES = settings(FUZZ, max_examples=4)

NASTY = [
    "\x00",
    "a\x00b",
    "\x00" * 3 + "PEA-2026-0001",
    "\x1b[31m\x07\x08\x7f",
    "\r\n\r\nSet-Cookie: x=1",
    "x" * 10_000,
    "é" * 10_001,
    "😀" * 300,
    "\u202eevil\u202c",
    "مرحبا بالعالم",
    "שלום",
    "\ufeff\u200b\u200d",
    "\ud7ff\ue000\uffff",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "%s%n%x",
    "../../etc/passwd",
    '=HYPERLINK("http://x")',
    " ",
    "",
]
NUMBERS = [
    "9" * 400,
    "-1",
    "-0",
    "-99999999999999999999999999",
    "99999999999999999999999999",
    "1e308",
    "1e-308",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "1,000",
    "١٢٣",
    "½",
    "3.14159265358979323846264338327950288",
    "2147483648",
    "9223372036854775808",
]
BAD_DATES = [
    "2026-02-30",
    "2025-02-29",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "31/02/2026",
    "2026-13-01",
    "2026-1-1T25:61",
    "yesterday",
    "-2026-01-01",
]

junk_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),  # any code point but surrogates: NUL and every control character included
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=12),
    st.builds(lambda text, n: text * n, st.sampled_from(["x", "é", "😀", "\x00"]), st.sampled_from([256, 1_001, 10_001])),
)
junk_number = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    junk_text,
)
junk_date = st.one_of(
    st.sampled_from(BAD_DATES),
    st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(datetime.date.isoformat),
    junk_text,
)
junk_file_name = st.one_of(
    st.sampled_from(["../../etc/passwd.pdf", "/etc/passwd.pdf", "CON", "...", "a" * 300 + ".pdf", "x\x00.pdf"]),
    st.text(min_size=1, max_size=30),
)
junk_file_content = st.one_of(
    st.sampled_from([b"", b"%PDF-1.7\n%junk", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"MZ\x90\x00", b"<html>"]),
    st.binary(max_size=200),
)


def junk_for(kind: str, choices: list[str] | None = None, default: str = "") -> st.SearchStrategy:
    """Junk for one field of the given HTML kind, mixed with its own value or choices, so other checks are reached."""
    fitting = [st.just(default)]
    if choices:
        fitting.append(st.sampled_from(choices))
    if kind in ("number", "range"):
        bad = junk_number
    elif kind in ("date", "datetime-local", "month", "week", "time"):
        bad = junk_date
    elif kind in ("select", "radio", "checkbox", "hidden"):
        bad = st.one_of(junk_text, junk_number)
    else:
        bad = junk_text
    return st.one_of(*fitting, bad, st.lists(bad, min_size=2, max_size=3))  # a list is the wrong type for most fields


# --- Row counts -----------------------------------------------------------------------------------------------

OWN_APPS = {
    "core",
    "notifications",
    "agencies",
    "workers",
    "predeparture",
    "contracts",
    "inspections",
    "reports",
    "auth",
    "django_fsm_log",
    "otp_totp",
    "otp_static",
}
# Rows that a refused request may rightly write: failed sign-ins (django-axes keeps its own) and the record of who
# opened a worker's full record (a refused form re-shows that record).
NOT_COUNTED = {"workers.workerrecordview"}


def counted_models() -> list:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in OWN_APPS and model._meta.label_lower not in NOT_COUNTED and not model._meta.proxy
    ]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in counted_models()}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {label: (before[label], after[label]) for label in before if before[label] != after[label]}
