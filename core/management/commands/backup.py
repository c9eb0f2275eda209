from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import create_backup, prune_backups


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into one folder (dump, files.tar.gz, manifest.json). "
        "Safe while the web server and the task worker run. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            metavar="FOLDER",
            help="Where to write the backup folder (default: BACKUP_ROOT, or var/backups).",
        )
        parser.add_argument(
            "--keep", type=int, default=None, metavar="N", help="Afterwards, remove all but the N newest backups in that folder."
        )

    def handle(self, *args, to=None, keep=None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep must be 1 or more: the backup just made is always kept.")
        destination = to or Path(getattr(settings, "BACKUP_ROOT", settings.BASE_DIR / "var" / "backups"))
        try:
            folder = create_backup(destination)
        except OSError as error:
            raise CommandError(f"The backup could not be written to {destination} ({error}); no backup was made.") from None
        self.stdout.write(f"Backup written to {folder}")
        if keep is not None:
            for old in prune_backups(destination, keep):
                self.stdout.write(f"Removed the older backup {old}")
