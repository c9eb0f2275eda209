"""Recruitment agencies and their staff.

The foundation keeps the agency minimal (who it is and whether its account
is active); the licensing issue adds applications, licences and the public
register.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from core.access import ScopedQuerySet, transition_permission
from core.choices import District


class AgencyQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(pk=agency_id)


class MembershipQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id: int):
        return self.filter(agency_id=agency_id)


class AgencyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")


class Agency(ConcurrentTransitionMixin, models.Model):
    legal_name = models.CharField(_("legal name"), max_length=200)
    trading_name = models.CharField(_("trading name"), max_length=200, blank=True)
    registration_number = models.CharField(_("company registration number"), max_length=50, unique=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = FSMField(_("account status"), default=AgencyStatus.ACTIVE, choices=AgencyStatus.choices, protected=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AgencyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status"])  # state changes are in the transition log

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.trading_name or self.legal_name

    @property
    def is_active(self) -> bool:
        return self.status == AgencyStatus.ACTIVE

    # --- Lifecycle of the account: active ⇄ disabled ------------------------

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AgencyStatus.ACTIVE,
        target=AgencyStatus.DISABLED,
        permission=transition_permission("agencies.disable"),
    )
    def disable(self, by=None, description=None) -> None:
        """Ministry staff disable the account: its staff can no longer sign in to act for it."""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=AgencyStatus.DISABLED,
        target=AgencyStatus.ACTIVE,
        permission=transition_permission("agencies.disable"),
    )
    def enable(self, by=None, description=None) -> None:
        """Ministry staff restore a disabled account."""


class AgencyMembership(models.Model):
    """Links an agency-staff user to their one agency. Ending it ends their access at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_membership", verbose_name=_("user")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency"))
    is_manager = models.BooleanField(_("manager"), default=False)
    started_at = models.DateTimeField(_("since"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency staff member")
        verbose_name_plural = _("agency staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"
