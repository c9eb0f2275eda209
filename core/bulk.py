"""Bulk demo data at scale: the machinery behind ``seed_demo --scale N`` that every app's bulk loader shares.

``--scale 1`` is the plain demo (the apps' stories, told through their services). ``--scale N`` with N ≥ 2 then adds
N units of bulk data, written straight into the tables: COPY on PostgreSQL, batched INSERTs elsewhere. One unit
is one agency, 1,000 workers, 2,000 contracts and 10,000 outbound SMS, with the job orders, training, audits and
complaints that go with them (each app's ``bulk.py`` says what it adds per unit), so ``--scale 1000`` is the full data
set of the issue: 1,000 agencies, a million workers, two million contracts, ten million SMS.

Each app's part is a ``BulkLoader`` registered by its ``bulk`` module (found like admin modules, so no app's
extensions need to know); ``load`` runs them in their order inside one transaction: all or nothing. While the rows go
in, the plain indexes of the big tables are set aside (one CREATE INDEX is much faster than millions of insertions)
and built again as soon as the last loader that writes a table is done; on PostgreSQL the foreign-key triggers are off
for these rows (consistent by construction; millions of queued checks would take most of the time). Then ANALYZE, so
the planner knows the new sizes.

Speed, for the full data set in minutes on two cores: on PostgreSQL, the statements go to the server from a second
thread (``_Pipe``), so that the server takes in one batch (and builds indexes) while Python makes the next; the
loaders keep times as naive UTC date-times (``moment``, ``BulkRun.now``), cheap to compare and to write, and a
``Table`` hands its rows to binary COPY, where psycopg's C code writes each value in its column's binary form.

A loader gets a ``BulkRun``: the scale, one "now" for the whole run, a random generator per loader (the same data
every run), one transition log for all, and ``shared``, where an earlier loader leaves what a later one builds on (the
agencies and their shares, the workers' pools). Loaders of later apps read what earlier ones left; no import ever
points back.
"""

from __future__ import annotations

import base64
import bisect
import collections
import contextlib
import datetime
import functools
import gc
import itertools
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

SEED = 2026
BATCH = 20_000
# Above this, SQLite is refused: there the rows go through the ORM (some tens of thousands a second); PostgreSQL's
# COPY is what the full data set needs.
SQLITE_MAX_SCALE = 20
UTC = datetime.UTC


@dataclass(frozen=True)
class BulkLoader:
    """An app's part of ``seed_demo --scale N``: ``load(run)`` writes its rows in bulk and returns a one-line summary.

    ``tables`` are the labels ("app.Model") of the big tables it fills, whose indexes are set aside until the last
    loader that names a table is done (so a loader names every big table it writes to, the transition log and the
    outbox too);
    ``found()`` says what bulk rows of an earlier run are there ("" when none), so that a second run adds nothing."""

    name: str
    load: Callable[[BulkRun], str]
    order: int = 100
    tables: tuple[str, ...] = ()
    found: Callable[[], str] = field(default=lambda: "")
    # Indexes kept up while loading, by table label: those whose definition names one of the words. Worth it only for
    # an index that few rows enter (a partial one): building it afterwards reads the whole table again, while keeping
    # up an index every row enters costs the server more than one sort (with its eight indexes kept up, the transition
    # log's COPY took 170 s of the full data set's load; without them 35 s, and building them afterwards 45 s).
    keep: dict[str, tuple[str, ...]] = field(default_factory=dict)


LOADERS: list[BulkLoader] = []


def register(loader: BulkLoader) -> None:
    if all(existing.name != loader.name for existing in LOADERS):
        LOADERS.append(loader)
        LOADERS.sort(key=lambda entry: entry.order)


def loaders() -> list[BulkLoader]:
    """Every app's loader, in order: importing each app's ``bulk`` module registers it."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("bulk")
    return list(LOADERS)


class BulkRefused(Exception):
    """The bulk data cannot be loaded here; the message says why and what to do."""


@dataclass
class BulkRun:
    scale: int
    now: datetime.datetime  # naive UTC, like every time the loaders handle
    shared: dict = field(default_factory=dict)
    _log: TransitionLog | None = None

    @property
    def units(self) -> int:
        return self.scale

    @property
    def today(self) -> datetime.date:
        return local_date(self.now)

    @property
    def log(self) -> TransitionLog:
        """The transition log every loader writes to (one id sequence)."""
        if self._log is None:
            self._log = TransitionLog()
        return self._log

    def rng(self, name: str) -> random.Random:
        """A generator of its own per loader, so one loader's changes do not reshuffle another's data."""
        return random.Random(f"{SEED}:{name}:{self.scale}")


# --- Times: naive UTC inside the loaders --------------------------------------------------------------------------------


def _maseru():
    from django.utils import timezone

    return timezone.get_default_timezone()


@functools.lru_cache(maxsize=100_000)
def moment(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """``hour``:``minute`` of ``day`` in Maseru, as naive UTC."""
    local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=_maseru())
    return local.astimezone(UTC).replace(tzinfo=None)


def naive(value: datetime.datetime) -> datetime.datetime:
    """An aware date-time (from the ORM) as the loaders keep times: naive UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def local_date(value: datetime.datetime) -> datetime.date:
    """The Maseru date of a naive UTC time."""
    return value.replace(tzinfo=UTC).astimezone(_maseru()).date()


def local_time(value: datetime.datetime) -> datetime.datetime:
    return value.replace(tzinfo=UTC).astimezone(_maseru())


_EPOCH = datetime.datetime(1970, 1, 1)


def timestamp(value: datetime.datetime) -> float:
    """Seconds since 1970 of a naive UTC time (compact, for arrays of millions)."""
    return (value - _EPOCH).total_seconds()


def from_timestamp(stamp: float) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(seconds=int(stamp))  # to the second (int: twice as fast as replace())


# --- Choosing ---------------------------------------------------------------------------------------------------------


class Weighted:
    """Draws from ``{value: weight}`` quickly (bisect on the cumulative weights), for millions of draws."""

    def __init__(self, weights: dict | Sequence[tuple[Any, float]]):
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self.values = [value for value, _weight in pairs]
        self.cumulative = list(itertools.accumulate(weight for _value, weight in pairs))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def skewed_shares(count: int, *, flatness: float = 5.0) -> list[float]:
    """``count`` shares that sum to 1, largest first: a few big, many small (share of rank r ∝ 1 / (r + flatness))."""
    weights = [1 / (rank + flatness) for rank in range(count)]
    total = sum(weights)
    return [weight / total for weight in weights]


def spread(total: int, shares: Sequence[float]) -> list[int]:
    """``total`` split by ``shares`` into whole numbers that add up to ``total`` exactly (largest remainders)."""
    exact = [total * share for share in shares]
    counts = [int(value) for value in exact]
    short = total - sum(counts)
    for index in sorted(range(len(shares)), key=lambda i: counts[i] - exact[i])[:short]:
        counts[index] += 1
    return counts


def token(rng: random.Random) -> str:
    """An unguessable public token (as ``secrets.token_urlsafe(18)`` makes), from the run's generator."""
    return base64.urlsafe_b64encode(rng.getrandbits(144).to_bytes(18, "big")).decode()


# --- The statements, sent from a second thread on PostgreSQL -------------------------------------------------------------


class _Pipe:
    """Runs COPY and other statements on the same connection (and transaction) from a second thread, so the server
    works while Python makes the next batch.

    Rows and the statements that follow them (history copies, sequences) run in the order sent; at most
    ``ROWS_AHEAD`` rows wait (Python can go on while the server builds a big index, but never runs far ahead
    of it, nor fills the memory). Index builds of finished tables wait on a
    second list, run when nothing else is waiting: the server builds them while Python makes rows. A query of the
    loading thread (through Django) goes between two of the writer's statements: it waits for the one running, not
    for the whole queue. The first error stops the writer and is raised in the loading thread."""

    ROWS_AHEAD = 200_000  # about 200 MB of tuples
    GRACE = 2.0  # seconds after a query of the loading thread before the writer starts a statement

    def __init__(self):
        connection.ensure_connection()
        self.raw = connection.connection
        self.ordered: collections.deque = collections.deque()
        self.background: collections.deque = collections.deque()
        self.waiting_rows = 0
        self.turn = threading.Condition()
        self.writing = False
        self.asking = 0  # queries of the loading thread waiting for their turn
        self.pending = 0  # statements sent and not yet run
        self.closing = False
        self.last_query = 0.0
        self.error: BaseException | None = None
        self.timings: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
        self.thread.start()

    def _next(self):
        with self.turn:
            while True:
                self.turn.wait_for(lambda: (self.ordered or self.background or self.closing) and not self.asking)
                # The loading thread's queries come in runs (a loader's start): let a run finish before a long statement.
                pause = self.last_query + self.GRACE - time.monotonic()
                if pause <= 0 or self.closing:
                    break
                self.turn.wait(pause)
            if not self.ordered and not self.background:
                return None
            item = self.ordered.popleft() if self.ordered else self.background.popleft()
            self.writing = True
            return item

    def _run(self) -> None:
        while (item := self._next()) is not None:
            kind, statement, payload = item
            began = time.perf_counter()
            try:
                if self.error is None:
                    with self.raw.cursor() as cursor:
                        if kind == "copy":
                            _copy_rows(cursor, *statement, payload)
                        else:
                            cursor.execute(statement, payload)
            except BaseException as error:  # raised in the loading thread at its next call
                self.error = error
            finally:
                self._count(statement[0].split("(")[0][:60] if kind == "copy" else statement[:40], began)
                with self.turn:
                    if kind == "copy":
                        self.waiting_rows -= len(payload)
                    self.writing = False
                    self.pending -= 1
                    self.turn.notify_all()

    def query(self, execute, sql, params, many, context):
        """Django's execute wrapper for the loading thread: wait for the writer's statement to end, then go first."""
        began = time.perf_counter()
        with self.turn:
            self.asking += 1
            self.turn.wait_for(lambda: not self.writing)
            self._count("(loading thread waits for a query's turn)", began)
        try:
            return execute(sql, params, many, context)
        finally:
            with self.turn:
                self.asking -= 1
                self.last_query = time.monotonic()
                self.turn.notify_all()

    def send(self, kind: str, statement, payload, *, background: bool = False) -> None:
        self.check()
        began = time.perf_counter()
        with self.turn:
            if kind == "copy":
                self.turn.wait_for(lambda: self.waiting_rows < self.ROWS_AHEAD or self.error is not None)
                self._count("(loading thread waits for room)", began)
                self.waiting_rows += len(payload)
            (self.background if background else self.ordered).append((kind, statement, payload))
            self.pending += 1
            self.turn.notify_all()

    def drain(self) -> None:
        began = time.perf_counter()
        with self.turn:
            self.turn.wait_for(lambda: self.pending == 0 or self.error is not None)
            self._count("(loading thread waits for everything sent)", began)
        self.check()

    def _count(self, key: str, began: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - began

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        with self.turn:
            self.closing = True
            self.ordered.clear()  # after an error nothing more runs; after success nothing is left
            self.background.clear()
            self.turn.notify_all()
        self.thread.join()


_pipe: _Pipe | None = None


def execute(statement: str, params: Sequence = (), *, background: bool = False) -> None:
    """Run ``statement`` after everything sent before it (on PostgreSQL, in the writer thread); ``background``: when
    the writer has nothing else to do (an index of a table that is complete)."""
    if _pipe is not None:
        _pipe.send("sql", statement, list(params), background=background)
        return
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def drain() -> None:
    """Wait until every statement sent has run: needed before reading what the load wrote."""
    if _pipe is not None:
        _pipe.drain()


# --- Writing many rows ------------------------------------------------------------------------------------------------


def _sqlite_adapter(model_field) -> Callable[[Any], Any]:
    """A column's values as SQLite stores them through Django: date-times as UTC text, dates as ISO text, booleans as
    integers, decimals as text, JSON as the text ``json_value`` gives."""
    if isinstance(model_field, models.DateTimeField):
        return lambda value: None if value is None else str(naive(value))
    if isinstance(model_field, models.DateField):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(model_field, models.BooleanField):
        return lambda value: None if value is None else int(value)
    if isinstance(model_field, models.DecimalField):
        return lambda value: None if value is None else str(value)
    return lambda value: value


def _plain(value) -> str:
    """A value as PostgreSQL reads it from text, for a quoted literal (a column's default while a table loads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, Decimal)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return naive(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    from psycopg.adapt import Transformer  # anything else psycopg adapts (a JSON default): its own text dump

    return bytes(Transformer().get_dumper(value, "t").dump(value)).decode()


def _copy_type(model_field) -> str:
    """The PostgreSQL type a column's values go as in binary COPY: the server casts nothing, so psycopg must send each
    value in its column's own binary form. (Its C code cuts an integer too big for an ``integer`` column down without a
    word; the loaders' ids and counts stay far below 2**31.)"""
    if isinstance(model_field, models.DateTimeField):
        # The loaders' times are naive UTC: sent as ``timestamp``, whose binary form (microseconds since 2000) is that of
        # ``timestamp with time zone`` read as UTC. An aware date-time is refused (psycopg cannot subtract it).
        return "timestamp"
    return model_field.db_type(connection).split("(")[0].strip()  # "varchar(20)" → "varchar"


def _copy_rows(cursor, statement: str, types: Sequence[str], rows: Iterable[tuple]) -> None:
    """Rows into a table by binary COPY: psycopg's C code turns each value into its binary form, several times faster
    than making COPY text in Python, and the server has no text to parse (dates, numbers) either."""
    with cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


class Table:
    """Rows of one model, given as tuples of ``columns`` (attnames), written ``BATCH`` at a time.

    The values are str, int, Decimal, date, bool or None, JSON as text (``json_value``), and date-times naive UTC. A
    column left out gets the field's default, worked out once, so no unique column may be left out (the primary key
    may: its sequence numbers the rows). On PostgreSQL with binary COPY (``_copy_rows``); elsewhere with one
    executemany per batch."""

    # Every model a Table wrote rows of in this load: ``load`` moves their id sequences past the rows, and ``next_id``
    # waits for them to be in.
    written: set[type[models.Model]] = set()
    # Tables with a column default to take away at the end (``same``).
    unfinished: list[Table] = []

    def __init__(self, model: type[models.Model], columns: Sequence[str], batch: int = BATCH, *,
                 same: dict[str, Any] | None = None):
        """``same``: columns (attname → value, JSON as text) that hold one value in every row of this table; the columns
        not given at all hold their field's default. On PostgreSQL such a value becomes the column's default while the
        table loads (``finish`` takes it away) and stays out of COPY, so the server reads it once, not once a row: for a
        big JSON value, most of the cost of COPY."""
        self.model, self.columns, self.batch = model, list(columns), batch
        self.rows: list[tuple] = []
        self.count = 0
        self.postgresql = connection.vendor == "postgresql"
        fields = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
        unknown = (set(self.columns) | set(same or {})) - set(fields)
        if unknown:
            raise ValueError(f"{model._meta.label} has no columns {sorted(unknown)}")
        # One value for every row: the ``same`` ones, and the field's default for every other column not given (but the
        # primary key, which its sequence numbers).
        constants = {name: model_field.get_db_prep_save(model_field.get_default(), connection)
                     for name, model_field in fields.items() if name not in self.columns and not model_field.primary_key}
        constants.update(same or {})
        quote = connection.ops.quote_name
        names = [quote(fields[name].column) for name in self.columns]
        per_row = []  # constants sent with each row
        per_row_fields = []
        self.defaults_set = []
        for name, value in constants.items():
            model_field = fields[name]
            kept_default = model_field.db_default is not models.NOT_PROVIDED
            if not self.postgresql or kept_default:
                names.append(quote(model_field.column))
                per_row.append(value)
                per_row_fields.append(model_field)
            elif value is not None:  # (left out, a column without a default is NULL)
                column = f"ALTER TABLE {quote(model._meta.db_table)} ALTER COLUMN {quote(model_field.column)}"
                execute(f"{column} SET DEFAULT '{_plain(value).replace(chr(39), chr(39) * 2)}'")
                self.defaults_set.append(f"{column} DROP DEFAULT")
        if self.defaults_set:
            Table.unfinished.append(self)
        if self.postgresql:
            self.statement = f"COPY {quote(model._meta.db_table)} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
            self.types = [_copy_type(model_field) for model_field in [*(fields[name] for name in self.columns),
                                                                      *per_row_fields]]
            self.rest = tuple(per_row)
            # JSON comes as text: psycopg sends it as it is (``dumps=str``), with jsonb's binary header.
            self.json = [index for index, name in enumerate(self.columns) if isinstance(fields[name], models.JSONField)]
        else:  # one executemany of plain values, as the ORM would store them
            self.statement = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)}) "
                              f"VALUES ({', '.join(['%s'] * len(names))})")
            # The fields' defaults are ready for the database already (get_db_prep_save); the ``same`` values are not.
            self.rest_values = tuple(_sqlite_adapter(fields[name])(value) if name in (same or {}) else value
                                     for name, value in zip(constants, per_row, strict=True))
            self.adapt = [_sqlite_adapter(fields[name]) for name in self.columns]

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def finish(self) -> None:
        """The last rows, and the columns' own defaults back."""
        self.flush()
        for statement in self.defaults_set:
            execute(statement)
        self.defaults_set = []

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        self.count += len(rows)
        Table.written.add(self.model)
        if not self.postgresql:
            adapt, rest = self.adapt, self.rest_values
            values = [tuple([convert(value) for convert, value in zip(adapt, row, strict=True)]) + rest for row in rows]
            with connection.cursor() as cursor:
                cursor.executemany(self.statement, values)
            return
        if self.json or self.rest:
            rows = [self._complete(row) for row in rows]
        if _pipe is not None:
            _pipe.send("copy", (self.statement, self.types), rows)
        else:
            with connection.cursor() as cursor:
                _copy_rows(cursor, self.statement, self.types, rows)

    def _complete(self, row: tuple) -> tuple:
        if self.json:
            from psycopg.types.json import Jsonb

            row = list(row)
            for index in self.json:
                if row[index] is not None:
                    row[index] = Jsonb(row[index], dumps=str)
            row = tuple(row)
        return row + self.rest


def json_value(value) -> str:
    """A JSON field's value as a Table takes it: its text."""
    import json

    return json.dumps(value)


def next_id(model: type[models.Model]) -> int:
    """The first free primary key: bulk rows are numbered here, so that related rows can point at them at once."""
    if model in Table.written:  # rows of it may still be on their way
        drain()
    top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return (top or 0) + 1


def reset_sequences(model_list: Iterable[type[models.Model]]) -> None:
    """Move the id sequences past the rows written with explicit ids (PostgreSQL; SQLite needs nothing)."""
    from django.core.management.color import no_style

    for statement in connection.ops.sequence_reset_sql(no_style(), list(model_list)):
        execute(statement)


class Numbers:
    """Reference numbers ``PREFIX-year-sequence`` (core/numbers.py's format), continuing after the highest taken.

    The services number "highest plus one", so a record created after the load follows on without a clash."""

    def __init__(self, model: type[models.Model], field_name: str, prefix: str, width: int):
        self.model, self.field_name, self.prefix, self.width = model, field_name, prefix, width
        # The numbers taken before the load (the plain demo's, a few), read at once: no query while rows are made.
        self.last: dict[int, int] = {}
        for number in model._default_manager.filter(**{f"{field_name}__startswith": f"{prefix}-"}).values_list(
                field_name, flat=True).iterator():
            _prefix, year, sequence = number.rsplit("-", 2)
            if year.isdigit() and sequence.isdigit():
                self.last[int(year)] = max(self.last.get(int(year), 0), int(sequence))

    def next(self, year: int) -> str:
        self.last[year] = self.last.get(year, 0) + 1
        if self.last[year] >= 10**self.width:
            raise BulkRefused(f"More than {10**self.width - 1:,} {self.prefix} numbers in {year}: the scale is too large.")
        return f"{self.prefix}-{year}-{self.last[year]:0{self.width}d}"


class TransitionLog:
    """Rows of django-fsm-log's transition log, as a transition writes them (who, when, from, to, which, why)."""

    COLUMNS = ["id", "timestamp", "by_id", "source_state", "state", "transition", "content_type_id", "object_id",
               "description"]

    def __init__(self):
        from django.contrib.contenttypes.models import ContentType
        from django_fsm_log.models import StateLog

        self.table = Table(StateLog, self.COLUMNS)
        self.next = next_id(StateLog)
        self.content_types: dict[type, int] = {
            content_type.model_class(): content_type.pk for content_type in ContentType.objects.all()}

    def add(self, model: type[models.Model], object_id: int, when: datetime.datetime, by_id: int | None, source: str,
            target: str, transition: str, description: str | None = None) -> None:
        content_type_id = self.content_types.get(model)
        if content_type_id is None:
            from django.contrib.contenttypes.models import ContentType

            content_type_id = self.content_types[model] = ContentType.objects.get_for_model(model).pk
        self.table.add((self.next, when, by_id, source, target, transition, content_type_id, object_id, description))
        self.next += 1

    def flush(self) -> None:
        self.table.flush()


def copy_history(model: type[models.Model], first_id: int, *, date_column: str = "created_at",
                 at: datetime.datetime | None = None) -> None:
    """One "created" history row (django-simple-history) per bulk row of ``model`` from ``first_id`` on, copied by one
    INSERT … SELECT in the database (after the rows themselves), dated ``date_column`` of the row, or ``at``."""
    history = model.history.model
    quote = connection.ops.quote_name
    columns = {model_field.attname: model_field.column for model_field in model._meta.concrete_fields}
    names, values = [], []
    for history_field in history._meta.concrete_fields:
        if history_field.attname == "history_id":
            continue
        names.append(quote(history_field.column))
        if history_field.attname == "history_date":
            values.append("%s" if at else "r." + quote(columns[date_column]))
        elif history_field.attname == "history_type":
            values.append("'+'")
        elif history_field.attname == "history_change_reason":
            values.append("'bulk demo data'")
        elif history_field.attname in columns:
            values.append("r." + quote(columns[history_field.attname]))
        else:
            values.append("NULL")
    Table.written.add(history)
    execute(
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(names)}) "
        f"SELECT {', '.join(values)} FROM {quote(model._meta.db_table)} r WHERE r.{quote(model._meta.pk.column)} >= %s",
        ([connection.ops.adapt_datetimefield_value(at.replace(tzinfo=UTC))] if at else []) + [first_id],
    )


def stored_file(folder: str, content: bytes, name: str = "document.pdf") -> str:
    """Save ``content`` once in the private storage and return its name: every bulk row that needs a document points
    at this one file, so downloads work without writing a million files."""
    from django.core.files.base import ContentFile

    from core.storage import private_storage

    return private_storage().save(f"{folder}/bulk-demo-{name}", ContentFile(content))


# --- Loading ----------------------------------------------------------------------------------------------------------


class IndexesSetAside:
    """On PostgreSQL, drop the indexes and unique constraints of ``models``' tables while they are loaded; ``rebuild``
    builds a table's again (by one sort each, far faster than millions of insertions at random places). Primary keys
    stay (their keys come in order), and the indexes ``keep`` names (table → words: an index whose definition names
    one of them stays). A duplicate still fails loudly, when its constraint or unique index is rebuilt."""

    def __init__(self, model_list: Iterable[type[models.Model]], keep: dict[str, tuple[str, ...]] | None = None):
        self.tables = sorted({model._meta.db_table for model in model_list})
        self.keep = keep or {}
        self.definitions: dict[str, list[str]] = {}

    def __enter__(self):
        if connection.vendor != "postgresql" or not self.tables:
            return self
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
                [self.tables],
            )
            for table, name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                self.definitions.setdefault(table, []).append(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = "
                "ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))",
                [self.tables],
            )
            for table, name, definition in cursor.fetchall():
                if any(word in definition for word in self.keep.get(table, ())):
                    continue
                cursor.execute(f"DROP INDEX {quote(name)}")
                self.definitions.setdefault(table, []).append(definition)
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        return self

    def rebuild(self, model_list: Iterable[type[models.Model]]) -> None:
        """Build the indexes of these tables, which no statement still to come writes to."""
        for model in model_list:
            for definition in self.definitions.pop(model._meta.db_table, []):
                execute(definition, background=True)

    def __exit__(self, *exc_info):
        if exc_info[0] is None:
            for definitions in list(self.definitions.values()):
                for definition in definitions:
                    execute(definition)
            self.definitions.clear()
        return False


def skip_foreign_key_checks() -> bool:
    """On PostgreSQL, for the rest of the transaction, leave out the foreign-key triggers of the rows written.

    Needs a superuser; without one the checks run (slower, still right). Returns whether they are off."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        # Checks deferred by rows written earlier in the same transaction (a test's) run now: a table with pending
        # checks cannot have its indexes rebuilt.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except Exception:  # not a superuser
        return False
    return True


def analyze(model_list: Iterable[type[models.Model]]) -> None:
    """Fresh planner statistics for the tables the load filled."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = sorted({model._meta.db_table for model in model_list})
            cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(table) for table in tables)}")
        else:
            cursor.execute("ANALYZE")


@contextlib.contextmanager
def _without_cycle_collection():
    """Python's cycle collector off while the rows are made: it would look through the millions of tuples made and
    dropped, and find nothing (no row holds a reference cycle). At --scale 300 it took 7.5 s of some 130 s of Python."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def found() -> list[str]:
    """What bulk data of an earlier ``--scale`` run the database holds (empty when none)."""
    return [text for loader in loaders() if (text := loader.found())]


def check(scale: int) -> None:
    """Refuse what cannot work, before the plain demo is even loaded."""
    if scale < 2:
        return
    if connection.vendor == "sqlite" and scale > SQLITE_MAX_SCALE:
        raise BulkRefused(
            f"--scale {scale} is too large for SQLite (at most {SQLITE_MAX_SCALE}): bulk rows go in through the ORM there. "
            "Use PostgreSQL (DATABASE_URL=postgres://…) for the full data set."
        )


def load(scale: int, say: Callable[[str], None] = print) -> BulkRun | None:
    """Add ``scale`` units of bulk data (after the plain demo). Skips, saying so, when bulk data are already there."""
    global _pipe
    from django.apps import apps
    from django.utils import timezone

    check(scale)
    earlier = found()
    if earlier:
        say(
            "Bulk data of an earlier --scale run are already here (" + "; ".join(earlier) + "), so none were added: "
            "--scale adds them once. For another size, load into a fresh database (migrate, then seed_demo --scale N)."
        )
        return None
    run = BulkRun(scale=scale, now=naive(timezone.now()).replace(microsecond=0))
    ordered = loaders()
    tables = [apps.get_model(label) for loader in ordered for label in loader.tables]
    last_writer = {}
    for loader in ordered:
        for label in loader.tables:
            last_writer[apps.get_model(label)] = loader.name
    started = time.perf_counter()
    Table.written.clear()
    Table.unfinished.clear()
    with transaction.atomic():
        if not skip_foreign_key_checks() and connection.vendor == "postgresql":
            say("(not a superuser: foreign-key checks stay on, the load is slower)")
        keep: dict[str, tuple[str, ...]] = {}
        for loader in ordered:
            for label, words in loader.keep.items():
                table = apps.get_model(label)._meta.db_table
                keep[table] = tuple(sorted(set(keep.get(table, ())) | set(words)))
        with IndexesSetAside(tables, keep) as indexes:
            _pipe = _Pipe() if connection.vendor == "postgresql" else None
            queries = connection.execute_wrapper(_pipe.query) if _pipe else contextlib.nullcontext()
            try:
                queries.__enter__()
                with _without_cycle_collection():
                    for loader in ordered:
                        began, cpu = time.perf_counter(), time.process_time()
                        summary = loader.load(run)
                        run.log.flush()
                        # The tables no later loader writes are complete: their indexes are built while the next loads.
                        indexes.rebuild(model for model, name in last_writer.items() if name == loader.name)
                        say(f"bulk {loader.name}: {summary} ({time.perf_counter() - began:.0f} s, "
                            f"of which Python {time.process_time() - cpu:.0f} s)")
                began = time.perf_counter()
                run.log.flush()
                for table in Table.unfinished:
                    table.finish()
                indexes.rebuild(tables)
                reset_sequences(Table.written | set(tables))
                drain()
            except BaseException as error:
                if _pipe is not None and _pipe.error is not None and _pipe.error is not error:
                    raise _pipe.error from error  # the statement that failed first, not what failed after it
                raise
            finally:
                queries.__exit__(None, None, None)
                if _pipe is not None:
                    _pipe.close()
                    if os.environ.get("BULK_TIMINGS"):  # where the server's time went, for whoever tunes the load
                        for key, seconds in sorted(_pipe.timings.items(), key=lambda item: -item[1])[:60]:
                            say(f"  server {seconds:7.1f} s  {key}")
                    _pipe = None
        say(f"bulk: last rows and indexes ({time.perf_counter() - began:.0f} s)")
    began = time.perf_counter()
    analyze(Table.written | set(tables))
    say(f"bulk: statistics (ANALYZE) ({time.perf_counter() - began:.0f} s); scale {scale} loaded in "
        f"{time.perf_counter() - started:.0f} s")
    return run
