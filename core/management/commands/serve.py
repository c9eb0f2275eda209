"""Start the web server and the background worker together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the development web server and one task worker side by side (what `make run` starts)."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="127.0.0.1:8000")

    def handle(self, *args, address, **options):
        python = sys.executable
        # One worker only: SQLite allows one writer at a time.
        commands = [
            [python, "manage.py", "db_worker", "--interval", "1", "--no-reload"],
            [python, "manage.py", "runserver", address, "--noreload"],
        ]
        # A terminal's Ctrl-C arrives as SIGINT; a service manager or `timeout` sends SIGTERM or SIGHUP.
        # Treat them alike, so the children are always stopped with us.
        for stop_signal in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, _interrupt)
        processes = [subprocess.Popen(command, start_new_session=True) for command in commands]
        self.stdout.write(self.style.SUCCESS(f"Serving on http://{address}/ with a task worker. Press Ctrl-C to stop both."))
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        stopped = [
            command[2]
            for command, process in zip(commands, processes, strict=True)
            if process.returncode not in (0, -signal.SIGTERM, None)
        ]
        if stopped:
            self.stderr.write(f"Stopped because {', '.join(stopped)} exited; see the messages above.")
