from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from core import registry
from core.demo import DEMO_BACKUP_CODES, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Load realistic Lesotho demo data and one login per role. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=1, help="Multiply the bulk demo records (for benchmarks); 1 is the plain demo."
        )

    def handle(self, *args, scale=1, **options):
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        logins: list[tuple[str, str]] = []
        # The demo's stories tell agencies of decisions by e-mail; nobody should receive those.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for seeder in registry.DEMO_SEEDERS:
                with transaction.atomic():
                    logins.extend(seeder.seed(scale))
                self.stdout.write(f"seeded {seeder.name}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        width = max((len(str(role)) for role, _ in logins), default=10)
        for role, username in logins:
            self.stdout.write(f"  {str(role):<{width}}  {username}")
        self.stdout.write("")
        self.stdout.write("Ministry logins then ask for a code (two-step sign-in). Without an authenticator app, type")
        self.stdout.write(f"one of these demo backup codes, each once (renewed every run): {' '.join(DEMO_BACKUP_CODES)}")
