"""Finding a worker in the register: by a number read from a card or a phone, or by a name heard over the counter.

Every search uses an index, so it answers as fast among a million workers as among a hundred:

- A text with a digit is a number. National ID and passport numbers are compared whole (upper-case, without
  spaces: the unique indexes); a phone number is turned into the E.164 forms it may stand for (Lesotho's +266 and
  eight digits, South Africa's +27 and nine, or as typed after a +) and compared whole (the mobile index). Part of a
  number finds nobody: a register search is not a guessing game with identity numbers.
- Anything else is a name. Two letters or fewer match the beginning of a first or last name; more match anywhere in
  them ("moko" finds Mokoena and Ramokoena). Two words or more are a first name and a last name, either way round.
  PostgreSQL answers from GIN trigram indexes on the upper-cased names (migration workers 0007), SQLite by reading
  its (small) table.
- A name that matches nobody is looked for again, tolerating a typing mistake. On PostgreSQL the names close to it
  (pg_trgm similarity, through the same trigram indexes: "Mokoane" finds Mokoena). SQLite has no trigram search:
  there the stand-in is the names sharing its first three letters (for two words, each word's), which finds a
  mistake anywhere after them.
- Workers found by name come newest registered first, not in the list's name order: a surname borne by a sixth of
  the register (Mokoena) matches 170,000 workers, and sorting them by name, or by closeness to what was typed, would
  read every one of them for a page of 50. Newest first, the database reads the register from its newest row and
  stops after a page when a name is common, and sorts the few rows of a rare name. The column headers still sort.
"""

from __future__ import annotations

import phonenumbers
from django.contrib.postgres.lookups import TrigramSimilar
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Upper

from core.text import normalise_reference

# Shorter than this, a word is the beginning of a name: trigrams need three letters to mean anything.
CONTAINS_FROM = 3
# On SQLite, the letters a name must share from its start with a typed name that matched nobody.
FALLBACK_PREFIX = 3


def search_workers(workers: QuerySet, text: str) -> QuerySet:
    """``workers`` narrowed to those ``text`` names (see the module's docstring for how).

    For agency staff, ``workers`` should join the agency's open links (as the worker list does), so that the
    database can walk that agency's workers newest first instead of the whole register's: an agency's workers are
    a small, often old part of it."""
    text = " ".join(text.split())
    if not text:
        return workers
    if any(character.isdigit() for character in text):
        return workers.filter(number_condition(text))
    words = text.split(" ")
    found = workers.filter(name_condition(text, words)).order_by("-pk")
    if len(text) < CONTAINS_FROM or found.exists():
        return found
    return workers.filter(close_names_condition(words)).order_by("-pk")


def number_condition(text: str) -> Q:
    number = normalise_reference(text)
    condition = Q(national_id=number) | Q(passport_number=number)
    phones = phone_forms(text)
    if phones:
        condition |= Q(mobile__in=phones)
    return condition


def phone_forms(text: str) -> list[str]:
    """The E.164 numbers a typed phone number may stand for: "5812 3456", "+266 5812 3456", "26658123456" and
    "(+266) 58-123-456" are all +26658123456; "082 123 4567" and "0027 82 123 4567" are +27821234567."""
    digits = "".join(character for character in text if character.isdigit())
    if len(digits) < 8:
        return []
    candidates = {"+" + digits, "+266" + digits[-8:]}
    if len(digits) >= 9:
        candidates.add("+27" + digits[-9:])
    valid = []
    for candidate in sorted(candidates):
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
                valid.append(candidate)
        except phonenumbers.NumberParseException:
            continue
    return valid


def name_condition(text: str, words: list[str]) -> Q:
    """The names that begin with (short words) or contain the typed words."""
    if len(words) == 1:
        lookup = "icontains" if len(text) >= CONTAINS_FROM else "istartswith"
        return Q(**{f"last_name__{lookup}": text}) | Q(**{f"first_name__{lookup}": text})
    first, last = words[0], words[-1]
    return (
        Q(first_name__icontains=first, last_name__icontains=last)
        | Q(first_name__icontains=last, last_name__icontains=first)
        # A last name of several words ("Van Wyk") or a first name typed whole.
        | Q(last_name__icontains=text)
        | Q(first_name__icontains=text)
    )


def close_names_condition(words: list[str]) -> Q:
    """Names close to the typed ones: pg_trgm similarity on PostgreSQL, the same first letters elsewhere."""
    if connection.vendor != "postgresql":
        return _same_beginning(words)
    if len(words) == 1:
        return _similar("last_name", words[0]) | _similar("first_name", words[0])
    first, last = words[0], words[-1]
    return (_similar("first_name", first) & _similar("last_name", last)) | (
        _similar("first_name", last) & _similar("last_name", first)
    )


def _similar(column: str, word: str) -> Q:
    # UPPER(column) % 'WORD': the expression of the trigram index, so the index answers it.
    return Q(TrigramSimilar(Upper(column), Value(word.upper())))


def _same_beginning(words: list[str]) -> Q:
    """SQLite's stand-in for typo tolerance: the same first letters."""
    if len(words) == 1:
        start = words[0][:FALLBACK_PREFIX]
        return Q(last_name__istartswith=start) | Q(first_name__istartswith=start)
    first, last = words[0][:FALLBACK_PREFIX], words[-1][:FALLBACK_PREFIX]
    return Q(first_name__istartswith=first, last_name__istartswith=last) | Q(
        first_name__istartswith=last, last_name__istartswith=first
    )
