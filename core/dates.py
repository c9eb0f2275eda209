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


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of ``start`` and the first moment after ``end``, in Maseru time (periods are whole local days)."""
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return first, after


# An open end of a filtered period reaches back to this day (or on to today).
EARLIEST_DAY = datetime.date(2000, 1, 1)


def moment_within(field: str, start: datetime.date | None, end: datetime.date | None):
    """A condition: the moment ``field`` falls on one of the Maseru days from ``start`` to ``end`` (an open end: none)."""
    from django.db.models import Q

    condition = Q()
    if start:
        condition &= Q(**{f"{field}__gte": day_bounds(start, start)[0]})
    if end:
        condition &= Q(**{f"{field}__lt": day_bounds(end, end)[1]})
    return condition
