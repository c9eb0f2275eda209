"""Screens of pre-departure training. Thin: fetch through the access module, validate a form, call one service."""

from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, ProtectedError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import can_proceed, has_transition_perm
from django_tables2 import LazyPaginator

from agencies.services import StaleRecord
from core import access
from core.access import PUBLIC, Role, requires
from core.actions import errors_to_messages
from core.ratelimit import rate_limited
from core.text import normalise_reference
from predeparture import queries, services
from predeparture.certificate import initials, render_certificate, validity_statement
from predeparture.forms import (
    CALENDAR_YEARS,
    CalendarFilterForm,
    CancelForm,
    CourseForm,
    EnrolForm,
    LookupForm,
    ModuleFormSet,
    SessionFilterForm,
    SessionForm,
)
from predeparture.models import SEAT_STATES, Attendance, Certificate, Course, Enrolment, EnrolmentStatus, Session

STALE_MESSAGE = gettext_lazy("Someone else changed this session while you were looking at it. Check it and try again.")
PUBLIC_REQUESTS_PER_MINUTE = 30
CERTIFICATE_NUMBER = re.compile(r"^PDT-\d{4}-\d{6}$")


def only_trainer(user) -> bool:
    return access.roles_of(user) & access.MINISTRY_ROLES == {Role.TRAINER}


# --- Courses -------------------------------------------------------------------------------


@requires("training.view")
def course_list(request):
    courses = Course.objects.annotate(module_count=Count("modules"))
    return render(
        request,
        "predeparture/course_list.html",
        {
            "courses": courses,
            "page_title": _("Training courses"),
            "may_manage": access.can(request.user, "training.manage"),
        },
    )


def _course_form(request, course: Course | None):
    form = CourseForm(request.POST or None, instance=course)
    formset = ModuleFormSet(request.POST or None, instance=course or Course(), prefix="modules")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                course = form.save()
                formset.instance = course
                formset.save()
        except ProtectedError:
            form.add_error(None, _("A module with attendance marked cannot be removed."))
        else:
            messages.success(request, _("The course %(code)s was saved.") % {"code": course.code})
            return redirect("predeparture:course_list")
    title = _("Edit course %(code)s") % {"code": course.code} if course else _("New course")
    return render(
        request,
        "predeparture/course_form.html",
        {
            "form": form,
            "formset": formset,
            "page_title": title,
            "cancel_url": reverse("predeparture:course_list"),
        },
    )


@requires("training.manage")
def course_create(request):
    return _course_form(request, None)


@requires("training.manage")
def course_edit(request, pk):
    return _course_form(request, access.get_visible_or_404(request.user, Course.objects.all(), pk=pk))


# --- Sessions --------------------------------------------------------------------------------


@requires("training.view")
def session_list(request):
    sessions = queries.with_fill(Session.objects.visible_to(request.user).select_related("course", "trainer"))
    form = SessionFilterForm(request.GET or None)
    if form.is_valid():
        sessions = form.filter(sessions)
    # LazyPaginator reads one row past the page instead of counting every session (core/lists.py does the same).
    page = LazyPaginator(sessions.order_by("-starts_at", "pk"), 50).get_page(request.GET.get("page"))
    title = _("My sessions") if only_trainer(request.user) else _("Training sessions")
    kept = request.GET.copy()  # the next page keeps the filter
    kept.pop("page", None)
    return render(
        request,
        "predeparture/session_list.html",
        {
            "page_obj": page,
            "filter_query": kept.urlencode(),
            "filter_form": form,
            "page_title": title,
            "may_manage": access.can(request.user, "training.manage"),
        },
    )


@requires("training.view")
def session_calendar(request):
    """The sessions of one month, day by day, by district and course; a trainer sees only their own sessions."""
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = f"{timezone.localdate():%Y-%m}"
    form = CalendarFilterForm(data)
    form.is_valid()  # a field that does not validate is shown with its message and left out of the filter
    month = form.cleaned_data.get("month") or timezone.localdate().replace(day=1)
    chosen = form.cleaned_data
    sessions = Session.objects.visible_to(request.user)
    if chosen.get("district"):
        sessions = sessions.filter(district=chosen["district"])
    if chosen.get("course"):
        sessions = sessions.filter(course=chosen["course"])
    calendar = queries.month_calendar(sessions, month)

    def month_link(day: datetime.date) -> str | None:
        if not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
            return None
        query = data.copy()
        query["month"] = f"{day:%Y-%m}"
        return "?" + query.urlencode()

    return render(
        request,
        "predeparture/session_calendar.html",
        {
            "calendar": calendar,
            "filter_form": form,
            "previous_url": month_link(calendar.previous_month),
            "next_url": month_link(calendar.next_month),
            "previous_name": queries.month_name(calendar.previous_month),
            "next_name": queries.month_name(calendar.next_month),
            "page_title": _("Training calendar: %(month)s") % {"month": calendar.title},
        },
    )


@requires("training.manage")
def session_create(request):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.save()
        messages.success(request, _("The session was scheduled."))
        return redirect("predeparture:session_detail", pk=session.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Schedule a session"),
            "cancel_url": reverse("predeparture:session_list"),
        },
    )


@requires("training.manage")
def session_edit(request, pk):
    session = access.get_visible_or_404(request.user, Session.objects.all(), pk=pk)
    old_capacity = session.capacity
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                capacity = form.cleaned_data["capacity"]
                form.instance.capacity = old_capacity
                if "starts_at" in form.changed_data:
                    # A new date deserves a new reminder.
                    session.enrolments.update(reminded_at=None)
                form.save()
                if capacity != old_capacity:
                    services.change_capacity(by=request.user, session_id=session.pk, capacity=capacity)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The session was saved."))
            return redirect("predeparture:session_detail", pk=session.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Edit session"),
            "cancel_url": reverse("predeparture:session_detail", args=[pk]),
        },
    )


def _allowed(session: Session, name: str, user) -> bool:
    method = getattr(session, name)
    if not (can_proceed(method) and has_transition_perm(method, user)):
        return False
    return name == "cancel" or session.trainer_id == user.pk


@requires("training.view")
def session_detail(request, pk):
    session = access.get_visible_or_404(request.user, Session.objects.select_related("course", "trainer"), pk=pk)
    enrolments = access.visible_to(request.user, session.enrolments.all()).select_related("worker", "agency")
    enrolments = enrolments.prefetch_related("certificate").order_by("status", "waiting_position", "worker__last_name")
    return render(
        request,
        "predeparture/session_detail.html",
        {
            "session": session,
            "enrolments": enrolments,
            "taken": session.enrolments.filter(status__in=SEAT_STATES).count(),
            "may_start": _allowed(session, "start", request.user),
            "may_complete": _allowed(session, "complete", request.user),
            "may_cancel": _allowed(session, "cancel", request.user),
            "may_teach": session.trainer_id == request.user.pk and access.can(request.user, "training.teach"),
            "may_enrol": session.is_open_for_enrolment and access.can(request.user, "training.enrol"),
            "may_manage": access.can(request.user, "training.manage"),
            "cancel_form": CancelForm(),
            "page_title": str(session),
        },
    )


def _transition_view(action: str, capability: str, done: str):
    @requires(capability)
    @require_POST
    def view(request, pk):
        session = access.get_visible_or_404(request.user, Session.objects.all(), pk=pk)
        seen = request.POST.get("seen_status") or None
        try:
            if action == "cancel":
                form = CancelForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give the reason for cancelling."))
                services.cancel_session(
                    by=request.user, session_id=session.pk, reason=form.cleaned_data["reason"], seen_status=seen
                )
            elif action == "start":
                services.start_session(by=request.user, session_id=session.pk, seen_status=seen)
            else:
                services.complete_session(by=request.user, session_id=session.pk, seen_status=seen)
        except ValidationError as error:
            errors_to_messages(request, error)
        except StaleRecord:
            messages.error(request, STALE_MESSAGE)
        else:
            messages.success(request, done)
        return redirect("predeparture:session_detail", pk=session.pk)

    return view


session_start = _transition_view("start", "training.teach", gettext_lazy("The session has started."))
session_complete = _transition_view(
    "complete", "training.teach", gettext_lazy("The session is complete; certificates were issued.")
)
session_cancel = _transition_view(
    "cancel", "training.manage", gettext_lazy("The session was cancelled; the workers are told by SMS.")
)


@requires("training.teach")
def session_attendance(request, pk):
    """The trainer's class sheet: one row per worker, a box per module and a score. Saves all marks at once."""
    session = access.get_visible_or_404(request.user, Session.objects.select_related("course"), pk=pk)
    if session.trainer_id != request.user.pk:
        raise PermissionDenied
    modules = list(session.course.modules.all())
    enrolments = list(session.enrolments.filter(status=EnrolmentStatus.ENROLLED).select_related("worker"))
    marks = {(a.enrolment_id, a.module_id): a.present for a in Attendance.objects.filter(enrolment__in=enrolments)}
    errors = []
    if request.method == "POST":
        try:
            with transaction.atomic():
                for enrolment in enrolments:
                    for module in modules:
                        present = request.POST.get(f"present-{enrolment.pk}-{module.pk}") == "on"
                        services.mark_attendance(by=request.user, enrolment_id=enrolment.pk, module_id=module.pk, present=present)
                    raw = request.POST.get(f"score-{enrolment.pk}", "").strip()
                    score = None
                    if raw:
                        try:
                            score = int(raw)
                        except ValueError:
                            raise ValidationError(
                                _("%(worker)s: a score is a whole number from 0 to 100.") % {"worker": enrolment.worker}
                            ) from None
                    if score is not None or enrolment.score is not None:
                        services.record_score(by=request.user, enrolment_id=enrolment.pk, score=score)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Attendance and scores were saved."))
            return redirect("predeparture:session_attendance", pk=session.pk)
    rows = [
        {
            "enrolment": enrolment,
            "score": request.POST.get(f"score-{enrolment.pk}", enrolment.score if enrolment.score is not None else "")
            if request.method == "POST"
            else (enrolment.score if enrolment.score is not None else ""),
            "marks": [
                {
                    "module": module,
                    "name": f"present-{enrolment.pk}-{module.pk}",
                    "present": (request.POST.get(f"present-{enrolment.pk}-{module.pk}") == "on")
                    if request.method == "POST"
                    else marks.get((enrolment.pk, module.pk), False),
                }
                for module in modules
            ],
        }
        for enrolment in enrolments
    ]
    return render(
        request,
        "predeparture/attendance.html",
        {
            "session": session,
            "modules": modules,
            "rows": rows,
            "errors": errors,
            "editable": session.status == "in_progress",
            "page_title": _("Attendance: %(session)s") % {"session": session},
        },
    )


# --- Enrolment -----------------------------------------------------------------------------------


@requires("training.enrol")
def enrol(request, pk):
    session = access.get_visible_or_404(request.user, Session.objects.select_related("course"), pk=pk)
    form = EnrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.enrol(by=request.user, session_id=session.pk, worker_id=form.cleaned_data["worker"].pk)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            form.add_error("worker", _("You may enrol only workers linked to your agency."))
        else:
            (messages.success if result.enrolment.status == EnrolmentStatus.ENROLLED else messages.warning)(
                request, result.message
            )
            return redirect("predeparture:session_detail", pk=session.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Enrol a worker in %(session)s") % {"session": session},
            "submit_label": _("Enrol"),
            "cancel_url": reverse("predeparture:session_detail", args=[pk]),
        },
    )


@requires("training.enrol")
@require_POST
def enrolment_withdraw(request, pk):
    enrolment = access.get_visible_or_404(request.user, Enrolment.objects.all(), pk=pk)
    try:
        services.withdraw(by=request.user, enrolment_id=enrolment.pk)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, _("%(worker)s was withdrawn from the session.") % {"worker": enrolment.worker})
    return redirect("predeparture:session_detail", pk=enrolment.session_id)


# --- Certificates ------------------------------------------------------------------------------------


@requires("training.view")
def certificate_pdf(request, pk):
    certificate = access.get_visible_or_404(
        request.user, Certificate.objects.select_related("enrolment__worker", "enrolment__session__course"), pk=pk
    )
    response = HttpResponse(render_certificate(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


def _public_context(certificate: Certificate) -> dict:
    worker = certificate.enrolment.worker
    today = timezone.localdate()
    return {
        "certificate": certificate,
        "initials": initials(worker.first_name, worker.last_name),
        "course": certificate.enrolment.session.course,
        "valid": certificate.is_valid_on(today),
        "statement": validity_statement(certificate, today),
        "page_title": _("Training certificate %(number)s") % {"number": certificate.number},
    }


@requires(PUBLIC)
@rate_limited("training-verify", PUBLIC_REQUESTS_PER_MINUTE, 60)
def verify(request, token):
    certificate = (
        Certificate.objects.select_related("enrolment__worker", "enrolment__session__course").filter(public_token=token).first()
    )
    if certificate is None:
        return render(request, "predeparture/public/not_found.html", {"page_title": _("Certificate not found")}, status=404)
    return render(request, "predeparture/public/verify.html", _public_context(certificate))


@requires(PUBLIC)
@rate_limited("training-lookup", PUBLIC_REQUESTS_PER_MINUTE, 60)
def lookup(request):
    """By certificate number AND the holder's passport number: a number alone reveals nothing."""
    form = LookupForm(request.GET or None)
    context = {"form": form, "page_title": _("Check a training certificate")}
    if form.is_valid():
        number = "".join(form.cleaned_data["number"].split()).upper()
        passport = normalise_reference(form.cleaned_data["passport_number"])
        certificate = None
        if CERTIFICATE_NUMBER.match(number) and passport:
            certificate = (
                Certificate.objects.filter(number=number, enrolment__worker__passport_number=passport)
                .select_related("enrolment__worker", "enrolment__session__course")
                .first()
            )
        if certificate is None:
            context["error"] = _("No certificate matches this number and passport number.")
            return render(request, "predeparture/public/lookup.html", context, status=404)
        return redirect("predeparture:verify", token=certificate.public_token)
    return render(request, "predeparture/public/lookup.html", context)
