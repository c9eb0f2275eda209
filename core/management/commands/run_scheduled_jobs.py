from django.core.management.base import BaseCommand, CommandError

from core import registry
from core.scheduling import run_scheduled_jobs


class Command(BaseCommand):
    help = (
        "Run every periodic duty once (licence expiry, reminders, outbox sweep, pruning). "
        "Idempotent and safe to run twice at once: run it from cron or a systemd timer every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", metavar="JOB", help="Run only this job (repeatable).")
        parser.add_argument("--list", action="store_true", help="List the jobs and exit.")

    def handle(self, *args, only=None, list=False, **options):
        if list:
            for name in sorted(registry.SCHEDULED_JOBS):
                self.stdout.write(name)
            return
        unknown = sorted(set(only or []) - set(registry.SCHEDULED_JOBS))
        if unknown:
            raise CommandError(f"Unknown job(s): {', '.join(unknown)}. Known: {', '.join(sorted(registry.SCHEDULED_JOBS))}")
        outcomes = run_scheduled_jobs(only)
        for outcome in outcomes:
            self.stdout.write(f"{outcome.name}: {outcome.summary}")
        failed = [outcome.name for outcome in outcomes if outcome.failed]
        if failed:
            raise CommandError(f"These jobs failed: {', '.join(failed)}")
