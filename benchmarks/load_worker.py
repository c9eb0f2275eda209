"""The load test's task worker: ``manage.py db_worker``, with the real Twilio backend sending to the local stand-in
of Twilio's HTTP API whose address is in LOAD_TWILIO_URL (benchmarks/scenarios/sms.py), never to the internet.

    LOAD_TWILIO_URL=http://127.0.0.1:<port> SMS_BACKEND=twilio … python -m benchmarks.load_worker
"""

import os

import django
from django.core.management import call_command

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from benchmarks.scenarios.sms import point_twilio_at

    point_twilio_at(os.environ["LOAD_TWILIO_URL"])
    call_command("db_worker", "--interval", "1", "--no-reload")
