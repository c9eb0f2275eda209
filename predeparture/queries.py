"""Named reads of pre-departure training: the month calendar of sessions.

One query for the month's sessions, whatever their number: the course comes
with ``select_related`` and the seats taken and waiting are counted by the
database (``with_fill``), for the sessions shown only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import add_months
from predeparture.models import SEAT_STATES, Enrolment, EnrolmentStatus, Session

# Django has no Sesotho locale, so month and weekday names are ours to translate.
MONTH_NAMES = (
    _("January"), _("February"), _("March"), _("April"), _("May"), _("June"),
    _("July"), _("August"), _("September"), _("October"), _("November"), _("December"),
)
WEEKDAY_NAMES = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))


def _enrolments_counted(**condition) -> Coalesce:
    counted = (
        Enrolment.objects.filter(session=OuterRef("pk"), **condition)
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_fill(sessions: QuerySet) -> QuerySet:
    """Sessions with ``taken`` (seats held, also after the session completed) and ``waiting`` counted by the database.

    A count per session in its own subquery, not a join grouped over every session: the database counts only the
    sessions shown (a page of the list, a month), not the years of enrolments behind the whole register."""
    return sessions.annotate(
        taken=_enrolments_counted(status__in=SEAT_STATES),
        waiting=_enrolments_counted(status=EnrolmentStatus.WAITING),
    )


def month_name(month: datetime.date) -> str:
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


@dataclass
class CalendarEntry:
    session: Session
    day_number: int  # 1 on the session's first day
    days: int  # how many days the session runs


@dataclass
class CalendarDay:
    day: datetime.date
    entries: list[CalendarEntry] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        return str(WEEKDAY_NAMES[self.day.weekday()])


@dataclass
class MonthCalendar:
    month: datetime.date  # the first of the month
    days: list[CalendarDay]  # only the days with a session, in order
    sessions: list[Session]  # each once, in order of start

    @property
    def title(self) -> str:
        return month_name(self.month)

    @property
    def previous_month(self) -> datetime.date:
        return add_months(self.month, -1)

    @property
    def next_month(self) -> datetime.date:
        return add_months(self.month, 1)

    @property
    def seats(self) -> int:
        return sum(session.capacity for session in self.sessions)

    @property
    def taken(self) -> int:
        return sum(session.taken for session in self.sessions)


def _local_days(session: Session) -> tuple[datetime.date, datetime.date]:
    """The first and last Maseru day the session runs (a session ending at midnight ends the day before)."""
    first = timezone.localtime(session.starts_at).date()
    last = timezone.localtime(session.ends_at - datetime.timedelta(microseconds=1)).date()
    return first, max(first, last)


def month_calendar(sessions: QuerySet, month: datetime.date) -> MonthCalendar:
    """The sessions of ``sessions`` running during the month, listed under every day they run (one query).

    ``sessions`` is already scoped to the user (``Session.objects.visible_to``) and filtered.
    """
    month = month.replace(day=1)
    next_month = add_months(month, 1)
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(next_month, datetime.time()))
    found = list(
        with_fill(sessions.filter(starts_at__lt=end, ends_at__gt=start).select_related("course")).order_by(
            "starts_at", "pk"
        )
    )
    by_day: dict[datetime.date, CalendarDay] = {}
    last_of_month = next_month - datetime.timedelta(days=1)
    for session in found:
        first, last = _local_days(session)
        days = (last - first).days + 1
        day = max(first, month)
        while day <= min(last, last_of_month):
            by_day.setdefault(day, CalendarDay(day)).entries.append(CalendarEntry(session, (day - first).days + 1, days))
            day += datetime.timedelta(days=1)
    return MonthCalendar(month=month, days=[by_day[day] for day in sorted(by_day)], sessions=found)
