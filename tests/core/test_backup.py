"""Backups: the restore drill (back up, destroy, restore, compare) and every refusal of a bad backup."""

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from agencies.models import Agency, ApplicationDocument
from core.backup import ARCHIVE, MANIFEST, file_roots, restore_backup
from core.models import User
from tests.factories import PDF_BYTES, ApplicationFactory, WorkerFactory, complete_application
from workers.models import Worker

# Restoring replaces the database from outside any transaction, as on a real machine; on
# PostgreSQL it needs pg_dump, pg_restore and psql (the "postgresql-client" need).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs("postgresql-client")]


def _files() -> dict[str, bytes]:
    tree = {}
    for name, root in file_roots().items():
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    tree[f"{name}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return tree


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def _destroy_everything() -> None:
    """What a dead disk leaves: no tables, no uploaded files."""
    tables = connection.introspection.table_names()
    with connection.constraint_checks_disabled(), connection.cursor() as cursor:
        for table in tables:
            cascade = " CASCADE" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}{cascade}")
    for root in file_roots().values():
        shutil.rmtree(root, ignore_errors=True)
    assert connection.introspection.table_names() == []


@pytest.fixture(autouse=True)
def _roles(reference_data):
    """Transactional tests start from empty tables: the roles and parameters first."""


@pytest.fixture
def register(cast):
    """Some of everything: users with roles, agencies, an application with its uploaded documents, workers."""
    application = complete_application(ApplicationFactory(agency=cast.agency_a), by=cast.agency_staff)
    workers = [WorkerFactory(agency=cast.agency_a, passport_number=f"RA00{n}") for n in range(3)]
    return {"application": application, "workers": workers}


@pytest.fixture
def backup(register, tmp_path):
    call_command("backup", "--to", str(tmp_path / "backups"), stdout=io.StringIO())
    (folder,) = (tmp_path / "backups").glob("backup-*")
    return folder


@pytest.fixture
def schema_back_after_test():
    """Should a drill fail half-way, give the next tests their tables back."""
    yield
    if "django_migrations" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)


def test_the_restore_drill_brings_back_every_row_and_every_file(cast, register, tmp_path, client, schema_back_after_test):
    counts, files = _row_counts(), _files()
    document = ApplicationDocument.objects.filter(application=register["application"]).first()
    worker = register["workers"][1]
    assert files and document is not None and counts["workers.Worker"] == 3

    output = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "backups"), stdout=output)
    (folder,) = (tmp_path / "backups").glob("backup-*")
    assert str(folder) in output.getvalue()
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["files"]["count"] == len(files)
    assert "workers.0001_initial" in manifest["migrations"]

    _destroy_everything()
    output = io.StringIO()
    call_command("restore", str(folder), stdout=output)

    assert "Restored" in output.getvalue()
    assert _row_counts() == counts
    assert _files() == files
    restored = Worker.objects.get(pk=worker.pk)
    assert (restored.national_id, restored.passport_number, restored.first_name) == (
        worker.national_id,
        worker.passport_number,
        worker.first_name,
    )
    assert Agency.objects.get(pk=cast.agency_a.pk).trading_name == "Agency A"
    assert User.objects.get(pk=cast.registrar.pk).password == cast.registrar.password
    with ApplicationDocument.objects.get(pk=document.pk).file.open("rb") as stream:
        assert stream.read() == PDF_BYTES
    # The restored system works: a ministry user signs in and reads the worker's page.
    client.force_login(User.objects.get(pk=cast.registrar.pk))
    assert client.get(reverse("workers:worker_detail", args=[worker.pk])).status_code == 200


def test_restore_refuses_a_database_that_is_not_empty_without_force(backup, cast):
    Agency.objects.filter(pk=cast.agency_b.pk).update(trading_name="Changed after the backup")
    with pytest.raises(CommandError, match="not empty.*--force"):
        call_command("restore", str(backup))
    assert Agency.objects.get(pk=cast.agency_b.pk).trading_name == "Changed after the backup"

    call_command("restore", str(backup), "--force", stdout=io.StringIO())
    assert Agency.objects.get(pk=cast.agency_b.pk).trading_name == "Agency B"


def test_check_reads_the_whole_backup_and_changes_nothing(backup, cast):
    Agency.objects.filter(pk=cast.agency_b.pk).update(trading_name="Changed after the backup")
    output = io.StringIO()
    call_command("restore", str(backup), "--check", stdout=output)
    assert "whole and readable" in output.getvalue()
    assert Agency.objects.get(pk=cast.agency_b.pk).trading_name == "Changed after the backup"


def test_keep_removes_the_oldest_backups(register, tmp_path):
    destination = tmp_path / "backups"
    for _ in range(3):
        call_command("backup", "--to", str(destination), "--keep", "2", stdout=io.StringIO())
    kept = sorted(path.name for path in destination.glob("backup-*"))
    assert len(kept) == 2
    assert not list(destination.glob(".*partial"))


# --- Refusals: each leaves the database and the files as they were --------------------------------------


def _rewrite_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    change(manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest))


def _replace_archive(folder: Path, data: bytes, checksums: dict[str, str]) -> None:
    (folder / ARCHIVE).write_bytes(data)

    def change(manifest):
        manifest["files"].update(sha256=hashlib.sha256(data).hexdigest(), checksums=checksums, count=len(checksums))

    _rewrite_manifest(folder, change)


def _assert_nothing_changed(cast, files_before):
    assert Agency.objects.get(pk=cast.agency_b.pk).trading_name == "Changed after the backup"
    assert _files() == files_before
    for root in file_roots().values():
        assert not list(root.parent.glob(f".{root.name}.restoring-*")), "a half-unpacked folder was left behind"


@pytest.fixture
def changed(cast, backup):
    """The database and files moved on since the backup: a refused restore must leave them so."""
    Agency.objects.filter(pk=cast.agency_b.pk).update(trading_name="Changed after the backup")
    return _files()


def test_a_corrupted_archive_is_refused(backup, cast, changed):
    data = bytearray((backup / ARCHIVE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (backup / ARCHIVE).write_bytes(bytes(data))
    with pytest.raises(CommandError, match="files archive .* does not match its checksum"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


def test_a_truncated_archive_whose_checksum_was_rewritten_is_refused(backup, cast, changed):
    data = (backup / ARCHIVE).read_bytes()
    manifest = json.loads((backup / MANIFEST).read_text())
    _replace_archive(backup, data[: len(data) // 2], manifest["files"]["checksums"])
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


def test_a_file_changed_inside_the_archive_is_refused(backup, cast, changed):
    manifest = json.loads((backup / MANIFEST).read_text())
    checksums = manifest["files"]["checksums"]
    name = sorted(checksums)[0]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(b"forged")
        tar.addfile(info, io.BytesIO(b"forged"))
    _replace_archive(backup, buffer.getvalue(), {name: checksums[name]})
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


def test_a_damaged_database_dump_is_refused(backup, cast, changed):
    manifest = json.loads((backup / MANIFEST).read_text())
    dump = backup / manifest["database"]["file"]
    # Its end cut off and a stretch of its middle zeroed: cutting the end alone can drop only free pages of a SQLite
    # file, which then still passes SQLite's integrity check (seen when earlier tests had left free pages behind).
    data = bytearray(dump.read_bytes()[:-4096])
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\x00" * 4096
    dump.write_bytes(bytes(data) + b"\x00" * 10)
    with pytest.raises(CommandError, match="database dump .* does not match its checksum"):
        call_command("restore", str(backup), "--force")
    # Even with the checksum made to agree, the dump itself is checked before anything changes.
    _rewrite_manifest(backup, lambda manifest: manifest["database"].update(sha256=hashlib.sha256(dump.read_bytes()).hexdigest()))
    with pytest.raises(CommandError, match="dump|pg_restore"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


def _tar_with(member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return buffer.getvalue()


def _member(name: str, kind=tarfile.REGTYPE, link: str = "", size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, size
    return info


ESCAPES = {
    "parent": lambda outside: _member("../escaped.txt", size=7),
    "parent inside a folder": lambda outside: _member("private/../../escaped.txt", size=7),
    "absolute": lambda outside: _member(f"{outside}/escaped.txt", size=7),
    "unknown folder": lambda outside: _member("elsewhere/escaped.txt", size=7),
    "symbolic link": lambda outside: _member("private/escaped.txt", tarfile.SYMTYPE, link=f"{outside}/escaped.txt"),
    "hard link": lambda outside: _member("private/escaped.txt", tarfile.LNKTYPE, link="../escaped.txt"),
    "device": lambda outside: _member("private/escaped.txt", tarfile.CHRTYPE),
}


@pytest.mark.parametrize("trick", ESCAPES)
def test_archive_member_names_cannot_reach_outside_the_upload_folders(backup, cast, changed, tmp_path, trick):
    outside = tmp_path / "outside"
    outside.mkdir()
    member = ESCAPES[trick](outside)
    data = b"escaped" if member.isreg() else b""
    # A forger controls the manifest too: its checksums agree with the forged archive.
    _replace_archive(backup, _tar_with(member, data), {member.name: hashlib.sha256(data).hexdigest()})

    with pytest.raises(CommandError, match="refused"):
        call_command("restore", str(backup), "--force")

    _assert_nothing_changed(cast, changed)
    around = [root.parent for root in file_roots().values()] + [outside, tmp_path]
    assert not any(list(folder.rglob("escaped.txt")) for folder in around)


def test_a_backup_from_a_newer_version_is_refused(backup, cast, changed):
    _rewrite_manifest(backup, lambda manifest: manifest["migrations"].append("workers.9999_from_the_future"))
    with pytest.raises(CommandError, match="newer version.*workers.9999_from_the_future"):
        call_command("restore", str(backup), "--force")
    _rewrite_manifest(backup, lambda manifest: manifest.update(format=manifest["format"] + 1))
    with pytest.raises(CommandError, match="newer version"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


def test_a_backup_of_another_database_engine_is_refused(backup, cast, changed):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    _rewrite_manifest(backup, lambda manifest: manifest.update(engine=other))
    with pytest.raises(CommandError, match="same kind of database"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda folder: shutil.rmtree(folder), "no backup folder"),
        (lambda folder: (folder / MANIFEST).unlink(), "no manifest.json"),
        (lambda folder: (folder / MANIFEST).write_text("{not json"), "damaged"),
        (lambda folder: (folder / ARCHIVE).unlink(), "files archive .* is missing"),
        (lambda folder: _rewrite_manifest(folder, lambda manifest: manifest["files"].pop("checksums")), "damaged"),
        (lambda folder: _rewrite_manifest(folder, lambda manifest: manifest["database"].update(file="../db")), "plain file name"),
    ],
    ids=["no folder", "no manifest", "manifest not JSON", "archive missing", "manifest incomplete", "dump path trick"],
)
def test_bad_input_gets_a_clear_message(backup, cast, changed, damage, message):
    damage(backup)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


def test_an_archive_missing_a_listed_file_is_refused(backup, cast, changed):
    manifest = json.loads((backup / MANIFEST).read_text())
    checksums = dict(manifest["files"]["checksums"], **{"private/lost.pdf": hashlib.sha256(b"lost").hexdigest()})
    _replace_archive(backup, (backup / ARCHIVE).read_bytes(), checksums)
    with pytest.raises(CommandError, match="lacks 1 file"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)


def test_restore_will_not_run_inside_a_transaction(backup):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(CommandError, match="inside a transaction"):
        restore_backup(backup, force=True)


def test_a_failure_while_replacing_the_database_puts_the_folders_back(backup, cast, changed, monkeypatch):
    from core import backup as backups

    def fails(prepared, connection):
        raise CommandError("The database could not be replaced (disk full); nothing was changed.")

    monkeypatch.setattr(backups, "_replace_database", fails)
    with pytest.raises(CommandError, match="disk full"):
        call_command("restore", str(backup), "--force")
    _assert_nothing_changed(cast, changed)
    for root in file_roots().values():
        assert not list(root.parent.glob(f".{root.name}.replaced-*"))


def test_missing_postgresql_client_programs_are_named_with_their_debian_package(monkeypatch):
    from core import backup as backups

    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match=r"pg_dump is not installed.*apt-get install postgresql-client"):
        backups._postgresql_program("pg_dump", connection)
