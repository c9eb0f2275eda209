"""The audit planner: which agencies to audit in a period, by whom and on which day.

Pure Python, no database: the inspections services turn agencies and
inspectors into the frozen inputs below, call ``propose_plan`` and show the
proposal; nothing is booked until the chief inspector confirms. ``check_plan``
validates any list of assignments against the same rules, so the screens use
it on the chief inspector's manual edits too. Both return machine codes, never
sentences: the screens translate them.

Rules never broken (``check_plan`` enforces each one):

- an audit falls in [start, end], on one of the inspector's working weekdays,
  not on a public holiday, not in the inspector's leave (inclusive ranges) and
  not on a day the inspector already holds a confirmed audit (``booked``);
- at most one audit per inspector per day, and at most ``max_per_week`` per
  inspector per ISO week, counting the audits already booked in that week
  (even booked days just outside the period, when the week straddles it);
- never an agency the inspector declared a conflict of interest with, never the
  inspector who audited the agency last ("never twice in a row");
- each agency at most once in a plan.

Choices made by ``propose_plan``:

- **Who first.** Every agency whose statutory audit is due comes first, riskiest
  first; then the other agencies whose risk reaches ``risk_threshold``, riskiest
  first, while capacity remains. Ties break on the agency id. Agencies below the
  threshold and not due are simply not proposed (they are not "unplaced").
- **Which inspector.** Among the inspectors allowed for the agency (no conflict,
  not the last inspector) with a free slot left: one whose home district is the
  agency's district (travel sense), then the least loaded (audits in the period,
  booked plus planned), then the one free earliest, then the lowest id.
- **Which day.** For the chosen inspector, the ISO week of the period with the
  fewest audits so far (ties: the earliest week), and in it the earliest free
  day. Audits are thus dealt out week by week over the whole period instead of
  piling up on its first days, and the result stays simple and deterministic.
- **Repair.** Greedy placement can strand an agency whose allowed inspectors are
  full while an inspector it may not have (conflict, last inspector) still has
  room. Before giving up, the planner tries one move: shift an audit already
  planned for one of the agency's allowed inspectors to an inspector with room
  who is allowed for *that* audit's agency, and give the freed slot to the
  agency. Nothing already placed is ever dropped, so an agency due for its
  statutory audit is never displaced by a risk pick.
- **Unplaced.** Every agency due for its statutory audit that could not be
  placed, and every risk pick that did not fit, is reported in ``Plan.unplaced``
  with the reason codes in ``UNPLACED_REASONS``; at that point none of its
  allowed inspectors had a slot left (and none gains one later: slots are only
  ever consumed).
- **Deterministic.** The same input gives the same plan whatever the order of
  the input lists: inspectors and agencies are sorted by the keys above and
  their ids. Assignments come out sorted by day, inspector, agency.

Performance: each inspector keeps, per ISO week, the sorted list of its free
days and the week's count, plus a cached best slot, so placing one agency costs
one pass over the inspectors with a free slot; the repair remembers the audits
that cannot move, so it stays cheap when capacity runs out. 1,000 agencies, 60
inspectors and a quarter plan in about 0.1 s (benchmarks/scenarios/planning.py).
"""

from __future__ import annotations

from bisect import insort
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

STATUTORY = "statutory"
RISK = "risk"

# Why an agency could not be placed (Unplaced.reasons), most specific first.
NO_INSPECTORS = "no_inspectors"  # the plan was asked with no inspector at all
ALL_INSPECTORS_CONFLICTED = "all_inspectors_conflicted"  # every inspector declared a conflict with the agency
ONLY_LAST_INSPECTOR_ELIGIBLE = "only_last_inspector_eligible"  # every other inspector is conflicted: only the last one is left
ONLY_LAST_INSPECTOR_FREE = "only_last_inspector_free"  # the last inspector still has a slot, nobody else allowed has
NO_CAPACITY = "no_capacity"  # allowed inspectors had days in the period, all taken (planned, booked, weekly maximum)
NO_WORKING_DAY = "no_working_day"  # some allowed inspectors had no usable day at all (weekdays, leave, holidays, booked)
SOME_INSPECTORS_CONFLICTED = "conflict_of_interest"  # some inspectors declared a conflict with the agency
UNPLACED_REASONS = (
    NO_INSPECTORS,
    ALL_INSPECTORS_CONFLICTED,
    ONLY_LAST_INSPECTOR_ELIGIBLE,
    ONLY_LAST_INSPECTOR_FREE,
    NO_CAPACITY,
    NO_WORKING_DAY,
    SOME_INSPECTORS_CONFLICTED,
)

# What check_plan reports (Violation.code, and the first word of each text).
V_UNKNOWN_AGENCY = "unknown_agency"
V_UNKNOWN_INSPECTOR = "unknown_inspector"
V_AGENCY_TWICE = "agency_twice"
V_OUTSIDE_PERIOD = "outside_period"
V_NOT_WORKING_DAY = "not_working_day"
V_HOLIDAY = "holiday"
V_ON_LEAVE = "on_leave"
V_ALREADY_BOOKED = "already_booked"
V_CONFLICT = "conflict_of_interest"
V_TWICE_IN_A_ROW = "twice_in_a_row"
V_DOUBLE_BOOKING = "double_booking"
V_WEEKLY_MAX = "weekly_max"
VIOLATIONS = (
    V_UNKNOWN_AGENCY,
    V_UNKNOWN_INSPECTOR,
    V_AGENCY_TWICE,
    V_OUTSIDE_PERIOD,
    V_NOT_WORKING_DAY,
    V_HOLIDAY,
    V_ON_LEAVE,
    V_ALREADY_BOOKED,
    V_CONFLICT,
    V_TWICE_IN_A_ROW,
    V_DOUBLE_BOOKING,
    V_WEEKLY_MAX,
)


@dataclass(frozen=True)
class AgencyToPlan:
    agency_id: int
    name: str
    district: str  # one of core.choices.District values, e.g. "maseru"
    risk: int  # risk score points (higher = riskier)
    statutory_due: bool  # licensed agency whose yearly audit falls due by the period's end: must be included
    last_inspector_id: int | None = None  # who audited it last: must not audit it again


@dataclass(frozen=True)
class InspectorToPlan:
    inspector_id: int
    name: str
    home_district: str
    working_weekdays: frozenset[int]  # 0=Monday … 6=Sunday
    leave: tuple[tuple[date, date], ...]  # inclusive ranges
    max_per_week: int  # per ISO week
    conflicts: frozenset[int] = frozenset()  # agency ids declared as conflicts of interest
    booked: frozenset[date] = frozenset()  # days already holding a confirmed audit


@dataclass(frozen=True)
class Assignment:
    agency_id: int
    inspector_id: int
    day: date
    reason: str  # STATUTORY or RISK


@dataclass(frozen=True)
class Unplaced:
    agency_id: int
    reasons: tuple[str, ...]  # codes from UNPLACED_REASONS
    statutory: bool = False  # True: its statutory audit is due; False: a risk pick that did not fit


@dataclass
class Plan:
    assignments: list[Assignment]
    unplaced: list[Unplaced]


@dataclass(frozen=True)
class Violation:
    """One broken rule, as found by ``find_violations``; ``str()`` gives check_plan's text."""

    code: str  # one of VIOLATIONS
    inspector_id: int | None = None
    agency_ids: tuple[int, ...] = ()
    day: date | None = None
    week: str | None = None  # ISO week, "2026-W03"

    def __str__(self) -> str:
        parts = [self.code]
        if self.inspector_id is not None:
            parts.append(f"inspector={self.inspector_id}")
        if self.agency_ids:
            parts.append("agency=" + ",".join(str(agency_id) for agency_id in self.agency_ids))
        if self.day is not None:
            parts.append(f"day={self.day.isoformat()}")
        if self.week is not None:
            parts.append(f"week={self.week}")
        return " ".join(parts)


# --- helpers -------------------------------------------------------------------------------------------------------


def _week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso[0], iso[1]


def _week_label(week: tuple[int, int]) -> str:
    return f"{week[0]}-W{week[1]:02d}"


def _on_leave(day: date, leave: Iterable[tuple[date, date]]) -> bool:
    # A range typed the wrong way round still counts as leave: never send someone who may be away.
    return any(min(first, last) <= day <= max(first, last) for first, last in leave)


def _by_id(items, key: str, what: str) -> dict:
    found = {}
    for item in items:
        ident = getattr(item, key)
        if ident in found:
            raise ValueError(f"{what} {ident} given twice")
        found[ident] = item
    return found


def _days(start: date, end: date) -> list[date]:
    if end < start:
        raise ValueError("the period ends before it starts")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class _Diary:
    """One inspector's free days and counts during planning."""

    __slots__ = ("inspector", "free", "count", "load", "planned", "best", "earliest", "had_slot")

    def __init__(self, inspector: InspectorToPlan, days: list[date], weeks: dict[date, tuple[int, int]], holidays):
        self.inspector = inspector
        working, booked, leave = inspector.working_weekdays, inspector.booked, inspector.leave
        self.free: dict[tuple[int, int], list[date]] = {week: [] for week in dict.fromkeys(weeks.values())}
        for day in days:
            if day.weekday() in working and day not in holidays and day not in booked and not _on_leave(day, leave):
                self.free[weeks[day]].append(day)
        self.count: dict[tuple[int, int], int] = dict.fromkeys(self.free, 0)
        for day in booked:
            week = _week(day)
            if week in self.count:
                self.count[week] += 1
        self.load = sum(1 for day in booked if day in weeks)
        self.planned: dict[date, int] = {}  # day -> agency id
        self.best: date | None = None  # the day the next audit would get, None when full
        self.earliest: date | None = None  # the earliest day still usable
        self._refresh()
        self.had_slot = self.best is not None

    def _refresh(self) -> None:
        best_key = best = earliest = None
        limit = self.inspector.max_per_week
        for week, free in self.free.items():
            if free and self.count[week] < limit:
                key = (self.count[week], week)
                if best_key is None or key < best_key:
                    best_key, best = key, free[0]
                if earliest is None or free[0] < earliest:
                    earliest = free[0]
        self.best, self.earliest = best, earliest

    def allows(self, agency: AgencyToPlan) -> bool:
        return agency.agency_id not in self.inspector.conflicts and agency.last_inspector_id != self.inspector.inspector_id

    def preference(self, agency: AgencyToPlan) -> tuple:
        return (self.inspector.home_district != agency.district, self.load, self.earliest, self.inspector.inspector_id)

    def take(self, agency_id: int) -> date:
        day = self.best
        week = _week(day)
        self.free[week].remove(day)
        self.count[week] += 1
        self.load += 1
        self.planned[day] = agency_id
        self._refresh()
        return day

    def release(self, day: date) -> None:
        week = _week(day)
        insort(self.free[week], day)
        self.count[week] -= 1
        self.load -= 1
        del self.planned[day]
        self._refresh()


def _choose(agency: AgencyToPlan, diaries: list[_Diary]) -> _Diary | None:
    chosen = chosen_key = None
    for diary in diaries:
        if diary.best is None or not diary.allows(agency):
            continue
        key = diary.preference(agency)
        if chosen_key is None or key < chosen_key:
            chosen, chosen_key = diary, key
    return chosen


def _repair(agency: AgencyToPlan, diaries: list[_Diary], by_agency: dict, placed: dict, stuck: set[int]) -> _Diary | None:
    """Free a slot for ``agency`` by moving one planned audit to an inspector with room; the freed diary, or None.

    ``stuck`` remembers the audits found with nowhere to go: room only ever shrinks, so they never move later.
    """
    with_room = [diary for diary in diaries if diary.best is not None]
    if not with_room:
        return None
    allowed = sorted((diary for diary in diaries if diary.allows(agency)), key=lambda diary: diary.preference(agency))
    for diary in allowed:  # all of them full, or the agency would have been placed
        for day in sorted(diary.planned):
            other_id = diary.planned[day]
            if other_id in stuck:
                continue
            other = by_agency[other_id]
            target = _choose(other, with_room)
            if target is None:
                stuck.add(other_id)
                continue
            diary.release(day)
            placed[other_id] = (target, target.take(other_id), placed[other_id][2])
            return diary
    return None


def _diagnose(agency: AgencyToPlan, diaries: list[_Diary]) -> tuple[str, ...]:
    if not diaries:
        return (NO_INSPECTORS,)
    conflicted = [diary for diary in diaries if agency.agency_id in diary.inspector.conflicts]
    if len(conflicted) == len(diaries):
        return (ALL_INSPECTORS_CONFLICTED,)
    reasons = []
    allowed = [diary for diary in diaries if diary.allows(agency)]
    last = [
        diary
        for diary in diaries
        if diary.inspector.inspector_id == agency.last_inspector_id and agency.agency_id not in diary.inspector.conflicts
    ]
    if not allowed:
        reasons.append(ONLY_LAST_INSPECTOR_ELIGIBLE)
    else:
        if any(diary.best is not None for diary in last):
            reasons.append(ONLY_LAST_INSPECTOR_FREE)
        if any(diary.had_slot for diary in allowed):
            reasons.append(NO_CAPACITY)
        if any(not diary.had_slot for diary in allowed):
            reasons.append(NO_WORKING_DAY)
    if conflicted:
        reasons.append(SOME_INSPECTORS_CONFLICTED)
    return tuple(reasons)


# --- the planner ---------------------------------------------------------------------------------------------------


def propose_plan(
    agencies: Iterable[AgencyToPlan],
    inspectors: Iterable[InspectorToPlan],
    start: date,
    end: date,
    *,
    risk_threshold: int = 1,
    holidays: frozenset[date] = frozenset(),
) -> Plan:
    """Propose who audits which agency on which day in [start, end]; see the module docstring for the choices.

    Raises ValueError when the period ends before it starts or an agency or inspector id is given twice.
    """
    by_agency = _by_id(agencies, "agency_id", "agency")
    by_inspector = _by_id(inspectors, "inspector_id", "inspector")
    days = _days(start, end)
    weeks = {day: _week(day) for day in days}
    holidays = frozenset(holidays)
    diaries = [_Diary(by_inspector[ident], days, weeks, holidays) for ident in sorted(by_inspector)]

    def riskiest_first(agency: AgencyToPlan):
        return (-agency.risk, agency.agency_id)

    due = sorted((agency for agency in by_agency.values() if agency.statutory_due), key=riskiest_first)
    picked = sorted(
        (agency for agency in by_agency.values() if not agency.statutory_due and agency.risk >= risk_threshold),
        key=riskiest_first,
    )

    placed: dict[int, tuple[_Diary, date, str]] = {}
    stuck: set[int] = set()
    unplaced: list[Unplaced] = []
    open_diaries = [diary for diary in diaries if diary.best is not None]
    for reason, group in ((STATUTORY, due), (RISK, picked)):
        for agency in group:
            diary = _choose(agency, open_diaries)
            if diary is None and open_diaries:
                diary = _repair(agency, diaries, by_agency, placed, stuck)
            if diary is None:
                unplaced.append(Unplaced(agency.agency_id, _diagnose(agency, diaries), statutory=agency.statutory_due))
                continue
            placed[agency.agency_id] = (diary, diary.take(agency.agency_id), reason)
            open_diaries = [diary for diary in open_diaries if diary.best is not None]

    assignments = [
        Assignment(agency_id, diary.inspector.inspector_id, day, reason) for agency_id, (diary, day, reason) in placed.items()
    ]
    assignments.sort(key=lambda a: (a.day, a.inspector_id, a.agency_id))
    return Plan(assignments=assignments, unplaced=unplaced)


# --- the checker ---------------------------------------------------------------------------------------------------


def find_violations(
    assignments: Iterable[Assignment],
    agencies: Iterable[AgencyToPlan],
    inspectors: Iterable[InspectorToPlan],
    start: date,
    end: date,
    holidays: frozenset[date] = frozenset(),
) -> list[Violation]:
    """Every rule the assignments break, in a stable order: per assignment in the given order, then per day, per week."""
    assignments = list(assignments)
    by_agency = _by_id(agencies, "agency_id", "agency")
    by_inspector = _by_id(inspectors, "inspector_id", "inspector")
    holidays = frozenset(holidays)
    found: list[Violation] = []
    times_agency: Counter[int] = Counter()
    per_day: dict[tuple[int, date], list[int]] = defaultdict(list)
    per_week: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)

    for assignment in assignments:
        agency_id, inspector_id, day = assignment.agency_id, assignment.inspector_id, assignment.day

        agency = by_agency.get(agency_id)
        inspector = by_inspector.get(inspector_id)
        times_agency[agency_id] += 1
        where = {"inspector_id": inspector_id, "agency_ids": (agency_id,), "day": day}
        if agency is None:
            found.append(Violation(V_UNKNOWN_AGENCY, agency_ids=(agency_id,)))
        elif times_agency[agency_id] == 2:
            found.append(Violation(V_AGENCY_TWICE, agency_ids=(agency_id,)))
        if inspector is None:
            found.append(Violation(V_UNKNOWN_INSPECTOR, inspector_id=inspector_id))
        if not start <= day <= end:
            found.append(Violation(V_OUTSIDE_PERIOD, **where))
        if day in holidays:
            found.append(Violation(V_HOLIDAY, **where))
        if inspector is None:
            continue
        per_day[inspector_id, day].append(agency_id)
        per_week[inspector_id, _week(day)] += 1
        if day.weekday() not in inspector.working_weekdays:
            found.append(Violation(V_NOT_WORKING_DAY, **where))
        if _on_leave(day, inspector.leave):
            found.append(Violation(V_ON_LEAVE, **where))
        if day in inspector.booked:
            found.append(Violation(V_ALREADY_BOOKED, **where))
        if agency_id in inspector.conflicts:
            found.append(Violation(V_CONFLICT, **where))
        if agency is not None and agency.last_inspector_id == inspector_id:
            found.append(Violation(V_TWICE_IN_A_ROW, **where))

    for (inspector_id, day), agency_ids in sorted(per_day.items()):
        if len(agency_ids) > 1:
            found.append(Violation(V_DOUBLE_BOOKING, inspector_id=inspector_id, agency_ids=tuple(sorted(agency_ids)), day=day))
    for (inspector_id, week), planned in sorted(per_week.items()):
        inspector = by_inspector[inspector_id]
        already = sum(1 for day in inspector.booked if _week(day) == week)
        if planned + already > inspector.max_per_week:
            found.append(Violation(V_WEEKLY_MAX, inspector_id=inspector_id, week=_week_label(week)))
    return found


def check_plan(
    assignments: Iterable[Assignment],
    agencies: Iterable[AgencyToPlan],
    inspectors: Iterable[InspectorToPlan],
    start: date,
    end: date,
    holidays: frozenset[date] = frozenset(),
) -> list[str]:
    """Every violated rule as text, e.g. "on_leave inspector=3 agency=17 day=2026-02-04"; [] when the plan is valid.

    Each text starts with a code from VIOLATIONS; ``find_violations`` gives the same as structured values.
    """
    return [str(violation) for violation in find_violations(assignments, agencies, inspectors, start, end, holidays)]
