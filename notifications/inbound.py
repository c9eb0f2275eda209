"""Messages workers send us, and the opt-out and opt-in they (or staff on their behalf) record.

Every inbound message is stored before anything else happens, and answered
once: the same provider message twice gets the stored reply and changes
nothing. STOP, START and HELP are this app's own; the other commands come
from the registry in ``notifications.commands``.

A number that said STOP gets nothing but the confirmation; START lifts that.
The same two services serve staff who record an opt-out said at a training
session or on the phone, since +266 numbers cannot reply by SMS at all.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import access
from core.choices import Language
from notifications import commands
from notifications.commands import InboundContext, Reply
from notifications.models import InboundSms, SuppressedNumber, SuppressionReason
from notifications.services import (
    InvalidSmsNumber,
    UnknownSmsTemplate,
    _Renderer,
    normalise_number,
    notify,
    record_reply_sent,
)

logger = logging.getLogger(__name__)

# Twilio Advanced Opt-Out's OptOutType values.
OPT_OUT_TYPES = ("STOP", "START", "HELP")
STOP_WORDS = ("STOP", "EMA", "EMISA", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "STOPALL")
START_WORDS = ("START", "QALA", "UNSTOP", "YES")
HELP_WORDS = ("HELP", "THUSO", "INFO")

# Texts the inbound handling answers with (seeded by notifications/migrations/0005_command_texts).
STOPPED = "sms.stopped"
STARTED = "sms.started"
HELP = "sms.help"
# What a stored message's "command" says when no command word matched.
NO_COMMAND = ""
# The event of a reply's outbox row when its handler composed the text itself rather than from an SMS text.
REPLY_WITHOUT_TEXT_KEY = "sms.reply"
# How staff say the worker told them (the workers app's consent methods, by value).
STAFF_METHODS = ("in_person", "paper")


# --- Texts ------------------------------------------------------------------------------------------------


def render_text(key: str, language: str, context: dict | None = None) -> str:
    """One SMS text in the given language, rendered the way notify renders it (English when the language is missing)."""
    try:
        return _Renderer(key).render(language, context or {})[1]
    except UnknownSmsTemplate:
        logger.error("SMS text %s is missing; answering with nothing", key)
        return ""


def render_for(context: InboundContext, key: str, values: dict | None = None) -> Reply:
    """A reply in the worker's language, or in both languages (Sesotho first) to a number we do not know."""
    values = commands.reply_hint_context(context.number) | (values or {})
    if context.known:
        return Reply(render_text(key, context.language, values), key)
    texts = [render_text(key, Language.SESOTHO, values), render_text(key, Language.ENGLISH, values)]
    return Reply(" / ".join(dict.fromkeys(text for text in texts if text)), key)


def help_text(context: InboundContext) -> str:
    return render_for(context, HELP)


# --- Opting out and back in -----------------------------------------------------------------------------------


def _number(number: Any) -> str:
    """E.164 for a phone number; what the provider sent, stripped, when it is not one (a short code, say)."""
    try:
        return normalise_number(number)
    except InvalidSmsNumber:
        return str(number or "").strip()[:20]


def record_opt_out(
    *,
    number: Any,
    by: Any = None,
    source: str = "staff",
    method: str = "in_person",
    note: str = "",
    worker_id: int | None = None,
    language: str = Language.SESOTHO,
    confirm: bool = True,
) -> SuppressedNumber:
    """The number wants no more SMS: suppress it, withdraw the consent of the workers on it, confirm once.

    ``by`` is the member of staff who heard it (None when the number itself said STOP). The
    confirmation is the one message a suppressed number still gets; a STOP by SMS is confirmed by
    the webhook's reply instead, so the SMS path passes ``confirm=False``.
    """
    if by is not None:
        access.check(by, "sms.manage")
    number = _number(number)
    if not number:
        raise InvalidSmsNumber("No number")
    with transaction.atomic():
        suppressed = SuppressedNumber.objects.select_for_update().filter(number=number).first() or SuppressedNumber(number=number)
        suppressed.reason = SuppressionReason.OPTED_OUT
        suppressed.source = source
        suppressed.note = note[:255]
        suppressed.error_code = ""
        suppressed.recorded_by = by
        suppressed._change_reason = "opted out"
        suppressed.save()
        commands.tell_opt_out_listeners(number=number, opted_in=False, method=method, by=by)
        if confirm:
            try:
                # Queued after the number was suppressed: the one message that still goes to it.
                notify(
                    to=number,
                    template=STOPPED,
                    language=language,
                    context=commands.reply_hint_context(number),
                    worker_id=worker_id,
                    ignores_suppression=True,
                )
            except InvalidSmsNumber:
                pass
    return suppressed


def lift_opt_out(number: str) -> bool:
    """Remove the number's opt-out (never a permanent failure); returns whether there was one.

    Called by record_opt_in and by the workers app when staff record a worker's consent, so that
    a worker who said STOP and later agrees again in person is not still silently suppressed.
    """
    lifted = False
    for suppressed in SuppressedNumber.objects.select_for_update().filter(number=number, reason=SuppressionReason.OPTED_OUT):
        suppressed._change_reason = "opted back in"
        suppressed.delete()
        lifted = True
    return lifted


def record_opt_in(
    *,
    number: Any,
    by: Any = None,
    method: str = "in_person",
    worker_id: int | None = None,
    language: str = Language.SESOTHO,
    confirm: bool = True,
) -> bool:
    """The number wants SMS again: lift its opt-out and record the workers' consent. Returns whether an opt-out was lifted.

    A number suppressed because it failed stays suppressed: START does not mend a broken number.
    """
    if by is not None:
        access.check(by, "sms.manage")
    number = _number(number)
    if not number:
        raise InvalidSmsNumber("No number")
    with transaction.atomic():
        lifted = lift_opt_out(number)
        commands.tell_opt_out_listeners(number=number, opted_in=True, method=method, by=by)
        if confirm:
            try:
                notify(
                    to=number,
                    template=STARTED,
                    language=language,
                    context=commands.reply_hint_context(number),
                    worker_id=worker_id,
                )
            except InvalidSmsNumber:
                pass
    return lifted


def clear_failed_number(*, by: Any, suppressed_id: int) -> str:
    """Staff fixed the number (or confirmed it works): SMS may go to it again. Returns the number."""
    access.check(by, "sms.manage")
    with transaction.atomic():
        suppressed = (
            SuppressedNumber.objects.select_for_update()
            .filter(pk=suppressed_id, reason=SuppressionReason.PERMANENT_FAILURE)
            .first()
        )
        if suppressed is None:
            from django.core.exceptions import ValidationError

            raise ValidationError(_("This number is no longer marked as failed."))
        number = suppressed.number
        suppressed._change_reason = "number fixed"
        suppressed.delete()
    return number


# --- Inbound messages --------------------------------------------------------------------------------------------


def _stop(context: InboundContext, source: str) -> str:
    record_opt_out(number=context.number, source=source, method="sms", confirm=False)
    return render_for(context, STOPPED)


def _start(context: InboundContext) -> str:
    record_opt_in(number=context.number, method="sms", confirm=False)
    return render_for(context, STARTED)


def _dispatch(message: InboundSms, owner: commands.NumberOwner | None) -> tuple[str, str]:
    """(command, reply) for a stored message. Runs inside the caller's transaction."""
    context = InboundContext(
        number=message.from_number,
        text="",
        worker_id=owner.worker_id if owner else None,
        language=commands.normalise_language(owner.language) if owner else Language.SESOTHO,
        known=owner is not None,
    )
    opt_out_type = message.opt_out_type.upper()
    # Twilio's Advanced Opt-Out has already decided what the message was: honour it whatever the words.
    if opt_out_type == "STOP":
        return "STOP", _stop(context, "twilio-opt-out")
    if opt_out_type == "START":
        return "START", _start(context)
    if opt_out_type == "HELP":
        return "HELP", help_text(context)

    parts = message.body.strip().split(None, 1)
    word = parts[0].strip(".,!?:;").upper() if parts else ""
    if word in STOP_WORDS:
        return "STOP", _stop(context, "sms")
    if word in START_WORDS:
        return "START", _start(context)
    if word in HELP_WORDS:
        return "HELP", help_text(context)
    command, rest = commands.split_command(message.body)
    if command is None:
        return NO_COMMAND, help_text(context)
    try:
        # A savepoint: a command that fails leaves nothing half-done, and the worker still gets an answer.
        with transaction.atomic():
            reply = command.handler(
                InboundContext(
                    number=context.number,
                    text=rest,
                    worker_id=context.worker_id,
                    language=context.language,
                    known=context.known,
                )
            )
    except Exception:
        logger.exception("SMS command %s from %s failed", command.name, message.from_number)
        reply = help_text(context)
    return command.name, reply or help_text(context)


def receive(*, provider_id: str, from_number: str, to_number: str = "", body: str = "", opt_out_type: str = "") -> str:
    """Store an inbound message (once per provider id), handle it once, and return the reply to give.

    The message is committed before it is handled, so a failure in handling loses nothing; a second
    delivery of the same message answers the stored reply, or handles it if the first attempt failed.
    """
    from_number = _number(from_number)
    try:
        with transaction.atomic():
            InboundSms.objects.get_or_create(
                provider_id=provider_id[:64],
                defaults={
                    "from_number": from_number,
                    "to_number": str(to_number or "")[:20],
                    "body": body,
                    "opt_out_type": str(opt_out_type or "")[:10],
                },
            )
    except IntegrityError:
        pass  # the same message arriving twice at once: the other request stored it
    with transaction.atomic():
        message = InboundSms.objects.select_for_update().get(provider_id=provider_id[:64])
        if message.reply or message.command:
            return message.reply
        owner = commands.owner_of(message.from_number)
        message.command, reply = _dispatch(message, owner)
        message.reply = str(reply)
        message.worker_id = owner.worker_id if owner else None
        if message.reply:
            # The reply goes back in the TwiML answer, not through the outbox; its row records that it was sent.
            message.reply_sms = record_reply_sent(
                to=message.from_number,
                body=message.reply,
                template_key=getattr(reply, "template_key", "") or REPLY_WITHOUT_TEXT_KEY,
                language=commands.normalise_language(owner.language) if owner else Language.SESOTHO,
                worker_id=message.worker_id,
                ignores_suppression=getattr(reply, "template_key", "") == STOPPED,
            )
        message.save(update_fields=["command", "reply", "worker_id", "reply_sms"])
    return message.reply
