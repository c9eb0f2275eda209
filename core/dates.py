"""Calendar arithmetic the ministry's rules need."""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier), held to the month's last day: 31 January + 1 month = 28/29 February."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def today() -> datetime.date:
    """Today in Maseru: documents are valid through their expiry date, Maseru time."""
    from django.utils import timezone

    return timezone.localdate()
