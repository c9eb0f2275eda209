"""Backups of the database and the uploaded files, and restoring them (docs/backup.md).

A backup is one folder holding three files:

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy taken while the
  server runs) or ``database.pgdump`` (pg_dump's custom format);
- ``files.tar.gz``: the uploaded files of every storage folder (MEDIA_ROOT and
  PRIVATE_MEDIA_ROOT), as ``media/...`` and ``private/...``;
- ``manifest.json``: when, which engine, the Django migrations applied, the number of
  files, and a SHA-256 checksum of each file and of the dump and the archive.

The folder is written under a ``.partial`` name and renamed when complete, so a folder
named ``backup-...`` with a manifest is always a whole backup.

Restoring checks everything before it changes anything (manifest, checksums, archive
member names, the dump's integrity), prepares the database and the folders beside the
live ones, then swaps them in: the database in one transaction, the folders by renaming.
A refusal leaves the database and the files as they were.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

# Raised when the manifest's layout changes; a restore refuses a manifest newer than it knows.
FORMAT = 1
MANIFEST = "manifest.json"
ARCHIVE = "files.tar.gz"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
POSTGRESQL_CLIENT_PACKAGE = "postgresql-client"
CHUNK = 1024 * 1024


def file_roots() -> dict[str, Path]:
    """Every folder uploads are kept in, by the name its files carry in the archive."""
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def applied_migrations(using: str = "default") -> list[str]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


# --- Making a backup ----------------------------------------------------------------------------


def create_backup(destination: Path, using: str = "default") -> Path:
    """Write a complete backup folder under ``destination`` and return its path."""
    connection = connections[using]
    engine = connection.vendor
    if engine not in DUMPS:
        raise CommandError(f"Backups support SQLite and PostgreSQL; this database is {engine}.")
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    created_at = timezone.now()
    name = "backup-" + created_at.strftime("%Y%m%dT%H%M%SZ")
    final = destination / name
    suffix = 1
    while final.exists():
        suffix += 1
        final = destination / f"{name}-{suffix}"
    work = destination / f".{final.name}.partial"
    work.mkdir()
    try:
        dump = work / DUMPS[engine]
        # The database first, then the files: a row that names a file was committed after
        # its file was written, so every file the dump refers to is in the archive.
        migrations = applied_migrations(using)
        if engine == "sqlite":
            _dump_sqlite(connection, dump)
        else:
            _dump_postgresql(connection, dump)
        checksums = _pack_files(work / ARCHIVE)
        manifest = {
            "format": FORMAT,
            "created_at": created_at.isoformat(),
            "engine": engine,
            "django": django.get_version(),
            "migrations": migrations,
            "database": {"file": dump.name, "sha256": sha256_of(dump), "bytes": dump.stat().st_size},
            "files": {
                "archive": ARCHIVE,
                "sha256": sha256_of(work / ARCHIVE),
                "count": len(checksums),
                "roots": sorted(file_roots()),
                "checksums": checksums,
            },
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _dump_sqlite(connection, dump: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        # The online backup API copies a consistent snapshot while the server and the
        # worker keep writing (WAL mode); a plain file copy could catch a half-written page.
        connection.connection.backup(target)
        # A self-contained file: no -wal/-shm companions beside the copy.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()


def _pack_files(archive: Path) -> dict[str, str]:
    checksums: dict[str, str] = {}
    with tarfile.open(archive, "w:gz") as tar:
        for root_name, root in sorted(file_roots().items()):
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*")):
                # Links are never followed: they could point anywhere on the machine.
                if path.is_symlink() or not path.is_file():
                    continue
                member = f"{root_name}/{path.relative_to(root).as_posix()}"
                # Read once, so the checksum and the archived bytes are the same bytes.
                data = path.read_bytes()
                info = tarfile.TarInfo(member)
                info.size = len(data)
                info.mtime = int(path.stat().st_mtime)
                info.mode = 0o640
                tar.addfile(info, io.BytesIO(data))
                checksums[member] = hashlib.sha256(data).hexdigest()
    return checksums


def prune_backups(destination: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest complete backups in ``destination``; return those removed."""
    complete = sorted(
        (path for path in Path(destination).glob("backup-*") if (path / MANIFEST).is_file()),
        key=lambda path: path.name,
    )
    removed = complete[:-keep] if keep > 0 else []
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- PostgreSQL client programs -----------------------------------------------------------------


def _postgresql_program(name: str, connection) -> str:
    program = shutil.which(name)
    if program is None:
        raise CommandError(
            f"The PostgreSQL client program {name} is not installed. Install Debian's "
            f"{POSTGRESQL_CLIENT_PACKAGE} package (apt-get install {POSTGRESQL_CLIENT_PACKAGE}), "
            "of the same major version as the database server or newer."
        )
    output = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    if match and int(match.group(1)) < server_major:
        raise CommandError(
            f"{name} is version {match.group(1)} but the database server is version {server_major}: "
            f"install the {POSTGRESQL_CLIENT_PACKAGE} package of version {server_major} or newer."
        )
    return program


def _postgresql_environment(connection) -> dict[str, str]:
    """Connection details for pg_dump/pg_restore/psql, passed in the environment (never on the command line)."""
    settings_dict = connection.settings_dict
    environment = dict(os.environ)
    for variable, value in {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }.items():
        if value:
            environment[variable] = str(value)
    return environment


def _run(arguments: list[str], connection, what: str) -> None:
    result = subprocess.run(arguments, env=_postgresql_environment(connection), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        if not detail:
            detail = [f"stopped by signal {-result.returncode}" if result.returncode < 0 else f"exit status {result.returncode}"]
        raise CommandError(f"{what} failed, nothing was changed: {' / '.join(detail[-5:])}")


def _dump_postgresql(connection, dump: Path) -> None:
    pg_dump = _postgresql_program("pg_dump", connection)
    # pg_dump reads one snapshot: consistent while the server runs.
    _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"], connection, "pg_dump")


# --- Restoring ----------------------------------------------------------------------------------


@dataclass
class RestorePlan:
    """What a restore found and checked before changing anything."""

    folder: Path
    manifest: dict
    staging: dict[str, Path] = field(default_factory=dict)
    work: Path | None = None
    missing_migrations: list[str] = field(default_factory=list)


def read_manifest(folder: Path) -> dict:
    folder = Path(folder)
    if not folder.is_dir():
        raise CommandError(f"There is no backup folder at {folder}.")
    path = folder / MANIFEST
    if not path.is_file():
        raise CommandError(f"{folder} has no {MANIFEST}: it is not a backup, or an unfinished one.")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise CommandError(f"{path} is damaged (not valid JSON: {error}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise CommandError(f"{path} is damaged: it does not say which manifest format it uses.")
    if manifest["format"] > FORMAT:
        raise CommandError(
            f"This backup was made by a newer version of the system (manifest format {manifest['format']}; "
            f"this version reads format {FORMAT}). Install that version first, then restore."
        )
    try:
        assert manifest["engine"] in DUMPS
        assert isinstance(manifest["migrations"], list)
        assert isinstance(manifest["database"]["file"], str) and isinstance(manifest["database"]["sha256"], str)
        files = manifest["files"]
        assert isinstance(files["archive"], str) and isinstance(files["sha256"], str)
        assert isinstance(files["checksums"], dict) and files["count"] == len(files["checksums"])
        assert all(isinstance(value, str) for value in files["checksums"].values())
    except (AssertionError, KeyError, TypeError):
        raise CommandError(f"{path} is damaged: a required entry is missing or of the wrong kind.") from None
    for name in (manifest["database"]["file"], manifest["files"]["archive"]):
        if PurePosixPath(name).name != name or name in ("", ".", ".."):
            raise CommandError(f"{path} is damaged: {name!r} is not a plain file name.")
    return manifest


def check_backup(folder: Path, using: str = "default") -> RestorePlan:
    """Check a backup against this system without changing anything; raise CommandError on any fault."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    connection = connections[using]
    if manifest["engine"] != connection.vendor:
        raise CommandError(
            f"This backup is of a {ENGINE_NAMES[manifest['engine']]} database; this system uses "
            f"{ENGINE_NAMES.get(connection.vendor, connection.vendor)}. Restore it into the same kind of database."
        )
    unknown = sorted(set(manifest["migrations"]) - known_migrations())
    if unknown:
        listed = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise CommandError(
            "This backup was made by a newer version of the system: its database has migrations this "
            f"version does not know ({listed}). Install that version first, then restore."
        )
    for label, name, expected in (
        ("database dump", manifest["database"]["file"], manifest["database"]["sha256"]),
        ("files archive", manifest["files"]["archive"], manifest["files"]["sha256"]),
    ):
        path = folder / name
        if not path.is_file():
            raise CommandError(f"The {label} {path} is missing: use another copy of this backup.")
        if sha256_of(path) != expected:
            raise CommandError(
                f"The {label} {path} does not match its checksum in the manifest: it is damaged or was changed. "
                "Use another copy of this backup."
            )
    return RestorePlan(
        folder=folder,
        manifest=manifest,
        missing_migrations=sorted(known_migrations() - set(manifest["migrations"])),
    )


def database_is_empty(using: str = "default") -> bool:
    return not connections[using].introspection.table_names()


def restore_backup(folder: Path, *, force: bool = False, check_only: bool = False, using: str = "default") -> RestorePlan:
    """Restore a backup over the database and the upload folders (see the module's docstring)."""
    connection = connections[using]
    plan = check_backup(folder, using)
    if not check_only and connection.in_atomic_block:
        raise CommandError("A restore cannot run inside a transaction.")
    if not check_only and not force and not database_is_empty(using):
        raise CommandError(
            "The database is not empty: restoring would replace everything in it. Stop the web server and the "
            "task worker, make a backup of what is there now, then run the restore again with --force."
        )
    plan.work = Path(tempfile.mkdtemp(prefix="restore-", dir=_work_parent(connection)))
    try:
        _unpack_files(plan)
        prepared = _prepare_database(plan, connection)
        if check_only:
            return plan
        # The folders first, as their renames can be undone; then the database, in one transaction.
        replaced = _swap_folders(plan)
        try:
            _replace_database(prepared, connection)
        except BaseException:
            _swap_back(plan, list(file_roots()), replaced)
            raise
        for old in replaced.values():
            shutil.rmtree(old, ignore_errors=True)
        # The staging folders are now the live ones: nothing left to clean up under those names.
        plan.staging.clear()
    finally:
        shutil.rmtree(plan.work, ignore_errors=True)
        for staging in plan.staging.values():
            shutil.rmtree(staging, ignore_errors=True)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return plan


def _work_parent(connection) -> str | None:
    """Prepare the database copy beside the live SQLite file (same disk), else in the temporary folder."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and name and not name.startswith("file:") and name != ":memory:":
        return str(Path(name).resolve().parent)
    return None


def _member_target(name: str, roots: dict[str, Path]) -> tuple[str, PurePosixPath]:
    """The root and the relative path an archive member belongs to; refuse any name that could escape."""
    path = PurePosixPath(name)
    parts = path.parts
    if (
        not parts
        or path.is_absolute()
        or "\\" in name
        or "\x00" in name
        or any(part in ("..", ".") for part in parts)
        or parts[0] not in roots
    ):
        raise CommandError(f"The files archive holds {name!r}, a name outside the upload folders: refused, nothing was restored.")
    return parts[0], PurePosixPath(*parts[1:]) if len(parts) > 1 else PurePosixPath()


def _unpack_files(plan: RestorePlan) -> None:
    """Extract the archive into hidden folders beside the live ones, checking every name and checksum."""
    roots = file_roots()
    expected: dict[str, str] = plan.manifest["files"]["checksums"]
    for root_name, root in roots.items():
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.restoring-", dir=root.parent))
        # The restored folder keeps the live folder's permissions (mkdtemp makes it private to its owner).
        os.chmod(staging, (root.stat().st_mode & 0o777) if root.is_dir() else 0o750)
        plan.staging[root_name] = staging
    seen: set[str] = set()
    archive = plan.folder / plan.manifest["files"]["archive"]
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                root_name, relative = _member_target(member.name, roots)
                if member.isdir():
                    continue
                if not member.isreg():
                    raise CommandError(
                        f"The files archive holds {member.name!r}, which is not a plain file (a link or a device): "
                        "refused, nothing was restored."
                    )
                if member.name not in expected or member.name in seen:
                    raise CommandError(
                        f"The files archive holds {member.name!r}, which the manifest does not list (or lists once): "
                        "refused, nothing was restored."
                    )
                staging = plan.staging[root_name]
                target = staging / relative
                # Belt and braces: the checks above already keep every name inside its folder.
                if not target.resolve().is_relative_to(staging.resolve()) or not relative.parts:
                    raise CommandError(f"The files archive holds {member.name!r}, a name outside the upload folders: refused.")
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                with open(target, "xb") as stream:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        stream.write(chunk)
                if digest.hexdigest() != expected[member.name]:
                    raise CommandError(
                        f"The file {member.name!r} in the archive does not match its checksum: the backup is damaged. "
                        "Use another copy."
                    )
                seen.add(member.name)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise CommandError(f"The files archive {archive} is damaged and cannot be read ({error}). Use another copy.") from None
    except OSError as error:
        raise CommandError(f"The files archive {archive} could not be unpacked ({error}); nothing was restored.") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise CommandError(
            f"The files archive lacks {len(missing)} file(s) the manifest lists (for example {missing[0]!r}): "
            "the backup is incomplete. Use another copy."
        )


def _prepare_database(plan: RestorePlan, connection) -> Path:
    dump = plan.folder / plan.manifest["database"]["file"]
    if connection.vendor == "sqlite":
        copy = plan.work / "database.sqlite3"
        shutil.copyfile(dump, copy)
        try:
            candidate = sqlite3.connect(copy)
            try:
                verdict = candidate.execute("PRAGMA integrity_check").fetchone()[0]
                tables = {row[0] for row in candidate.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                candidate.close()
        except sqlite3.DatabaseError as error:
            raise CommandError(f"The database dump {dump} is not a readable SQLite database ({error}).") from None
        if verdict != "ok" or "django_migrations" not in tables:
            raise CommandError(f"The database dump {dump} fails SQLite's integrity check ({verdict}).")
        return copy
    pg_restore = _postgresql_program("pg_restore", connection)
    _postgresql_program("psql", connection)
    script = plan.work / "restore.sql"
    # Turning the dump into SQL reads all of it: a damaged dump stops here, before any change.
    arguments = [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(dump)]
    _run(arguments, connection, "Reading the dump (pg_restore)")
    return script


# Drops what Django creates (tables with their indexes and sequences, views) but keeps the
# schema itself, so its owner and grants stay as the database administrator set them.
EMPTY_PUBLIC_SCHEMA = """
DO $$
DECLARE item record;
BEGIN
  FOR item IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    ORDER BY c.relkind = 'S'  -- tables first: their identity sequences go with them
  LOOP
    EXECUTE format(
      'DROP %s IF EXISTS public.%I CASCADE',
      CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                        WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      item.relname
    );
  END LOOP;
END $$;
"""


def _replace_database(prepared: Path, connection) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(prepared)
        try:
            # The backup API writes every page in one transaction: the live database is
            # either wholly replaced or left as it was; other connections see the result.
            source.backup(connection.connection)
        except sqlite3.Error as error:
            raise CommandError(
                f"The database could not be replaced ({error}); nothing was changed. "
                "Stop the web server and the task worker, then try again."
            ) from None
        finally:
            source.close()
        return
    psql = _postgresql_program("psql", connection)
    wrapper = prepared.with_name("restore-all.sql")
    with open(wrapper, "w") as stream, open(prepared) as script:
        # One transaction: empty the schema, then load the dump; any error rolls all of it back.
        stream.write(EMPTY_PUBLIC_SCHEMA)
        shutil.copyfileobj(script, stream)
    connection.close()
    arguments = [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", f"--file={wrapper}"]
    _run(arguments, connection, "Loading the dump (psql)")


def _swap_folders(plan: RestorePlan) -> dict[str, Path]:
    """Put the restored folders in place of the live ones by renaming (same disk, so each rename is
    atomic); return where the live ones went, so ``_swap_back`` can undo it or they can be removed."""
    roots = file_roots()
    token = secrets.token_hex(4)
    replaced: dict[str, Path] = {}
    swapped: list[str] = []
    try:
        for root_name, root in roots.items():
            if root.exists():
                replaced[root_name] = root.with_name(f".{root.name}.replaced-{token}")
                root.rename(replaced[root_name])
            plan.staging[root_name].rename(root)
            swapped.append(root_name)
    except OSError as error:
        _swap_back(plan, swapped, replaced)
        raise CommandError(f"The upload folders could not be replaced ({error}); nothing was changed.") from None
    return replaced


def _swap_back(plan: RestorePlan, swapped: list[str], replaced: dict[str, Path]) -> None:
    roots = file_roots()
    for root_name in swapped:
        roots[root_name].rename(plan.staging[root_name])
    for root_name, old in replaced.items():
        if not roots[root_name].exists():
            old.rename(roots[root_name])
