from django.core.management.base import BaseCommand, CommandError

from agencies.importing import LicenceImportError, import_licences


class Command(BaseCommand):
    help = (
        "Import the ministry's register of licensed agencies from a CSV file, keeping its licence numbers and dates. "
        "Every row is checked first; if any row has a problem, nothing is imported. See docs/licence-import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8, comma or semicolon separated, header row first).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file, show what would be imported, write nothing.")

    def handle(self, *args, file, dry_run=False, verbosity=1, **options):
        try:
            summary = import_licences(file, dry_run=dry_run)
        except LicenceImportError as error:
            raise CommandError(str(error)) from None
        if dry_run or verbosity >= 2:
            for line in summary.licence_lines():
                self.stdout.write(line)
        for line in summary.lines():
            self.stdout.write(line)
