from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
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
    # The request timed out after it left: the provider may have the message.
    # Checked against the provider's record before any resend, never blindly retried.
    UNCONFIRMED = "unconfirmed", _("Awaiting confirmation")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Undelivered")
    FAILED = "failed", _("Failed")
    # Not sent: the number opted out, failed permanently, or the worker withdrew consent.
    SUPPRESSED = "suppressed", _("Not sent (no consent or number blocked)")


class SmsEncoding(models.TextChoices):
    GSM7 = "GSM-7", _("GSM-7")
    UCS2 = "UCS-2", _("UCS-2 (Unicode)")


# What the system itself notes in ``OutboundSms.last_error``. The row keeps it in English (the same for whoever reads the
# database); screens show it translated (``OutboundSms.last_error_shown``). The provider's own messages are shown as
# it wrote them.
NOT_SENT = "not sent: "  # then the send guard's reason, itself marked with gettext_noop
NEVER_REACHED_PROVIDER = gettext_noop("the provider never had it: sent again")
STOPPED_WHILE_SENDING = gettext_noop("the worker stopped while sending; checked with the provider before any resend")
OWN_ERRORS = {NEVER_REACHED_PROVIDER, STOPPED_WHILE_SENDING}


class OutboundSms(models.Model):
    """One SMS to send: the outbox row, written in the caller's transaction.

    ``status`` is a plain field, not a logged state machine: there will be
    millions of rows, and the row itself records attempts and errors.
    """

    to = models.CharField(_("to"), max_length=20)
    # Ids of the worker and agency the message is about. Plain integers, not
    # foreign keys: notifications comes before workers and agencies in the app
    # order, and the outbox list and the reports filter on them.
    worker_id = models.PositiveBigIntegerField(_("worker"), null=True, blank=True)
    agency_id = models.PositiveBigIntegerField(_("agency"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    template_key = models.CharField(_("event"), max_length=100)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    provider_id = models.CharField(_("provider message SID"), max_length=64, blank=True)
    segments = models.PositiveSmallIntegerField(_("segments"), default=1)
    encoding = models.CharField(_("encoding"), max_length=5, choices=SmsEncoding.choices, default=SmsEncoding.GSM7)
    # The opt-out confirmation is the one message a suppressed number still gets.
    ignores_suppression = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    # The failed or undelivered message a member of staff sent again as this one (one resend per message).
    # Indexed only where set (see Meta): a plain index would hold millions of empty entries.
    resend_of = models.ForeignKey(
        "self",
        verbose_name=_("sent again from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resends",
        db_index=False,
    )

    class Meta:
        verbose_name = _("outbound SMS")
        verbose_name_plural = _("outbound SMS")
        indexes = [
            # The drain looks only at rows waiting to go; a partial index stays small.
            models.Index(fields=["next_attempt_at", "id"], name="sms_waiting_idx", condition=models.Q(status="queued")),
            models.Index(fields=["to", "created_at"], name="sms_to_idx"),
            models.Index(fields=["provider_id"], name="sms_provider_idx"),
            models.Index(fields=["-created_at", "-id"], name="sms_newest_idx"),
            models.Index(fields=["status", "-created_at"], name="sms_status_idx"),
            models.Index(fields=["worker_id", "created_at"], name="sms_worker_idx"),
            models.Index(fields=["agency_id", "created_at"], name="sms_agency_idx"),
            models.Index(fields=["resend_of"], name="sms_resend_of_idx", condition=models.Q(resend_of__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"SMS {self.pk} to {self.to} ({self.status})"

    @property
    def last_error_shown(self) -> str:
        """``last_error`` in the reader's language when the system wrote it; the provider's text as it came."""
        if self.last_error.startswith(NOT_SENT):
            return gettext("not sent: %(reason)s") % {"reason": gettext(self.last_error.removeprefix(NOT_SENT))}
        if self.last_error in OWN_ERRORS:
            return gettext(self.last_error)
        return self.last_error


class SuppressionReason(models.TextChoices):
    OPTED_OUT = "opted_out", _("Opted out (STOP)")
    PERMANENT_FAILURE = "failed", _("Failed permanently")


class SuppressedNumber(models.Model):
    """A number that gets no SMS: it said STOP, or the provider refused it for good.

    Checked when a message is sent, not only when it is queued. A STOP is
    lifted by START; a permanent failure is lifted when the number is changed
    or staff clear it after fixing it.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    reason = models.CharField(_("reason"), max_length=12, choices=SuppressionReason.choices)
    # How it was recorded: "sms", "twilio-opt-out", "staff", "provider".
    source = models.CharField(_("recorded through"), max_length=20)
    note = models.CharField(_("note"), max_length=255, blank=True)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("suppressed number")
        verbose_name_plural = _("suppressed numbers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_reason_display()})"


class InboundSms(models.Model):
    """Every message a number sent us, with the reply we gave; stored before it is answered."""

    provider_id = models.CharField(_("provider message SID"), max_length=64, unique=True)
    from_number = models.CharField(_("from"), max_length=20)
    to_number = models.CharField(_("to"), max_length=20, blank=True)
    body = models.TextField(_("text"), blank=True)
    # The command word as understood ("STOP", "STATUS", ...), blank when none matched.
    command = models.CharField(_("command"), max_length=20, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    worker_id = models.PositiveBigIntegerField(_("worker"), null=True, blank=True)
    # Twilio Advanced Opt-Out adds OptOutType (STOP, START, HELP).
    opt_out_type = models.CharField(_("opt-out type"), max_length=10, blank=True)
    # The reply as an outbox row (sent in the TwiML answer, so it has no SID of its own), so that the worker's
    # conversation, the delivery rates and the reports count it like any other SMS.
    reply_sms = models.OneToOneField(
        OutboundSms,
        verbose_name=_("reply in the outbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replied_to",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="sms_in_newest_idx"),
            models.Index(fields=["from_number", "received_at"], name="sms_in_from_idx"),
            models.Index(fields=["worker_id", "received_at"], name="sms_in_worker_idx"),
        ]

    def __str__(self) -> str:
        return f"SMS {self.provider_id} from {self.from_number}"


class SmsThrottle(models.Model):
    """The shared count behind the messages-per-second limit, one row per provider.

    Every worker that sends takes its share of the current second from this
    row under a lock, so the limit holds across workers and machines.
    """

    name = models.CharField(max_length=40, primary_key=True)
    window_started_at = models.DateTimeField(default=timezone.now)
    sent_in_window = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.sent_in_window} since {self.window_started_at:%H:%M:%S}"
