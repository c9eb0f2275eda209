"""Bulk registration of workers: check and import a 50,000-row CSV file (all or nothing, in one transaction)."""

import csv
import datetime
import tempfile
from pathlib import Path

from benchmarks.harness import Scenario

ROWS = 50_000


def prepare_import(scale: int):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from agencies.models import Agency, AgencyMembership, Licence
    from core.access import Role
    from core.models import User
    from workers.importing import COLUMNS

    today = timezone.localdate()
    # Made once: a kept database (--keepdb) has them from the run before.
    agency, made = Agency.objects.get_or_create(
        registration_number="LS-BENCH/00001",
        defaults={"legal_name": "Bulk Recruiters (Pty) Ltd", "trading_name": "Bulk Recruiters", "district": "maseru"})
    if made:
        Licence.objects.create(agency=agency, number=f"PEA-{today.year}-9999", issued_on=today, valid_from=today,
                               expires_on=today + datetime.timedelta(days=364))
    user, made = User.objects.get_or_create(username="bulk_staff")
    if made:
        AgencyMembership.objects.create(user=user, agency=agency)
        user.groups.add(Group.objects.get(name=Role.AGENCY_STAFF))

    folder = Path(tempfile.mkdtemp(prefix="bench-workers-import-"))
    path = folder / "workers.csv"
    expiry = (today + datetime.timedelta(days=900)).isoformat()
    districts = ["Maseru", "Berea", "Leribe", "Mafeteng", "Mohale's Hoek", "Quthing", "Qacha's Nek", "Mokhotlong",
                 "Thaba-Tseka", "Butha-Buthe"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(ROWS):
            writer.writerow([
                ["Thabo", "Lineo", "Tšepo", "Palesa", "Mpho"][n % 5], f"Mokoena{n}", "male" if n % 2 else "female",
                f"{1960 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}", f"9{n:012d}",
                f"BX{n:07d}" if n % 3 else "", expiry if n % 3 else "", districts[n % 10], "Ha Abia",
                f"+2665{n:07d}", "st" if n % 4 else "en", "yes" if n % 2 else "no", "Mme Mokoena",
                f"+2666{n:07d}",
            ])
    return {"user_id": user.pk, "agency_id": agency.pk, "path": path}


def validate_and_import(state):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from core.models import User
    from workers import importing
    from workers.models import ImportStatus, Worker, WorkerImport

    user = User.objects.get(pk=state["user_id"])
    upload = SimpleUploadedFile("workers.csv", state["path"].read_bytes(), content_type="text/csv")
    # Rolled back at the end, so that a kept database (--keepdb) is left as it was and the next run imports again.
    with transaction.atomic():
        worker_import = importing.start_import(by=user, agency_id=state["agency_id"], upload=upload)
        assert worker_import.status == ImportStatus.VALID, (worker_import.message, worker_import.problems[:5])
        assert importing.confirm_import(by=user, import_id=worker_import.pk)
        worker_import = WorkerImport.objects.get(pk=worker_import.pk)
        assert worker_import.status == ImportStatus.IMPORTED, worker_import.message
        assert Worker.objects.for_agency(state["agency_id"]).count() == ROWS
        transaction.set_rollback(True)


SCENARIOS = [
    Scenario("workers bulk import: validate + import 50,000 rows", validate_and_import, budget_seconds=60.0,
             prepare=prepare_import, repeat=1),
]
