"""The translation catalogues: complete, compiled, placeholder-safe, and used for Django's own strings.

After changing a translatable string or a translation, run ``make messages``
(makemessages, then ``manage.py compile_catalogues``) and commit the .po and
.mo files together.
"""

import ast
import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from django.utils.html import escape

import core.django_strings

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ["st", "en"]
REMEDY = "run `make messages` (or `manage.py compile_catalogues`) and commit the .mo with its .po"

# %(name)s, %(count)d, %s, %d, %.2f ... ("%%" is a literal percent sign, removed first).
PERCENT_PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?(?P<spec>\d*(?:\.\d+)?[sdifr])")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{\w*\}(?!\})")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def load_po(language: str) -> polib.POFile:
    return polib.pofile(str(po_path(language)))


def entry_label(entry) -> str:
    context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
    return f"{entry.msgid!r}{context} at {', '.join(f'{path}:{line}' for path, line in entry.occurrences[:2])}"


def live_entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def translations(entries) -> dict:
    """(msgctxt, msgid) -> msgstr, or the sorted plural forms of a plural entry."""
    result = {}
    for entry in entries:
        if entry.msgid_plural:
            value = (entry.msgid_plural, tuple(sorted((int(n), text) for n, text in entry.msgstr_plural.items())))
        else:
            value = entry.msgstr
        result[(entry.msgctxt or None, entry.msgid)] = value
    return result


def percent_placeholders(text: str) -> tuple[set, Counter]:
    """Named placeholders as a set; unnamed ones (%s, %d) counted, since their number must match."""
    named, unnamed = set(), Counter()
    for match in PERCENT_PLACEHOLDER.finditer(text.replace("%%", "")):
        if match["name"]:
            named.add(match.group(0))
        else:
            unnamed[match["spec"]] += 1
    return named, unnamed


def listed_django_strings() -> list[tuple[str | None, str, str | None]]:
    """(msgctxt, msgid, msgid_plural) of every string core/django_strings.py lists, read from its source."""
    tree = ast.parse(Path(core.django_strings.__file__).read_text(encoding="utf-8"))
    listed = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            if node.func.id == "_":
                listed.append((None, args[0], None))
            elif node.func.id == "ngettext_lazy":
                listed.append((None, args[0], args[1]))
            elif node.func.id == "pgettext_lazy":
                listed.append((args[0], args[1], None))
    return listed


def test_every_sesotho_entry_is_translated_and_not_fuzzy():
    catalogue = load_po("st")
    assert "fuzzy" not in catalogue.metadata_is_fuzzy, "the header of locale/st/LC_MESSAGES/django.po is marked fuzzy"
    problems = []
    for entry in live_entries(catalogue):
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry_label(entry)}")
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            if sorted(int(n) for n in forms) != [0, 1] or not all(text.strip() for text in forms.values()):
                problems.append(f"plural form missing or empty: {entry_label(entry)}")
        elif not entry.msgstr.strip():
            problems.append(f"untranslated: {entry_label(entry)}")
    assert not problems, "Sesotho catalogue incomplete; translate these, then run `make messages`:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_header_is_valid(language):
    catalogue = load_po(language)
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Language"] == language
    assert "charset=UTF-8" in catalogue.metadata["Content-Type"]
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert "PACKAGE VERSION" not in catalogue.metadata["Project-Id-Version"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_po(language):
    catalogue = load_po(language)
    mo_file = po_path(language).with_suffix(".mo")
    assert mo_file.exists(), f"{mo_file} is missing: {REMEDY}"
    compiled = polib.mofile(str(mo_file))

    expected = translations(catalogue.translated_entries())
    actual = translations(compiled)
    differing = {key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)}
    stale = sorted(f"{msgid!r}" + (f" (context {msgctxt!r})" if msgctxt else "") for msgctxt, msgid in differing)
    assert not stale, f"{mo_file} is out of date with its .po ({len(stale)} entries differ): {REMEDY}\n" + "\n".join(stale[:20])
    for field in ("Plural-Forms", "Content-Type", "Language"):
        assert compiled.metadata.get(field) == catalogue.metadata.get(field), f"{mo_file} header {field} differs: {REMEDY}"


def test_translations_keep_the_placeholders():
    problems = []
    for entry in live_entries(load_po("st")):
        if entry.msgid_plural:
            pairs = [(entry.msgid if int(n) == 0 else entry.msgid_plural, text) for n, text in entry.msgstr_plural.items()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if not text:
                continue  # an empty translation is the first test's business
            if percent_placeholders(text) != percent_placeholders(source):
                problems.append(f"{entry_label(entry)}: {text!r}")
            elif "python-brace-format" in entry.flags and set(BRACE_PLACEHOLDER.findall(text)) != set(
                BRACE_PLACEHOLDER.findall(source)
            ):
                problems.append(f"{entry_label(entry)}: {text!r}")
    assert not problems, "placeholders changed in translation (keep %(name)s, %d, {name} exactly):\n" + "\n".join(problems)


def test_django_strings_we_list_are_in_the_sesotho_catalogue():
    """core/django_strings.py exists to get these into our catalogue: makemessages must have picked them all up."""
    entries = {(entry.msgctxt or None, entry.msgid): entry for entry in live_entries(load_po("st"))}
    listed = listed_django_strings()
    assert len(listed) > 50
    missing = [
        (msgctxt, msgid)
        for msgctxt, msgid, msgid_plural in listed
        if (msgctxt, msgid) not in entries or (entries[(msgctxt, msgid)].msgid_plural or None) != msgid_plural
    ]
    assert not missing, f"not in locale/st/LC_MESSAGES/django.po, run `make messages`: {missing}"


def sesotho(msgid: str) -> str:
    """Our catalogue's translation of msgid (no context, singular)."""
    (entry,) = [entry for entry in live_entries(load_po("st")) if entry.msgid == msgid and not entry.msgctxt]
    return entry.msgstr


def test_djangos_own_strings_come_out_in_sesotho():
    required = sesotho("This field is required.")
    assert required and required != "This field is required."
    with translation.override("st"):
        assert translation.gettext("This field is required.") == required
        assert translation.gettext("Enter a valid email address.") == sesotho("Enter a valid email address.")
        too_short = translation.ngettext(
            "This password is too short. It must contain at least %d character.",
            "This password is too short. It must contain at least %d characters.",
            10,
        )
        assert "%d" in too_short and not too_short.startswith("This password")
    with translation.override("en"):
        assert translation.gettext("This field is required.") == "This field is required."


def test_a_django_form_shows_its_errors_in_sesotho():
    with translation.override("st"):
        form = AuthenticationForm(data={})
        assert not form.is_valid()
        html = str(form)
    assert escape(sesotho("This field is required.")) in html
    assert "This field is required." not in html
    assert escape(sesotho("Password")) in html


def test_sesotho_language_info():
    assert translation.get_language_info("st")["name_local"] == "Sesotho"
