from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import Language


class SmsTemplate(models.Model):
    """The text of one SMS, per event and language; the administrator edits it.

    The body is a Django template: ``{{ reference }}`` and the like are
    filled from the context the sending service gives.
    """

    key = models.CharField(_("event"), max_length=100)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    body = models.TextField(_("text"))
    description = models.CharField(_("when it is sent"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="one_sms_template_per_language")]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Undelivered")
    FAILED = "failed", _("Failed")


class OutboundSms(models.Model):
    """One SMS to send: the outbox row, written in the caller's transaction.

    ``status`` is a plain field, not a logged state machine: there will be
    millions of rows, and the row itself records attempts and errors.
    """

    to = models.CharField(_("to"), max_length=20)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    template_key = models.CharField(_("event"), max_length=100)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound SMS")
        verbose_name_plural = _("outbound SMS")
        indexes = [
            # The drain looks only at rows waiting to go; a partial index stays small.
            models.Index(fields=["next_attempt_at", "id"], name="sms_waiting_idx", condition=models.Q(status="queued")),
            models.Index(fields=["to", "created_at"], name="sms_to_idx"),
        ]

    def __str__(self) -> str:
        return f"SMS {self.pk} to {self.to} ({self.status})"
