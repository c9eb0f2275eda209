"""Pre-departure training's part of ``seed_demo --scale N`` (core/bulk.py): the training of the workers the contracts
loader left in ``run.shared["trainees"]``, and the conversation of workers who text STATUS.

Each worker whose contract was cleared in the last fifteen months or so took every course the agreement requires
(``PDO-GEN`` and ``PDO-ZA`` for South Africa) in a session in their home district, between drafting and clearance:
all modules attended, the test passed, a certificate issued on the day. Sessions are a day each, Tuesdays and
Thursdays, 30 seats, taught by the ministry's trainers (bulk trainers are added, one per fifty units, at least three).
Workers whose contract is approved and waiting are booked in coming sessions: enrolled, or on the waiting list
when the session is full; some of them failed or missed an earlier one. A session is in progress today, and now and
then one was cancelled (its workers withdrawn, and booked again). Each worker was sent the enrolment, the day-before
reminder and the certificate by SMS (workers/bulk.py ``WorkerSms``).

Then the STATUS conversation: workers with South African numbers (Lesotho's cannot text us) ask STATUS, and the
register answers from what it held at that moment (their contract, training and clearance). These fill the outbox to
``SMS_PER_UNIT`` (10,000 a unit) together with the other loaders' messages; each is an inbound message and its reply.
"""

from __future__ import annotations

import datetime
import functools
import random

from core import bulk
from core.bulk import BulkRun, Numbers, Table, moment, next_id
from core.dates import add_months
from workers.bulk import DISTRICTS, WorkerSms, can_reply, mobile, sms_moment

SMS_PER_UNIT = 10_000
CAPACITY = 30
TRAINERS_PER_UNITS = 50
VENUES = {
    "maseru": ["Manthabiseng Convention Centre", "Maseru Labour Office"], "berea": ["Teyateyaneng Community Hall"],
    "leribe": ["Leribe Community Hall", "Hlotse Training Centre"], "mafeteng": ["Mafeteng Labour Office"],
    "mohales_hoek": ["Mohale's Hoek Training Centre"], "quthing": ["Moyeni Community Hall"],
    "qachas_nek": ["Qacha's Nek Community Hall"], "mokhotlong": ["Mokhotlong Labour Office"],
    "thaba_tseka": ["Thaba-Tseka Community Hall"], "butha_buthe": ["Butha-Buthe Community Hall"],
}
DISTRICT_NAMES = {"maseru": "Maseru", "berea": "Berea", "leribe": "Leribe", "mafeteng": "Mafeteng",
                  "mohales_hoek": "Mohale's Hoek", "quthing": "Quthing", "qachas_nek": "Qacha's Nek",
                  "mokhotlong": "Mokhotlong", "thaba_tseka": "Thaba-Tseka", "butha_buthe": "Butha-Buthe"}
CANCELLED = "The venue was not available; the workers are booked in the next session."
SESSION_COLUMNS = ["id", "course_id", "venue", "district", "starts_at", "ends_at", "trainer_id", "capacity", "status",
                   "cancel_reason", "created_at"]
ENROLMENT_COLUMNS = ["id", "session_id", "worker_id", "enrolled_by_id", "agency_id", "status", "waiting_position", "score",
                     "created_at", "reminded_at"]
ATTENDANCE_COLUMNS = ["enrolment_id", "module_id", "present", "marked_by_id", "marked_at"]
CERTIFICATE_COLUMNS = ["id", "enrolment_id", "number", "issued_on", "expires_on", "public_token"]
INBOUND_COLUMNS = ["provider_id", "from_number", "to_number", "body", "command", "reply", "worker_id", "opt_out_type",
                   "reply_sms_id", "received_at"]


def _trainers(run: BulkRun) -> list[int]:
    """The demo trainer and bulk trainers (no password: they are not logins)."""
    from django.contrib.auth.models import Group

    from core.access import Role
    from core.models import User

    wanted = max(3, run.units // TRAINERS_PER_UNITS)
    group = Group.objects.get(name=Role.TRAINER)
    first = ["Palesa", "Thabiso", "Mamello", "Lebohang", "Nthati", "Tlali", "Keneuoe", "Mothusi"]
    last = ["Nthako", "Mokoena", "Letsie", "Ramone", "Tau", "Sello", "Molapo", "Phakoe"]
    users = [User(username=f"bulk-trainer-{n:03d}", first_name=first[n % len(first)], last_name=last[(n // 2) % len(last)],
                  password="!", email=f"bulk-trainer-{n:03d}@demo.labour.gov.ls") for n in range(wanted)]
    created = User.objects.bulk_create(users)
    if not all(user.pk for user in created):  # SQLite before 3.35 returns no ids
        created = list(User.objects.filter(username__startswith="bulk-trainer-"))
    group.user_set.add(*created)
    demo = User.objects.filter(username="trainer").values_list("pk", flat=True).first()
    return ([demo] if demo else []) + [user.pk for user in created]


class Training:
    def __init__(self, run: BulkRun, rng: random.Random):
        from predeparture.models import Attendance, Certificate, Course, Enrolment, Session

        self.run, self.rng, self.now = run, rng, run.now
        self.plan = run.shared["workers"]
        self.courses = {course.code: course for course in Course.objects.prefetch_related("modules")}
        self.modules = {code: [module.pk for module in course.modules.all()] for code, course in self.courses.items()}
        self.sessions = Table(Session, SESSION_COLUMNS)
        self.enrolments = Table(Enrolment, ENROLMENT_COLUMNS)
        self.attendance = Table(Attendance, ATTENDANCE_COLUMNS)
        self.certificates = Table(Certificate, CERTIFICATE_COLUMNS)
        self.log = run.log
        self.session_model = Session
        self.first_session, self.first_enrolment = next_id(Session), next_id(Enrolment)
        self.next_session, self.next_enrolment, self.next_certificate = self.first_session, self.first_enrolment, next_id(
            Certificate)
        self.numbers = Numbers(Certificate, "number", "PDT", 6)
        self.trainers = _trainers(run)
        self.sms = WorkerSms(run, "training")
        self.open: dict[tuple, list] = {}  # (course, district, day) → [session id, seats taken, waiting, start, end]
        self.counts: dict[str, int] = {}
        self.small = None
        # A session running now, for the workers of Maseru booked first: every state of a session is in the register.
        self.running = None
        if "PDO-GEN" in self.courses:
            self.running = self._session("PDO-GEN", "maseru", self.now.date(), status="in_progress",
                                         starts=self.now - datetime.timedelta(hours=2))
        # For the STATUS answers: worker index → [(from, certificate number or "", session day or "")].
        self.held: dict[int, list] = {}

    def _session(self, code: str, district: str, day: datetime.date, status: str | None = None, *,
                 allow_full: bool = False, starts: datetime.datetime | None = None, capacity: int = CAPACITY) -> list:
        """The session of ``code`` in ``district`` on ``day`` with a free seat (a new one when the last is full, unless
        ``allow_full``: then late enrolments go on its waiting list)."""
        key = (code, district, day)
        found = self.open.get(key)
        if found is not None and (found[1] < found[10] or allow_full) and status is None:
            return found
        course = self.courses[code]
        hours = 7 if len(self.modules[code]) > 3 else 5
        starts = starts or moment(day, 9)
        ends = starts + datetime.timedelta(hours=hours)
        if status is None:
            status = "completed" if ends <= self.now else "in_progress" if starts <= self.now else "scheduled"
        session_id = self.next_session
        self.next_session += 1
        trainer = self.trainers[(hash(key) & 0xFFFF) % len(self.trainers)]
        created = starts - datetime.timedelta(days=30)
        venue = VENUES[district][day.toordinal() % len(VENUES[district])]
        self.sessions.add((session_id, course.pk, venue, district, starts, ends, trainer, capacity, status,
                           CANCELLED if status == "cancelled" else "", created))
        model = self.session_model
        if status in ("in_progress", "completed"):
            self.log.add(model, session_id, starts, trainer, "scheduled", "in_progress", "start")
        if status == "completed":
            self.log.add(model, session_id, ends, trainer, "in_progress", "completed", "complete")
        if status == "cancelled":
            self.log.add(model, session_id, starts - datetime.timedelta(days=2), None, "scheduled", "cancelled", "cancel",
                         CANCELLED)
        self.counts["session " + status] = self.counts.get("session " + status, 0) + 1
        context = {"course": course.title, "venue": venue, "district": DISTRICT_NAMES[district], "starts_at": sms_moment(starts)}
        entry = [session_id, 0, 0, starts, ends, course, trainer, status, district, venue, capacity, context]
        if status in ("completed", "in_progress", "scheduled"):
            self.open[key] = entry  # a full one before it takes no more
        return entry

    def enrol(self, worker: int, agency_id: int, session: list, when: datetime.datetime, outcome: str) -> None:
        """``outcome``: completed, failed, no_show (a past session), enrolled (a coming or running one), withdrawn."""
        session_id, taken, waiting, starts, ends, course, trainer, status, district, _venue, capacity, context = session
        rng = self.rng
        enrolment_id = self.next_enrolment
        self.next_enrolment += 1
        when = min(when, starts - datetime.timedelta(hours=2), self.now - datetime.timedelta(minutes=10))
        position = None
        if outcome == "enrolled" and taken >= capacity:
            outcome, waiting = "waiting", waiting + 1
            position = waiting
            session[2] = waiting
        elif outcome in ("completed", "failed", "no_show", "enrolled"):
            session[1] = taken + 1
        score = None
        if course.pass_mark is not None and outcome in ("completed", "failed"):
            low, high = (course.pass_mark, 101) if outcome == "completed" else (20, course.pass_mark)
            score = low + int(rng.random() * (high - low))
        reminded = None
        if outcome in ("completed", "failed", "no_show", "enrolled") and starts - datetime.timedelta(days=1) <= self.now:
            reminded = max(starts - datetime.timedelta(hours=20), when + datetime.timedelta(minutes=5))
        self.enrolments.add((enrolment_id, session_id, self.plan.first_id + worker, None, agency_id, outcome, position,
                             score, when, reminded))
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        if outcome == "waiting":
            self.sms.send(worker, "training.waiting", when, dict(context, position=str(position)), may_stop=False)
        else:
            self.sms.send(worker, "training.enrolled", when, context, may_stop=False)
        if reminded:
            self.sms.send(worker, "training.reminder", reminded, context, may_stop=False)
        if outcome == "withdrawn":
            self.sms.send(worker, "training.cancelled", starts - datetime.timedelta(days=2), context, may_stop=False)
        marked = ends - datetime.timedelta(minutes=30)
        modules = self.modules[course.code]
        if outcome in ("completed", "failed") or (outcome == "enrolled" and status == "in_progress"):
            for index, module_id in enumerate(modules):
                if outcome == "enrolled" and starts + datetime.timedelta(hours=index + 1) > self.now:
                    break  # the day is not over: the later modules are not marked yet
                present = not (outcome == "failed" and score is None and index == len(modules) - 1)
                self.attendance.add((enrolment_id, module_id, present, trainer, min(marked, self.now)))
        if outcome == "no_show":
            for module_id in modules:
                self.attendance.add((enrolment_id, module_id, False, trainer, marked))
        if outcome == "completed":
            issued, expires, expires_text = _validity(bulk.local_date(ends), course.validity_months)
            number = self.numbers.next(issued.year)
            self.certificates.add((self.next_certificate, enrolment_id, number, issued, expires, bulk.token(rng)))
            self.next_certificate += 1
            self.sms.send(worker, "training.completed", ends + datetime.timedelta(minutes=5),
                          {"course": course.title, "number": number, "expires_on": expires_text}, may_stop=False)
            if can_reply(worker):
                self.held.setdefault(worker, []).append((bulk.timestamp(ends), number, expires.toordinal(), ""))
        elif outcome in ("enrolled", "waiting") and can_reply(worker):
            self.held.setdefault(worker, []).append((bulk.timestamp(when), "", 0, f"{bulk.local_time(starts):%d/%m/%Y}"))

    def train(self, trainee: tuple) -> None:
        """Every required course for one worker: done before the clearance, or booked in coming sessions."""
        worker, agency_id, courses, earliest, latest, trained, *_rest = trainee
        rng, now = self.rng, self.now
        district = DISTRICTS[self.plan.district[worker]]
        begin, end = bulk.from_timestamp(earliest), bulk.from_timestamp(latest)
        courses = [code for code in courses if code in self.courses]
        day = _teaching_day(begin.date() + datetime.timedelta(days=1))
        if trained:  # one course a day, every session over before the clearance (and before now)
            last = bulk.local_date(min(end, now) - datetime.timedelta(hours=9)) - datetime.timedelta(days=len(courses) - 1)
            day = min(day, last)
        for offset, code in enumerate(courses):
            session_day = day + datetime.timedelta(days=offset)
            if not trained:
                session_day = _teaching_day(session_day)
            booked = begin - datetime.timedelta(days=1 + int(rng.random() * 4))
            if trained:
                if rng.random() < 0.01:  # first booked in a session that was cancelled
                    cancelled = self._session(code, district, session_day - datetime.timedelta(days=7), status="cancelled")
                    self.enrol(worker, agency_id, cancelled, booked - datetime.timedelta(days=7), "withdrawn")
                self.enrol(worker, agency_id, self._session(code, district, session_day), booked, "completed")
                continue
            # Approved and waiting: booked in a coming session; some failed or missed an earlier one.
            if moment(session_day, 17) < now and rng.random() < 0.3:
                earlier = self._session(code, district, session_day)
                self.enrol(worker, agency_id, earlier, booked, "failed" if rng.random() < 0.4 else "no_show")
                booked = earlier[4] + datetime.timedelta(days=1)
            running = self.running
            if running is not None and code == "PDO-GEN" and district == "maseru" and running[1] < 20:
                self.enrol(worker, agency_id, running, booked, "enrolled")
                continue
            coming = _teaching_day(max(session_day, now.date() + datetime.timedelta(days=1 + int(rng.random() * 20))))
            session = self._session(code, district, coming, allow_full=rng.random() < 0.15)
            if self.small is None:  # a small hall: its waiting list is in the register at any scale
                self.small = self._session(code, district, coming, status="scheduled", capacity=2)
            if self.small[5].code == code and self.small[1] + self.small[2] < 4:
                session = self.small
            self.enrol(worker, agency_id, session, booked, "enrolled")

    def flush(self) -> None:
        for table in (self.sessions, self.enrolments, self.attendance, self.certificates):
            table.flush()
        self.sms.flush()


@functools.lru_cache(maxsize=10_000)
def _validity(issued: datetime.date, months: int) -> tuple[datetime.date, datetime.date, str]:
    """A certificate issued on ``issued``: valid through the day before ``months`` later, and that day as its SMS says
    it ("3 Sep 2027")."""
    expires = add_months(issued, months) - datetime.timedelta(days=1)
    return issued, expires, f"{expires.day} {expires:%b} {expires.year}"


def _teaching_day(day: datetime.date) -> datetime.date:
    """The first Tuesday or Thursday from ``day``."""
    while day.weekday() not in (1, 3):
        day += datetime.timedelta(days=1)
    return day


def _statuses_in(language: str) -> dict[str, str]:
    from django.utils import translation

    from contracts.models import ContractStatus

    with translation.override(language):
        return {status.value: str(status.label).lower() for status in ContractStatus}


def _status_conversation(run: BulkRun, training: Training, rng: random.Random) -> tuple[int, int]:
    """STATUS texts and their answers until the outbox holds ``SMS_PER_UNIT`` messages a unit."""
    from notifications.models import InboundSms

    answers = run.shared.get("status_answers") or []
    written = sum(run.shared.get("sms_statuses", {}).values())
    wanted = SMS_PER_UNIT * run.units - written
    if not answers or wanted <= 0:
        return 0, written
    sms = WorkerSms(run, "status")
    plan = training.plan
    inbound = Table(InboundSms, INBOUND_COLUMNS)
    labels = {"st": _statuses_in("st"), "en": _statuses_in("en")}
    from django.conf import settings

    helpline = settings.MINISTRY_HELPLINE
    today = run.today.toordinal()
    cutoffs = sms.cutoffs
    for k in range(wanted):
        worker, reference, status, end, clearance, since, until = answers[rng.randrange(len(answers))]
        stamp = since + rng.random() * (until - since)
        when = bulk.from_timestamp(stamp)
        language = "en" if plan.language[worker] else "st"
        values = {"reference": f"WRK-{plan.first_id + worker:06d}", "contract": reference,
                  "contract_status": labels[language][status], "contract_end": f"{end:%d/%m/%Y}",
                  "clearance": clearance, "certificate": "", "certificate_expired": "", "certificate_expired_on": "",
                  "session": "", "can_reply": True, "helpline": helpline}
        for held_since, number, expires, session_day in reversed(training.held.get(worker, [])):
            if held_since <= stamp:
                if number and expires < today:
                    values["certificate_expired"] = number
                    values["certificate_expired_on"] = datetime.date.fromordinal(expires).strftime("%d/%m/%Y")
                elif number:
                    values["certificate"] = number
                else:
                    values["session"] = session_day
                break
        body = sms.format_of("status.worker", language, values).format_map(values)
        number = mobile(worker)
        reply_id = sms.add(number, plan.first_id + worker, None, language, "status.worker", body, when, status="sent")
        text_gone = cutoffs[0] is not None and when < cutoffs[0]
        number_gone = cutoffs[1] is not None and when < cutoffs[1]
        inbound.add((f"SMbulkin{k:024x}", "" if number_gone else number, "", "" if text_gone else "STATUS", "STATUS",
                     "" if text_gone else body, plan.first_id + worker, "", reply_id, when))
    sms.flush()
    inbound.flush()
    return wanted, written + wanted


def load(run: BulkRun) -> str:
    from predeparture.models import Session

    rng = run.rng("predeparture")
    training = Training(run, rng)
    trainees = run.shared.get("trainees") or []
    if training.courses:
        for trainee in trainees:
            training.train(trainee)
    training.flush()
    if training.sessions.count:
        bulk.copy_history(Session, training.first_session)  # (enrolments get none: their page is the session's)
    asked, total = _status_conversation(run, training, rng)
    counts = training.counts
    return (f"{training.sessions.count:,} sessions, {training.enrolments.count:,} enrolments "
            f"({', '.join(f'{name} {count:,}' for name, count in sorted(counts.items()))}), "
            f"{training.certificates.count:,} certificates, {training.attendance.count:,} attendance marks, "
            f"{training.sms.count:,} training SMS, {asked:,} STATUS questions answered ({total:,} SMS so far)")


bulk.register(bulk.BulkLoader(
    name="predeparture", load=load, order=60,
    tables=("predeparture.Session", "predeparture.Enrolment", "predeparture.Attendance", "predeparture.Certificate",
            "notifications.InboundSms", "notifications.OutboundSms", "django_fsm_log.StateLog"),
))
