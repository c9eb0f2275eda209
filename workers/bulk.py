"""Workers' part of ``seed_demo --scale N`` (core/bulk.py): 1,000 workers per unit, from all ten districts, and the
SMS the register sends them.

Two steps, because a worker's record must predate the first contract recruited for them, and only the contracts
loader knows when that was:

- ``plan`` (before the contracts) numbers the workers and gives each recruiting agency a pool of them, in proportion
  to its share (so agency links are as skewed as the agencies), with what the SMS need: language, consent, a phone;
- ``write`` (last: the server builds the contracts' indexes meanwhile, while Python makes the training's rows) writes
  the workers, registered a little before their first contract, with an open link to their agency, an ended link to
  an earlier agency for one in twenty, their history, and the numbers that said STOP.

Who they are: districts weighted by where Basotho migrants come from, two men for each woman, ages 20 to 60, national
IDs and passports unique (every recruited worker holds a passport; one in three of the others), a Lesotho mobile for
most and a South African one for the rest, Sesotho for most. Nine in ten agreed to SMS; a few later said STOP.

``WorkerSms`` writes the outbound SMS of the other loaders as ``tell_worker`` queues them and the drain leaves them:
only to workers who agreed at the time, in their language, with the template's text; finished ones with a status as
the provider reports it, recent ones still queued, sending or unconfirmed; older ones already emptied by the retention
job (text after ``retention.sms_text_days``, number after ``retention.sms_number_days``).
"""

from __future__ import annotations

import array
import datetime
import functools
import math
import re
from dataclasses import dataclass, field

from core import bulk
from core.bulk import BulkRun, Table, Weighted, moment, next_id
from core.choices import District
from notifications.models import NOT_SENT
from notifications.segments import GSM7_BASIC
from workers.extensions import WITHOUT_CONSENT

PER_UNIT = 1_000
UNLINKED_SHARE = 0.03  # registered at a labour office, no agency yet: never recruited
ENDED_LINK_SHARE = 0.05  # also recruited by an earlier agency, that link ended
FIRST_NATIONAL_SUFFIX = 10_000  # national IDs: birth date and a five-digit number; the demo's numbers are below this

# Where migrant workers come from: the lowlands most, the mountain districts less.
WORKER_DISTRICTS = {
    District.MASERU: 24, District.LERIBE: 16, District.BEREA: 12, District.MAFETENG: 10, District.MOHALES_HOEK: 10,
    District.QUTHING: 7, District.BUTHA_BUTHE: 6, District.THABA_TSEKA: 6, District.QACHAS_NEK: 4, District.MOKHOTLONG: 5,
}
DISTRICTS = list(WORKER_DISTRICTS)
MEN = ["Thabo", "Tšepo", "Mpho", "Teboho", "Bokang", "Motlatsi", "Kabelo", "Tumelo", "Sello", "Karabo", "Lehlohonolo",
       "Neo", "Tšeliso", "Khotso", "Mohau", "Thapelo", "Katleho", "Lerato", "Rethabile", "Pule", "Moeketsi", "Lebohang",
       "Nkopane", "Tankiso", "Mokete", "Tlotliso", "Retšelisitsoe", "Molefi", "Thabang", "Paballo"]
WOMEN = ["Lineo", "Palesa", "'Maseabata", "Lerato", "Nthabiseng", "Rethabile", "'Mamello", "Puleng", "Refiloe", "Dineo",
         "Lipuo", "Relebohile", "Matšeliso", "'Malerato", "Mamello", "Nthati", "'Mathabo", "Limpho", "Mpolokeng",
         "Keneuoe", "Liteboho", "Masechaba", "Nteboheleng", "Bohlokoa", "Tsepang", "Mosa"]
SURNAMES = ["Mokoena", "Mokhele", "Ramokoena", "Letsie", "Sekoati", "Mofokeng", "Nkuebe", "Mohapi", "Moloi", "Ntho",
            "Lebona", "Tau", "Makara", "Mothibeli", "Selebalo", "Phakoe", "Matsoso", "Ramone", "Lekhotla", "Khiba",
            "Molapo", "Seeiso", "Thamae", "Motanyane", "Ntsekhe", "Mahlaha", "Tlali", "Nthako", "Posholi", "Mosala",
            "Mokhothu", "Lerotholi", "Majara", "Mathaba", "Rakuoane", "Sello", "Thabane", "Mosisili", "Moshoeshoe"]
# Rarer surnames, made of syllables, so that a name search meets both common and uncommon names.
SYLLABLES = (["Mo", "Ma", "Le", "Ra", "Se", "Nt", "Kh", "Ph", "Th", "Ts", "Mak", "Mot", "Let", "Ram", "Sek", "Tl"],
             ["ko", "ha", "to", "le", "se", "li", "pu", "ne", "ka", "tla", "bo", "tso"],
             ["ena", "pi", "lo", "tsi", "ng", "ane", "tso", "ho", "li", "e", "la", "koe"])
VILLAGES = ["Ha Thetsane", "Ha Abia", "Ha Mokhathi", "Maputsoe", "Ha Sechele", "Likileng", "Ha Ramohapi", "Matelile",
            "Mekaling", "Ha Pshatla", "Mount Moorosi", "Sehlabathebe", "Ha Nkau", "Linakeng", "Ha Tlokotsi", "Mantšonyane",
            "Roma", "Mapoteng", "Pitseng", "Ha Mosalla", "Tele", "Sani", "Ha Sebelekoane", "Ha Ntho", "Peka", "Semonkong",
            "Morija", "Ha Matala", "Teyateyaneng", "Hlotse", "Ha Ramabanta", "Ketane", "Mashai", "Tsoelike", "Ha Makhalanyane"]

CONSENT_NEVER, CONSENT_YES, CONSENT_WITHDRAWS = 0, 1, 2
CONSENTS = {CONSENT_YES: 88, CONSENT_NEVER: 9, CONSENT_WITHDRAWS: 3}

WORKER_COLUMNS = ["id", "first_name", "last_name", "sex", "date_of_birth", "national_id", "passport_number",
                  "passport_expires_on", "district", "village", "mobile", "preferred_language", "sms_consent",
                  "consent_changed_at", "consent_method", "next_of_kin_name", "next_of_kin_phone", "created_at",
                  "created_by_id"]
LINK_COLUMNS = ["id", "agency_id", "worker_id", "started_at", "started_by_id", "ended_at", "ended_by_id", "end_reason"]
SUPPRESSED_COLUMNS = ["number", "reason", "source", "note", "error_code", "recorded_by_id", "created_at"]
SMS_COLUMNS = ["id", "to", "worker_id", "agency_id", "language", "template_key", "body", "status", "attempts", "last_error",
               "error_code", "provider_id", "segments", "encoding", "ignores_suppression", "created_at", "next_attempt_at",
               "claimed_at", "sent_at", "delivered_at", "status_changed_at"]
PLAIN = {"attempts": 1, "last_error": "", "error_code": "", "ignores_suppression": False}
# What sending writes on a message the consent guard stopped.
NO_CONSENT_NOTE = NOT_SENT + WITHOUT_CONSENT
ENDED = "The worker moved to another agency."


def can_reply(n: int) -> bool:
    """Whether worker ``n`` can text the ministry: only South African numbers can (notifications.commands.can_reply)."""
    return n % 7 == 3


def mobile(n: int) -> str:
    """Worker ``n``'s mobile: unique, valid, mostly Lesotho (+266 5… or 6…), one in seven South African (+27 82…)."""
    scrambled = (n * 7919 + 12345) % 10_000_000  # a bijection on 0 … 9,999,999: neighbours get unrelated numbers
    if can_reply(n):
        return f"+2782{scrambled:07d}"
    return f"+266{5 if n % 2 else 6}{scrambled:07d}"


@dataclass
class Workers:
    """The plan of the bulk workers, shared by the loaders: ids, pools, and what the SMS need, by worker index."""

    first_id: int
    count: int
    pools: list[tuple[int, int, int]]  # (agency id, first index, how many)
    language: bytearray  # 0 Sesotho, 1 English
    consent: bytearray  # CONSENT_*
    district: bytearray  # index in DISTRICTS
    # When each worker was first needed (a contract drafted, training booked), as a timestamp; 0 when never.
    first_needed: array.array
    # Workers who said STOP: worker index → when (set by WorkerSms at their last message).
    withdrew_at: dict[int, datetime.datetime] = field(default_factory=dict)

    def index(self, worker_id: int) -> int:
        return worker_id - self.first_id

    def needed(self, index: int, when: datetime.datetime) -> None:
        stamp = bulk.timestamp(when)
        if self.first_needed[index] == 0 or stamp < self.first_needed[index]:
            self.first_needed[index] = stamp


def plan(run: BulkRun) -> str:
    from workers.models import Worker

    rng = run.rng("workers.plan")
    count = PER_UNIT * run.units
    agencies = run.shared.get("agencies", [])
    linked = count - int(count * UNLINKED_SHARE) if agencies else 0
    sizes = bulk.spread(linked, [agency.share for agency in agencies]) if agencies else []
    pools, start = [], 0
    for agency, size in zip(agencies, sizes, strict=True):
        pools.append((agency.id, start, max(size, 0)))
        start += size
    languages, consents, districts = Weighted({0: 85, 1: 15}), Weighted(CONSENTS), Weighted(
        {index: weight for index, weight in enumerate(WORKER_DISTRICTS.values())})
    plan_ = Workers(
        first_id=next_id(Worker), count=count, pools=pools,
        language=bytearray(languages.draw(rng) for _ in range(count)),
        consent=bytearray(consents.draw(rng) for _ in range(count)),
        district=bytearray(districts.draw(rng) for _ in range(count)),
        first_needed=array.array("d", bytes(8 * count)),
    )
    run.shared["workers"] = plan_
    return f"{count:,} workers planned, {len(pools):,} agencies' pools (largest {max(sizes, default=0):,})"


def _surname(random) -> str:
    draw = random()
    if draw < 0.35:  # a few very common names
        return SURNAMES[min(int(1 / (1 - random()) ** 0.9) - 1, len(SURNAMES) - 1)]
    if draw < 0.7:
        return SURNAMES[int(random() * len(SURNAMES))]
    first, middle, last = SYLLABLES
    return first[int(random() * len(first))] + middle[int(random() * len(middle))] + last[int(random() * len(last))]


def write(run: BulkRun) -> str:
    """The worker rows, once the contracts and training say when each worker was first needed."""
    from notifications.models import SuppressedNumber
    from workers.models import AgencyWorker, Worker

    plan_: Workers = run.shared["workers"]
    random = run.rng("workers.write").random
    agencies = {agency.id: agency for agency in run.shared.get("agencies", [])}
    agency_ids = list(agencies)
    workers, links = Table(Worker, WORKER_COLUMNS), Table(AgencyWorker, LINK_COLUMNS)
    suppressed = Table(SuppressedNumber, SUPPRESSED_COLUMNS)
    first_link = next_id(AgencyWorker)
    link_id = first_link
    today, now = run.today, run.now
    latest = now - datetime.timedelta(hours=1)
    earliest = min((agency.recruits_from for agency in agencies.values()), default=now - datetime.timedelta(days=365))
    born_counts: dict[int, int] = {}
    born_texts: dict[int, tuple] = {}
    expiries = [today + datetime.timedelta(days=400 + days) for days in range(3000)]
    minute = datetime.timedelta(minutes=1)
    ended_links = 0
    agency_index = {agency_id: index for index, agency_id in enumerate(agency_ids)}
    agency_of = [0] * plan_.count
    for agency_id, first, size in plan_.pools:
        for index in range(first, first + size):
            agency_of[index] = agency_id
    districts, languages, consents = plan_.district, plan_.language, plan_.consent
    today_ordinal = today.toordinal()
    for index in range(plan_.count):
        worker_id = plan_.first_id + index
        needed = plan_.first_needed[index]
        agency_id = agency_of[index]
        first_contract = None
        if needed:
            first_contract = bulk.from_timestamp(needed)
            registered = first_contract - minute * int((3 + random() * 40) * 1440)
        else:
            start = agencies[agency_id].recruits_from if agency_id else earliest
            registered = start + datetime.timedelta(seconds=int(random() * max((now - start).total_seconds(), 3600) * 0.98))
        if registered > latest:
            registered = latest
        registered = registered.replace(microsecond=0)
        male = random() < 0.67
        names = MEN if male else WOMEN
        first_name = names[int(random() * len(names))]
        age_days = (20 + min(int(-11 * math.log(1 - random())), 40)) * 365 + int(random() * 365)
        born_ordinal = today_ordinal - age_days
        born = born_texts.get(born_ordinal)
        if born is None:
            day = datetime.date.fromordinal(born_ordinal)
            born = born_texts[born_ordinal] = (day, f"{day:%d%m%Y}")
        suffix = FIRST_NATIONAL_SUFFIX + born_counts.get(born_ordinal, 0)
        born_counts[born_ordinal] = suffix - FIRST_NATIONAL_SUFFIX + 1
        recruited = agency_id != 0
        passport = f"RB{index:07d}" if recruited or index % 3 == 0 else ""
        consent = consents[index]
        number = mobile(index)
        if consent == CONSENT_NEVER:
            agreed, changed, method = False, None, ""
        elif index in plan_.withdrew_at:
            withdrew = plan_.withdrew_at[index]
            agreed, changed, method = False, withdrew, "sms"
            suppressed.add((number, "opted_out", "sms", "", "", None, withdrew))
        else:
            agreed, changed, method = True, registered, "in_person" if index % 3 else "paper"
        last_name = _surname(random)
        workers.add((
            worker_id, first_name, last_name, "male" if male else "female", born[0], f"{born[1]}{suffix:05d}", passport,
            expiries[int(random() * 3000)] if passport else None, DISTRICTS[districts[index]],
            VILLAGES[int(random() * len(VILLAGES))], number, "en" if languages[index] else "st",
            agreed, changed, method, f"'Me {last_name}", "", registered, None,
        ))
        if recruited:
            linked = registered
            if random() < ENDED_LINK_SHARE and len(agency_ids) > 1:  # registered by another agency first
                other = agency_ids[(agency_index[agency_id] + 1 + int(random() * (len(agency_ids) - 1))) % len(agency_ids)]
                gap = ((first_contract or now) - registered) / 3
                links.add((link_id, other, worker_id, registered, None, registered + gap, None, ENDED))
                link_id += 1
                ended_links += 1
                linked = registered + 2 * gap
            links.add((link_id, agency_id, worker_id, linked, None, None, None, ""))
            link_id += 1
    for table in (workers, links, suppressed):
        table.flush()
    bulk.copy_history(Worker, plan_.first_id)  # (links get none: the worker's page shows them with their dates)
    return (f"{workers.count:,} workers, {links.count:,} agency links ({ended_links:,} ended), "
            f"{suppressed.count:,} numbers that said STOP")


def found() -> str:
    from workers.models import Worker

    count = Worker.objects.filter(passport_number__startswith="RB", national_id__regex=r"^[0-9]{8}[1-9][0-9]{4}$").count()
    return f"{count:,} bulk workers" if count else ""


# --- Their SMS --------------------------------------------------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
          "December"]
SHORT_MONTHS = [month[:3] for month in MONTHS]


@functools.lru_cache(maxsize=20_000)
def sms_day(day: datetime.date) -> str:
    """A date as the services put it in an SMS ("3 September 2025")."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def sms_moment(when: datetime.datetime) -> str:
    """A time as the training SMS put it ("3 Sep 2025 09:00"), in Maseru time (``when`` naive UTC)."""
    local = bulk.local_time(when)
    return f"{local.day} {SHORT_MONTHS[local.month - 1]} {local.year} {local:%H:%M}"


# What the provider reports of a finished message, and of one sent in the last days.
FINISHED = {"delivered": 870, "sent": 70, "undelivered": 40, "failed": 18, "unconfirmed": 2}
RECENT = {"delivered": 600, "sent": 200, "queued": 100, "sending": 30, "unconfirmed": 20, "undelivered": 35, "failed": 15}
RECENT_DAYS = 3
UNFINISHED = ("queued", "sending", "unconfirmed")
ERRORS = {"undelivered": [("30003", "Unreachable destination handset"), ("30005", "Unknown destination handset")],
          "failed": [("30008", "Unknown error"), ("21614", "The number is not a mobile number")],
          "unconfirmed": [("", "The provider did not answer in time; checked before any resend")],
          "queued": [("", "Timed out; tried again later")]}


class WorkerSms:
    """Outbound SMS to the bulk workers, written as the outbox would hold them (see the module's note)."""

    def __init__(self, run: BulkRun, name: str):
        from core.parameters import MissingParameter, parameter_value
        from notifications.models import OutboundSms, SmsTemplate

        self.run, self.now = run, run.now
        self.plan: Workers = run.shared["workers"]
        self.rng = run.rng(f"sms.{name}")
        self.table = Table(OutboundSms, SMS_COLUMNS)
        # Nine in ten left at the first attempt with nothing to report: those columns go in once (Table's ``same``).
        self.plain = Table(OutboundSms, [name for name in SMS_COLUMNS if name not in PLAIN],
                           same={name: value for name, value in PLAIN.items()})
        self.bodies = {(key, language): body for key, language, body in SmsTemplate.objects.values_list("key", "language",
                                                                                                       "body")}
        self.templates: dict[tuple, str] = {}
        self.finished, self.recent = Weighted(FINISHED), Weighted(RECENT)
        self.recent_since = self.now - datetime.timedelta(days=RECENT_DAYS)
        self.cutoffs = []
        for key in ("retention.sms_text_days", "retention.sms_number_days"):
            try:
                days = int(parameter_value(key, run.today))
            except MissingParameter:
                self.cutoffs.append(None)
            else:
                self.cutoffs.append(moment(run.today - datetime.timedelta(days=days), 0))
        # Without a period in force, nothing is emptied: a cutoff before every message.
        self.text_cutoff = self.cutoffs[0] or datetime.datetime.min
        self.number_cutoff = self.cutoffs[1] or datetime.datetime.min
        self.statuses: dict[str, int] = run.shared.setdefault("sms_statuses", {})
        if "sms_next_id" not in run.shared:
            run.shared["sms_next_id"] = next_id(OutboundSms)
        self.next_id = self.first_id = run.shared["sms_next_id"]

    def format_of(self, key: str, language: str, context: dict) -> str:
        """The template as a format string: Django renders it once per shape of context (which values are given),
        with markers where the values go; the markers then become ``{name}`` fields."""
        shape = (key, language, *[name for name, value in context.items() if value])
        found_ = self.templates.get(shape)
        if found_ is None:
            from django.template import Context, Template

            body = self.bodies.get((key, language)) or self.bodies.get((key, "en"))
            if body is None:
                raise bulk.BulkRefused(f"No SMS template {key!r}: run migrate first.")
            markers = {name: (f"\x01{name}\x02" if value else value) for name, value in context.items()}
            text = " ".join(Template(body).render(Context(markers, autoescape=False)).split())
            text = text.replace("{", "{{").replace("}", "}}")
            found_ = self.templates[shape] = re.sub(r"\x01(\w+)\x02", r"{\1}", text)
        return found_

    def send(self, index: int, key: str, when: datetime.datetime, context: dict, agency_id: int | None = None, *,
             may_stop: bool = True) -> bool:
        """Queue ``key`` to worker ``index`` at ``when`` (and settle it as it went); False when they get none.

        A worker who will say STOP does so just after one of the messages of the first loader (``may_stop``), so no
        message of a later loader, written out of time order, can fall after it."""
        plan_ = self.plan
        consent = plan_.consent[index]
        if consent == CONSENT_NEVER or when > self.now:
            return False
        status = None
        if consent == CONSENT_WITHDRAWS:
            stopped = plan_.withdrew_at.get(index)
            if stopped is not None and when >= stopped:
                return False
            if stopped is None and may_stop and self.rng.random() < 0.4:  # they said STOP just after this one was queued
                plan_.withdrew_at[index] = when + datetime.timedelta(minutes=1)
                status = "suppressed"
        language = "en" if plan_.language[index] else "st"
        body = self.format_of(key, language, context).format_map(context)
        self.add(mobile(index), plan_.first_id + index, agency_id, language, key, body, when, status)
        return True

    def add(self, to: str, worker_id: int | None, agency_id: int | None, language: str, key: str, body: str,
            when: datetime.datetime, status: str | None = None) -> int:
        """One outbox row; returns its id. Finished ones older than the retention periods have lost text and number."""
        rng, now = self.rng, self.now
        if status is None:
            if when >= self.recent_since:
                # The first recent messages take the statuses only recent ones can have, so each is in the outbox.
                status = next((name for name in UNFINISHED if name not in self.statuses), None) or self.recent.draw(rng)
            else:
                status = self.finished.draw(rng)
        if body.isascii():  # our texts hold none of GSM-7's two-septet characters ({ } [ ] ~ | ^ \\)
            segments, encoding = (1 if len(body) <= 160 else -(-len(body) // 153)), "GSM-7"
        elif set(_NON_ASCII.findall(body)) <= GSM7_BASIC:
            segments, encoding = (1 if len(body) <= 160 else -(-len(body) // 153)), "GSM-7"
        else:  # a character like "š" sends the whole text as UCS-2 (no character of ours needs two code units)
            segments, encoding = (1 if len(body) <= 70 else -(-len(body) // 67)), "UCS-2"
        sms_id = self.next_id
        self.next_id += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == "delivered" or status == "sent":  # nine in ten: the short way
            if when < self.text_cutoff:
                body = ""
                if when < self.number_cutoff:
                    to = ""
            sent = when + ONE_SECOND
            provider_id = f"SM{(sms_id * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**128:032x}"
            if status == "delivered":
                delivered = when + datetime.timedelta(seconds=5 + int(rng.random() * 600))
                if delivered > now:
                    delivered = now
                changed = delivered
            else:
                delivered, changed = None, sent
            self.plain.add((sms_id, to, worker_id, agency_id, language, key, body, status, provider_id, segments, encoding,
                            when, when, sent, sent, delivered, changed))
            return sms_id
        if status not in ("queued", "sending", "unconfirmed") and when < self.text_cutoff:
            body = ""
            if when < self.number_cutoff:
                to = ""
        attempts, error_code, last_error, provider_id = 1, "", "", ""
        claimed = sent = delivered = None
        next_attempt, changed = when, when + datetime.timedelta(seconds=2 + rng.randrange(30))
        if status in ERRORS:
            error_code, last_error = rng.choice(ERRORS[status])
        if status == "queued":  # tried once, the provider timed out; the drain tries again
            claimed = when
            next_attempt = max(when + datetime.timedelta(minutes=4), now + datetime.timedelta(minutes=rng.randrange(1, 60)))
        elif status == "sending":
            claimed = changed = max(when, now - datetime.timedelta(seconds=30))
        elif status == "suppressed":
            attempts, claimed, last_error = 0, changed, NO_CONSENT_NOTE
        elif status == "failed":
            attempts, claimed = 1 + rng.randrange(5), when + ONE_SECOND
        else:  # undelivered, unconfirmed: it left
            claimed = sent = when + ONE_SECOND
            provider_id = f"SM{(sms_id * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**128:032x}"
        if changed > now:
            changed = now
        self.table.add((sms_id, to, worker_id, agency_id, language, key, body, status, attempts, last_error, error_code,
                        provider_id, segments, encoding, False, when, next_attempt, claimed, sent, delivered, changed))
        return sms_id

    def flush(self) -> None:
        self.table.flush()
        self.plain.flush()
        self.run.shared["sms_next_id"] = self.next_id

    @property
    def count(self) -> int:
        return self.table.count + len(self.table.rows) + self.plain.count + len(self.plain.rows)


ONE_SECOND = datetime.timedelta(seconds=1)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


bulk.register(bulk.BulkLoader(name="workers.plan", load=plan, order=30, found=found))
bulk.register(bulk.BulkLoader(
    name="workers", load=write, order=80,
    tables=("workers.Worker", "workers.AgencyWorker", "workers.HistoricalWorker"),
))
