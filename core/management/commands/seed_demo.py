from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from core import bulk, registry
from core.demo import DEMO_BACKUP_CODES, DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Load realistic Lesotho demo data and one login per role. Safe to run again. With --scale N (N ≥ 2), add N units "
        "of bulk data on top: one unit is 1 agency, 1,000 workers, 2,000 contracts and 10,000 SMS with their job "
        "orders, training, audits and complaints, so --scale 1000 is the full data set (1,000 agencies, 1 million "
        "workers, 2 million contracts, 10 million SMS; about 11 minutes on PostgreSQL with 2 cores). Bulk data are added once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help=(
                "1 (the default) is the plain demo. N ≥ 2 adds N units of bulk data (1 agency, 1,000 workers, 2,000 "
                f"contracts, 10,000 SMS each; --scale 1000 is the full data set). PostgreSQL loads them with COPY; "
                f"SQLite takes at most --scale {bulk.SQLITE_MAX_SCALE}."
            ),
        )

    def handle(self, *args, scale=1, **options):
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        try:
            bulk.check(scale)  # refuse before the plain demo, not after it
        except bulk.BulkRefused as refusal:
            raise CommandError(str(refusal)) from None
        logins: list[tuple[str, str]] = []
        # The demo's stories tell agencies of decisions by e-mail; nobody should receive those.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for seeder in registry.DEMO_SEEDERS:
                with transaction.atomic():
                    logins.extend(seeder.seed(scale))
                self.stdout.write(f"seeded {seeder.name}")
        if scale > 1:
            try:
                bulk.load(scale, say=self.stdout.write)
            except bulk.BulkRefused as refusal:
                raise CommandError(str(refusal)) from None
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        width = max((len(str(role)) for role, _ in logins), default=10)
        for role, username in logins:
            self.stdout.write(f"  {str(role):<{width}}  {username}")
        self.stdout.write("")
        self.stdout.write("Ministry logins then ask for a code (two-step sign-in). Without an authenticator app, type")
        self.stdout.write(f"one of these demo backup codes, each once (renewed every run): {' '.join(DEMO_BACKUP_CODES)}")
