"""Who may do what: the one place the system decides access.

- A user's roles are the groups they belong to (a ministry user may hold
  several; agency staff hold only the agency-staff role, for one agency).
- A capability is a named thing a user may do; ``CAPABILITIES`` says which
  roles have it. Every view declares the capability it needs (``requires`` /
  ``CapabilityRequiredMixin``), every transition's permission calls
  ``transition_permission``, and the permission-matrix test reads both.
- Two-step sign-in is enforced here too, in ``_enforce``, which every view's
  declaration passes through: a signed-in user who must set up or pass the
  second step (``core.two_factor.second_step_due``) is sent there from any
  view that is not PUBLIC, except the few declared ``before_second_step``
  (setting up, verifying). Here rather than in a middleware, so that the one
  declaration a view makes says everything about who reaches it, and the
  permission matrix reads it.
- Record visibility is queryset scoping: ``visible_to(user, queryset)`` gives
  ministry staff every row and agency staff only their own agency's rows, so
  a guessed URL answers 404, never another agency's data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    LICENSING_OFFICER = "licensing_officer", _("Licensing officer")
    REGISTRAR = "registrar", _("Registrar")
    TRAINER = "trainer", _("Trainer")
    INSPECTOR = "inspector", _("Labour inspector")
    CHIEF_INSPECTOR = "chief_inspector", _("Chief inspector")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")


MINISTRY_ROLES = frozenset(Role) - {Role.AGENCY_STAFF}
ALL_ROLES = frozenset(Role)

# Two special capabilities that need no role.
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # anyone who has signed in, whatever their roles

# The capability table. Later apps add their rows here, so the whole policy
# reads in one screen.
CAPABILITIES: dict[str, frozenset[str]] = {
    "dashboard.view": ALL_ROLES,
    # Reference data and people, kept by ministry IT.
    "users.manage": frozenset({Role.ADMINISTRATOR}),
    "parameters.view": MINISTRY_ROLES,
    "parameters.manage": frozenset({Role.ADMINISTRATOR}),
    "sms_templates.manage": frozenset({Role.ADMINISTRATOR}),
    # Seeing the history (who changed what) of a record one may already see.
    "history.view": MINISTRY_ROLES,
    # Personal columns (names, phones, identity numbers) in exports. Analysts
    # read everything that is not personal detail, so they do not have it.
    "personal_data.export": MINISTRY_ROLES - {Role.ANALYST},
    # Full national ID, passport and phone numbers in lists, exports and record pages; everyone else who may see
    # the record reads them masked ("••••••1234", core.text.mask_number). Agency staff see only their own
    # agency's workers anyway; registrars register and decide on them; inspectors interview them and call
    # complainants back. Licensing officers, trainers, the administrator and analysts need no full number.
    "personal_data.view": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR, Role.INSPECTOR, Role.CHIEF_INSPECTOR}),
    # Who has opened a worker's full record (workers.WorkerRecordView): for the registrar answering a worker's
    # question and the administrator looking into a leak.
    "personal_data.audit": frozenset({Role.REGISTRAR, Role.ADMINISTRATOR}),
    # Agencies and their licences.
    "agencies.view": ALL_ROLES,
    "agencies.own": frozenset({Role.AGENCY_STAFF}),  # one's own agency: its staff, notices, application
    "agencies.disable": frozenset({Role.LICENSING_OFFICER, Role.ADMINISTRATOR}),
    "licensing.view": ALL_ROLES,  # applications and licences (agency staff: their own agency's)
    "licensing.apply": frozenset({Role.AGENCY_STAFF}),  # start, submit, resubmit, withdraw, renew
    "licensing.review": frozenset({Role.LICENSING_OFFICER}),  # take up, review documents, ask for information
    "licensing.decide": frozenset({Role.LICENSING_OFFICER}),  # approve or reject
    "licensing.sanction": frozenset({Role.LICENSING_OFFICER}),  # suspend, reinstate, revoke
    "licensing.import": frozenset({Role.ADMINISTRATOR}),
    # An agency's manager adds and removes its staff (the service also checks the manager flag).
    "agencies.manage_staff": frozenset({Role.AGENCY_STAFF}),
    # Migrant workers (agency staff: those linked to their agency; trainers will need their class lists).
    # Worker pages are personal detail: analysts work from the reports instead.
    "workers.view": ALL_ROLES - {Role.ANALYST},
    "workers.register": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR}),  # register, claim, record SMS consent
    "workers.end_link": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR}),
    # Pre-departure training: courses and sessions (ministry), enrolment (agencies for their workers), teaching.
    "training.view": ALL_ROLES,
    "training.manage": frozenset({Role.REGISTRAR, Role.ADMINISTRATOR}),  # courses, sessions, cancellation
    "training.enrol": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR}),
    "training.teach": frozenset({Role.TRAINER}),  # attendance, scores, start and complete sessions
    # Bilateral agreements and foreign employers: registrars keep them; everyone reads them.
    "agreements.view": ALL_ROLES,
    "agreements.manage": frozenset({Role.REGISTRAR}),
    "employers.view": ALL_ROLES,
    "employers.record": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR}),  # agencies record the employers they recruit for
    "employers.manage": frozenset({Role.REGISTRAR}),  # correct a recorded employer (agencies could otherwise alter others')
    "employers.blacklist": frozenset({Role.REGISTRAR}),
    # Job orders: an agency records a foreign employer's demand; a registrar approves it before anyone is recruited.
    "job_orders.view": ALL_ROLES,
    "job_orders.manage": frozenset({Role.AGENCY_STAFF}),
    "job_orders.decide": frozenset({Role.REGISTRAR}),
    # Contracts are personal detail (whose, what wage): analysts work from the reports.
    "contracts.view": ALL_ROLES - {Role.ANALYST},
    "contracts.draft": frozenset({Role.AGENCY_STAFF}),  # draft, correct, submit, upload the signed copy
    "contracts.decide": frozenset({Role.REGISTRAR}),  # approve, return for correction, reject
    # A registrar issues a clearance; agency staff may ask for one, issued at once only when every condition holds.
    "contracts.clear": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR}),
    "contracts.movements": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR}),  # departure and return
    "contracts.cancel": frozenset({Role.AGENCY_STAFF, Role.REGISTRAR}),
    # Labour inspections. Inspectors see their own audits; the chief inspector plans, reviews and recommends sanctions.
    "audits.view": ALL_ROLES,  # agency staff: their own agency's announced or started audits
    "audits.plan": frozenset({Role.CHIEF_INSPECTOR}),  # risk ranking, plans, scheduling, cancelling, inspectors' availability
    "audits.conduct": frozenset({Role.INSPECTOR}),  # the checklist, findings, corrective actions (own audits only)
    "audits.review": frozenset({Role.CHIEF_INSPECTOR}),
    "audits.recommend": frozenset({Role.CHIEF_INSPECTOR}),  # recommend suspension or revocation to the licensing officer
    "audits.respond": frozenset({Role.AGENCY_STAFF}),  # answer corrective actions with evidence
    "audits.decide_actions": frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR}),  # accept or reject an agency's answer
    "inspectors.availability": frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR}),  # leave and conflicts (inspectors: their own)
    "risk.view": MINISTRY_ROLES,  # an agency's risk score and why; not shown to agencies, so it cannot be gamed
    # Workers' complaints. Who complained is seen only by inspectors and the chief inspector.
    "complaints.view": frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.LICENSING_OFFICER, Role.REGISTRAR}),
    "complaints.record": frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR, Role.LICENSING_OFFICER, Role.REGISTRAR}),
    "complaints.handle": frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR}),  # triage, resolve, dismiss
    "complaints.identity": frozenset({Role.INSPECTOR, Role.CHIEF_INSPECTOR}),
    # SMS. The outbox and inbound messages carry numbers and texts: personal, so not for analysts.
    "sms.view": frozenset({Role.REGISTRAR, Role.ADMINISTRATOR}),  # outbox, inbound, delivery rates, failed numbers
    # Record an opt-out or opt-in said in person or by phone; clear a fixed number.
    "sms.manage": frozenset({Role.REGISTRAR, Role.ADMINISTRATOR, Role.TRAINER}),
    # Compliance reports and the ministry dashboard: aggregate figures, never personal detail.
    "reports.view": MINISTRY_ROLES,
    "reports.generate": MINISTRY_ROLES,
}


def roles_of(user: Any) -> frozenset[str]:
    """The roles a user holds, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(Role)
        user._roles_cache = cached
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles after they change (tests, role editing)."""
    for attribute in ("_roles_cache", "_agency_id_cache"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def is_ministry(user: Any) -> bool:
    return bool(roles_of(user) & MINISTRY_ROLES)


def agency_id_of(user: Any) -> int | None:
    """The agency an agency-staff user works for, or None.

    The membership row belongs to the agencies app (``AgencyMembership``,
    reverse name ``agency_membership``); core reads it by name so that it
    never imports a later app. A membership that has ended grants nothing.
    """
    if Role.AGENCY_STAFF not in roles_of(user):
        return None
    if not hasattr(user, "_agency_id_cache"):
        membership = getattr(user, "agency_membership", None)
        active = membership is not None and membership.ended_at is None and membership.agency.is_active
        user._agency_id_cache = membership.agency_id if active else None
    return user._agency_id_cache


def can(user: Any, capability: str) -> bool:
    """Whether ``user`` has ``capability``. Unknown capabilities are a programming error."""
    if capability == PUBLIC:
        return True
    if capability == SIGNED_IN:
        return bool(getattr(user, "is_authenticated", False) and user.is_active)
    try:
        allowed = CAPABILITIES[capability]
    except KeyError:
        raise ValueError(f"Unknown capability {capability!r}: add it to core.access.CAPABILITIES") from None
    roles = roles_of(user)
    if Role.AGENCY_STAFF in roles and agency_id_of(user) is None:
        # Staff whose agency link has ended (or whose agency is disabled) keep
        # only what their ministry roles give, which is nothing.
        roles = roles - {Role.AGENCY_STAFF}
    return bool(roles & allowed)


def check(user: Any, capability: str) -> None:
    """Raise PermissionDenied (403) unless ``user`` has ``capability``."""
    if not can(user, capability):
        raise PermissionDenied


def transition_permission(capability: str) -> Callable[[Any, Any], bool]:
    """A django-fsm ``permission=`` callable that asks this module."""

    def permission(instance: Any, user: Any) -> bool:
        return can(user, capability)

    permission.capability = capability  # type: ignore[attr-defined]
    return permission


# --- Record visibility --------------------------------------------------------


class ScopedQuerySet(QuerySet):
    """Base queryset for records that belong to an agency.

    Subclasses say how a row belongs to an agency in ``for_agency``; ministry
    staff see everything unless ``for_ministry`` narrows it (an inspector's
    own audits, say).
    """

    def for_agency(self, agency_id: int) -> QuerySet:
        raise NotImplementedError(f"{self.model.__name__} must say how its rows belong to an agency")

    def for_ministry(self, user: Any) -> QuerySet:
        return self.all()

    def visible_to(self, user: Any) -> QuerySet:
        return visible_to(user, self)


def visible_to(user: Any, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may see."""
    if is_ministry(user):
        return queryset.for_ministry(user) if isinstance(queryset, ScopedQuerySet) else queryset.all()
    agency_id = agency_id_of(user)
    if agency_id is not None and isinstance(queryset, ScopedQuerySet):
        return queryset.for_agency(agency_id)
    return queryset.none()


def get_visible_or_404(user: Any, queryset: QuerySet, **lookup: Any) -> Any:
    """Fetch one record the user may see; 404 whether it is missing or not theirs."""
    try:
        return visible_to(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Views ----------------------------------------------------------------------


def _second_step_redirect(request: Any) -> Any:
    """Where a signed-in user must go first (set up or pass the second step), with the page they asked for."""
    from core import two_factor  # django-otp's models: imported when the first request needs them

    due = two_factor.second_step_due(request.user)
    if due is None:
        return None
    target = resolve_url("core:two_factor_setup" if due == two_factor.SETUP else "core:two_factor_verify")
    return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


# The screens are HTML forms and the webhooks POST: GET (and HEAD) read, POST acts. Any other method is refused
# here, before a view runs, so that no view's "if request.method == 'POST'" can mistake a PUT or DELETE for a read.
ALLOWED_METHODS = ("GET", "HEAD", "POST")


def _enforce(request: Any, capability: str, before_second_step: bool = False) -> Any:
    if request.method not in ALLOWED_METHODS:
        return HttpResponseNotAllowed(ALLOWED_METHODS)
    if capability == PUBLIC:
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not before_second_step:
        refusal = _second_step_redirect(request)
        if refusal is not None:
            return refusal
    check(request.user, capability)
    return None


def requires(capability: str, *, before_second_step: bool = False) -> Callable:
    """Decorator for function views: declare and enforce the capability a view needs.

    ``before_second_step`` is only for the screens that set up and pass the second step of signing in.
    """
    if capability not in (PUBLIC, SIGNED_IN) and capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            refusal = _enforce(request, capability, before_second_step)
            if refusal is not None:
                return refusal
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        wrapped.before_second_step = before_second_step  # type: ignore[attr-defined]
        return wrapped

    return decorator


class CapabilityRequiredMixin:
    """For class-based views: set ``capability``; it is enforced before dispatch."""

    capability: str = ""
    before_second_step: bool = False

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.capability:
            raise ValueError(f"{type(self).__name__} declares no capability")
        refusal = _enforce(request, self.capability, self.before_second_step)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def declared_capability(callback: Any) -> str | None:
    """The capability a URL's view declares (used by the permission matrix)."""
    capability = getattr(callback, "capability", None)
    if capability is None and hasattr(callback, "view_class"):
        capability = getattr(callback.view_class, "capability", None) or None
    return capability
