"""How many SMS segments a text costs, and in which encoding it travels.

A text made only of the GSM 03.38 alphabet goes as GSM-7: 160 septets in one
SMS, or 153 per part when it is split (each part carries a 7-septet header).
The extension-table characters (``^ { } [ ] ~ | \\ €`` and form feed) take two
septets each (an escape and the character), and a phone never splits that pair
across two parts. Any other character, such as ``š`` or an emoji, sends the
whole message as UCS-2: 70 UTF-16 code units in one SMS, or 67 per part; a
character outside the Basic Multilingual Plane (most emoji) is two code units,
and its surrogate pair is never split either.
"""

from __future__ import annotations

from functools import lru_cache

from notifications.models import SmsEncoding

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _parts(costs: list[int], single: int, part: int) -> int:
    """Parts needed for characters of the given costs; a character never straddles two parts."""
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:
            parts, used = parts + 1, 0
        used += cost
    return parts


@lru_cache(maxsize=4096)  # a bulk notice repeats the same few texts many times
def count_segments(text: str) -> tuple[int, str]:
    """(segments, encoding) of an SMS text; an empty text still costs one SMS."""
    if is_gsm7(text):
        return _parts([2 if char in GSM7_EXTENSION else 1 for char in text], GSM7_SINGLE, GSM7_PART), SmsEncoding.GSM7
    return _parts([2 if ord(char) > 0xFFFF else 1 for char in text], UCS2_SINGLE, UCS2_PART), SmsEncoding.UCS2


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes, for a character count shown beside it."""
    if is_gsm7(text):
        return sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2
