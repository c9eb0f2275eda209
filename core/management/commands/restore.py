from pathlib import Path

from django.core.management.base import BaseCommand

from core.backup import restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder made by `manage.py backup`: checks it whole first, then replaces the database "
        "and the uploaded files. Stop the web server and the task worker first. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="The backup folder (the one holding manifest.json).")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that is not empty (everything in it is lost)."
        )
        parser.add_argument(
            "--check", action="store_true", help="Only check the backup (checksums, archive, dump) and change nothing."
        )

    def handle(self, *args, folder, force=False, check=False, **options):
        plan = restore_backup(folder, force=force, check_only=check)
        manifest = plan.manifest
        summary = f"{manifest['engine']} database of {manifest['created_at']}, {manifest['files']['count']} file(s)"
        if check:
            self.stdout.write(f"The backup {folder} is whole and readable: {summary}. Nothing was changed.")
            return
        self.stdout.write(f"Restored {summary} from {folder}.")
        if plan.missing_migrations:
            self.stdout.write(
                f"The backup is older than this version ({len(plan.missing_migrations)} migration(s) to apply): "
                "run `manage.py migrate` before starting the server."
            )
