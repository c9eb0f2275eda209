from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from core.choices import Language
from core.parameters import DEFINITIONS


class User(AbstractUser):
    """Anyone who signs in: ministry staff and agency staff.

    Roles are groups (core.access.Role). Agency staff are linked to exactly
    one agency by the agencies app's AgencyMembership.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()
        if self.email and User.objects.exclude(pk=self.pk).filter(email__iexact=self.email).exists():
            raise ValidationError({"email": _("Another account already uses this e-mail address.")})

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RegulatoryParameter(models.Model):
    """One value of a regulatory parameter, in force from a date until the next one."""

    # Not a choices field: the list of parameters lives in core.parameters and grows with each issue.
    key = models.CharField(_("parameter"), max_length=64)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("legal basis or note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("regulatory parameter")
        verbose_name_plural = _("regulatory parameters")
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="one_parameter_value_per_day"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="parameter_value_not_negative"),
        ]

    def __str__(self) -> str:
        unit = self.definition.unit
        return f"{self.label}: {self.value} {unit} ({self.effective_from:%Y-%m-%d})"

    def clean(self) -> None:
        if self.key not in DEFINITIONS:
            raise ValidationError({"key": _("Unknown regulatory parameter.")})

    @property
    def definition(self):
        return DEFINITIONS[self.key]

    @property
    def label(self) -> str:
        return str(self.definition.label)


class ScheduledJobLock(models.Model):
    """Keeps two runs of a scheduled job from overlapping, on SQLite and PostgreSQL alike."""

    name = models.CharField(max_length=100, primary_key=True)
    locked_until = models.DateTimeField(default=timezone.now)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name
