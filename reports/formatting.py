"""How a figure is written, the same in every format.

The PDF, the on-screen figures and the dashboard show ``format_value``; the CSV and XLSX files hold
``plain_value``, the same number without grouping or unit. Both start from ``plain_value``, so a number reads
identically everywhere: a test reads the PDF back and finds each CSV number in it.

The separators do not follow the reader's language on purpose: the report goes to partner governments and
Parliament, and a figure quoted from the Sesotho PDF must match the English one digit for digit.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# Figures carry at most two decimals (a share in percent, a median wage); more would be noise.
PLACES = Decimal("0.01")
MISSING = "–"  # no value (a median of nothing, a share of zero contracts)


def plain_value(value: Any) -> Any:
    """The value as a spreadsheet should hold it: whole numbers as int, others as Decimal of at most two places."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value() and value.as_tuple().exponent >= 0:
            return int(value)
        if value.as_tuple().exponent < -2:
            value = value.quantize(PLACES, rounding=ROUND_HALF_UP)
        return value
    return value


def format_value(value: Any, unit: str = "") -> str:
    """A value as people read it: "1,234", "56.7%", "9,500.50 ZAR", a date as 2026-03-31."""
    value = plain_value(value)
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        text = f"{value:,}"
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        return str(value)
    if not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def change(value: Any, previous: Any) -> Any:
    """This period's value less the previous period's, or None when either is missing or not a number."""
    value, previous = plain_value(value), plain_value(previous)
    if not isinstance(value, int | Decimal) or not isinstance(previous, int | Decimal):
        return None
    if isinstance(value, bool) or isinstance(previous, bool):
        return None
    return plain_value(value - previous)


def format_change(value: Any, previous: Any, unit: str = "") -> str:
    """The change with its sign ("+12", "-3.5%"), so a fall is never read as a rise in print."""
    difference = change(value, previous)
    if difference is None:
        return MISSING
    text = format_value(abs(difference), unit)
    if difference > 0:
        return "+" + text
    if difference < 0:
        return "-" + text
    return text


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
