"""The registry of inbound SMS commands, and of who a number belongs to.

``notifications`` comes before every domain app, so it imports none of them:
each app plugs in here from its ``extensions`` module (agencies: VERIFY;
contracts: STATUS; inspections: COMPLAIN), and workers tells us whose
number wrote and hears when a number opts out or back in. STOP, START and
HELP are the notifications app's own (see ``notifications.inbound``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core.choices import Language

# A reply a worker can answer has to come from a number the provider lets reply:
# South African (+27) numbers can, Lesotho (+266) numbers cannot (Twilio's guidelines).
NO_REPLY_PREFIXES = ("+266",)


@dataclass(frozen=True)
class InboundContext:
    """What a command's handler is given: who wrote, what followed the command word, in which language to answer."""

    number: str
    text: str
    worker_id: int | None
    language: str
    # True when the number belongs to no registered worker (or to several): answer nothing personal.
    known: bool = False


class Reply(str):
    """A command's answer: the text, and the key of the SMS text it was made from (kept on the reply's outbox row).

    ``notifications.inbound.render_for`` makes these, so a handler that answers with it needs to do nothing more.
    """

    template_key: str = ""

    def __new__(cls, text: str, template_key: str = "") -> Reply:
        reply = super().__new__(cls, text)
        reply.template_key = template_key
        return reply


@dataclass(frozen=True)
class Command:
    name: str  # the English word, kept on the stored message ("VERIFY")
    words: tuple[str, ...]
    handler: Callable[[InboundContext], str]


@dataclass(frozen=True)
class NumberOwner:
    worker_id: int
    language: str


COMMANDS: dict[str, Command] = {}
# number (E.164) -> the one registered worker with that mobile, or None (nobody, or more than one).
NUMBER_RESOLVERS: list[Callable[[str], NumberOwner | None]] = []
# (number, opted_in, method, by) -> None; told inside the opt-out's transaction. Only writes to the database.
OPT_OUT_LISTENERS: list[Callable[..., None]] = []
# (user, worker_id) -> the worker's mobile in E.164 if the user may see the worker, else None.
WORKER_NUMBERS: list[Callable[[Any, int], str | None]] = []


def register_command(words: list[str] | tuple[str, ...], handler: Callable[[InboundContext], str], name: str = "") -> None:
    """Answer messages starting with any of ``words`` (case-insensitive; English and Sesotho) with ``handler``."""
    words = tuple(word.upper() for word in words)
    command = Command(name=(name or words[0]).upper(), words=words, handler=handler)
    for word in words:
        COMMANDS[word] = command


def register_number_resolver(resolver: Callable[[str], NumberOwner | None]) -> None:
    if resolver not in NUMBER_RESOLVERS:
        NUMBER_RESOLVERS.append(resolver)


def register_opt_out_listener(listener: Callable[..., None]) -> None:
    if listener not in OPT_OUT_LISTENERS:
        OPT_OUT_LISTENERS.append(listener)


def register_worker_number(lookup: Callable[[Any, int], str | None]) -> None:
    if lookup not in WORKER_NUMBERS:
        WORKER_NUMBERS.append(lookup)


def owner_of(number: str) -> NumberOwner | None:
    for resolver in NUMBER_RESOLVERS:
        owner = resolver(number)
        if owner is not None:
            return owner
    return None


def number_of_worker(user: Any, worker_id: int) -> str | None:
    for lookup in WORKER_NUMBERS:
        number = lookup(user, worker_id)
        if number:
            return number
    return None


def tell_opt_out_listeners(*, number: str, opted_in: bool, method: str, by: Any = None) -> None:
    for listener in OPT_OUT_LISTENERS:
        listener(number=number, opted_in=opted_in, method=method, by=by)


def split_command(body: str) -> tuple[Command | None, str]:
    """The command a message starts with (case-insensitive, punctuation after the word ignored) and the text after it."""
    parts = (body or "").strip().split(None, 1)
    if not parts:
        return None, ""
    word = parts[0].strip(".,!?:;").upper()
    return COMMANDS.get(word), parts[1].strip() if len(parts) > 1 else ""


def can_reply(number: str) -> bool:
    """Whether the provider passes on replies from this number (not from Lesotho's +266)."""
    return not str(number).startswith(NO_REPLY_PREFIXES)


def reply_hint_context(number: str) -> dict:
    """What every text needs to tell the worker how to answer: by SMS, or by calling the helpline."""
    return {"can_reply": can_reply(number), "helpline": settings.MINISTRY_HELPLINE}


def normalise_language(language: str | None) -> str:
    return language if language in Language.values else Language.SESOTHO


# --- Names the SMS screens show ---------------------------------------------------------------------------
# The outbox keeps plain agency and worker ids; the apps that own them say what they are called.

# () -> [(agency id, name)], ordered for a choice list (agencies are few: one query for the whole list).
AGENCY_DIRECTORIES: list[Callable[[], list[tuple[int, str]]]] = []
# (numbers) -> {number: [(worker id, name), ...]}: one query for a page of numbers.
NUMBER_DIRECTORIES: list[Callable[[list[str]], dict[str, list[tuple[int, str]]]]] = []


def register_agency_directory(directory: Callable[[], list[tuple[int, str]]]) -> None:
    if directory not in AGENCY_DIRECTORIES:
        AGENCY_DIRECTORIES.append(directory)


def register_number_directory(directory: Callable[[list[str]], dict[str, list[tuple[int, str]]]]) -> None:
    if directory not in NUMBER_DIRECTORIES:
        NUMBER_DIRECTORIES.append(directory)


def agency_choices() -> list[tuple[int, str]]:
    return [pair for directory in AGENCY_DIRECTORIES for pair in directory()]


def workers_of_numbers(numbers: list[str]) -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    if not numbers:
        return found
    for directory in NUMBER_DIRECTORIES:
        for number, workers in directory(numbers).items():
            found.setdefault(number, []).extend(workers)
    return found
