"""Pre-departure training's part of the demo: two courses, sessions past and upcoming in several districts with the
demo trainer, enrolments of demo workers (some completed with certificates, one expired, one failed).

Safe to run again: courses are found by code, and the sessions are only added when the demo courses have none.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from core.choices import District, Language
from core.models import User
from predeparture.models import Attendance, Certificate, Course, Enrolment, EnrolmentStatus, Module, Session, SessionStatus
from predeparture.services import certificate_expiry, next_certificate_number
from workers.models import Worker

COURSES = [
    (
        "PDO-GEN",
        "General pre-departure orientation",
        60,
        24,
        [
            ("Your contract, your rights and the Labour Act 2024", 3),
            ("Fair recruitment: no fees, keep your passport", 2),
            ("Money: wages, deferred pay and sending money home", 2),
            ("Health, safety and getting help abroad", 2),
        ],
    ),
    (
        "PDO-ZA",
        "South Africa country orientation",
        None,
        36,
        [
            ("Living and working in South Africa", 2),
            ("Mines, farms and domestic work: what to expect", 2),
            ("Lesotho's consulates and labour offices in South Africa", 1),
        ],
    ),
]

# course code, venue, district, days from today, hours, capacity
SESSIONS = [
    ("PDO-GEN", "Manthabiseng Convention Centre", District.MASERU, -900, 7, 30),  # its certificates have expired
    ("PDO-GEN", "Leribe Community Hall", District.LERIBE, -40, 7, 25),
    ("PDO-ZA", "Mafeteng Labour Office", District.MAFETENG, -20, 5, 20),
    ("PDO-GEN", "Manthabiseng Convention Centre", District.MASERU, 6, 7, 30),
    ("PDO-ZA", "Mohale's Hoek Training Centre", District.MOHALES_HOEK, 12, 5, 4),
    ("PDO-GEN", "Qacha's Nek Community Hall", District.QACHAS_NEK, 25, 7, 20),
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def seed_training(scale: int) -> list[tuple[str, str]]:
    trainer = User.objects.filter(username="trainer").first()
    registrar = User.objects.filter(username="registrar").first()
    courses = {}
    for code, title, pass_mark, months, modules in COURSES:
        course, created = Course.objects.get_or_create(
            code=code,
            defaults={"title": title, "pass_mark": pass_mark, "validity_months": months, "language": Language.SESOTHO},
        )
        if created:
            for order, (module_title, hours) in enumerate(modules, start=1):
                Module.objects.create(course=course, order=order, title=module_title, hours=hours)
        courses[code] = course
    if trainer is None or Session.objects.filter(course__in=courses.values()).exists():
        return []
    workers = list(Worker.objects.exclude(national_id__startswith="BULK").order_by("pk")[:24])
    if not workers:
        return []
    today = timezone.localdate()
    for index, (code, venue, district, days, hours, capacity) in enumerate(SESSIONS):
        day = today + datetime.timedelta(days=days)
        session = Session.objects.create(
            course=courses[code],
            venue=venue,
            district=district,
            starts_at=_at(day, 8),
            ends_at=_at(day, 8 + hours),
            trainer=trainer,
            capacity=capacity,
        )
        group = workers[index * 4 : (index + 1) * 4]
        past = days < 0
        if past:
            Session.objects.filter(pk=session.pk).update(status=SessionStatus.COMPLETED)
        for position, worker in enumerate(group):
            link = worker.agency_links.filter(ended_at__isnull=True).first()
            enrolment = Enrolment.objects.create(
                session=session,
                worker=worker,
                enrolled_by=registrar,
                agency=link.agency if link else None,
                created_at=session.starts_at - datetime.timedelta(days=14),
            )
            if not past:
                if position >= capacity:
                    Enrolment.objects.filter(pk=enrolment.pk).update(
                        status=EnrolmentStatus.WAITING, waiting_position=position - capacity + 1
                    )
                continue
            failed = index == 1 and position == 3  # one failed the test
            score = 45 if failed else 70 + position * 5
            for module in courses[code].modules.all():
                Attendance.objects.create(
                    enrolment=enrolment, module=module, present=True, marked_by=trainer, marked_at=session.ends_at
                )
            enrolment.score = score if courses[code].pass_mark is not None else None
            enrolment.status = EnrolmentStatus.FAILED if failed else EnrolmentStatus.COMPLETED
            enrolment.save(update_fields=["score", "status"])
            if not failed:
                Certificate.objects.create(
                    enrolment=enrolment,
                    number=next_certificate_number(day.year),
                    issued_on=day,
                    expires_on=certificate_expiry(courses[code], day),
                )
    return []
