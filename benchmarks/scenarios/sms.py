"""SMS at scale (issue 7): a bulk notice to 100,000 workers queued, and the outbox drained through the real
Twilio backend to a local stand-in of Twilio's HTTP API on 127.0.0.1 (never the internet), at the configured rate.

The drain runs four workers side by side, as four task workers would, so the shared messages-per-second limit is
what holds them back; the achieved rate is printed beside SMS_RATE_PER_SECOND.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from benchmarks.harness import Scenario

BULK = 100_000
DRAIN = 1_600  # whatever the scale: the figure is the rate, which 20 seconds at the limit show
RATE = 80  # messages per second for the drain scenario
WORKERS = 4
ACCOUNT_SID = "AC" + "3" * 32


def queue_bulk_notice(state):
    from django.db import transaction

    from notifications.models import OutboundSms
    from notifications.services import Recipient, notify_many

    context = {"agency": "Maluti Recruitment (Pty) Ltd", "licence": "PEA-2026-0042", "helpline": "Labour Migration desk"}
    recipients = [
        Recipient(f"+2665{n:07d}" if n % 3 else f"+2782{n:07d}", "st" if n % 2 else "en", context, worker_id=n + 1, agency_id=7)
        for n in range(BULK)
    ]
    # Other scenarios may have filled the outbox (the lists' ten million rows): look only past its last row.
    last = OutboundSms.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        assert notify_many(template="contract.agency_suspended", recipients=recipients) == BULK
        transaction.set_rollback(True)  # nothing is sent (the kick runs only on commit); the next round starts empty
    assert not OutboundSms.objects.filter(pk__gt=last).exists()


class _TwilioStandIn(BaseHTTPRequestHandler):
    """Answers Messages.json as Twilio does: 201 with the message resource."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each small answer waits ~40 ms for a delayed ACK
    counter = 0
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
        with self.lock:
            _TwilioStandIn.counter += 1
            sid = f"SM{_TwilioStandIn.counter:032d}"
        now = format_datetime(datetime.datetime.now(datetime.UTC))
        body = json.dumps(
            {
                "account_sid": ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": form.get("Body", ""),
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": None,
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "accepted",
                "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
                "to": form.get("To"),
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve() -> None:
    """Run the stand-in in its own process (so it does not share the drain's interpreter lock); prints its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TwilioStandIn)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_stand_in() -> str:
    """Start the stand-in in a process of its own (ended when this one exits); returns its base URL."""
    import atexit
    import subprocess
    import sys
    from pathlib import Path

    process = subprocess.Popen(
        [sys.executable, "-c", "from benchmarks.scenarios.sms import serve; serve()"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    atexit.register(process.terminate)
    return f"http://127.0.0.1:{int(process.stdout.readline())}"


def point_twilio_at(local: str) -> None:
    """Send this process's SMS through the real Twilio client and transport to the stand-in at ``local``."""
    from twilio.http.http_client import TwilioHttpClient

    from notifications.backends import TwilioBackend

    class LocalTwilio(TwilioHttpClient):
        # The real client and transport, pointed at the stand-in instead of api.twilio.com.
        def request(self, method, url, *args, **kwargs):
            return super().request(method, url.replace("https://api.twilio.com", local), *args, **kwargs)

    TwilioBackend.http_client_class = staticmethod(lambda *, timeout: LocalTwilio(timeout=timeout))


def prepare_drain(scale: int):
    from django.test.utils import override_settings

    from notifications.models import OutboundSms

    point_twilio_at(start_stand_in())
    override_settings(
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN="benchmark-token",
        TWILIO_MESSAGING_SERVICE_SID="MG" + "4" * 32,
        SMS_RATE_PER_SECOND=RATE,
        SMS_PROVIDER_TIMEOUT=10,
    ).enable()
    count = DRAIN
    # The drain's own rows only: other scenarios may have filled the outbox with finished messages.
    first = (OutboundSms.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    OutboundSms.objects.bulk_create(
        [
            OutboundSms(to=number, language="st", template_key="system.test", body=f"Teko {n}: molaetsa oa teko.")
            for n, number in enumerate(drain_numbers(count))
        ],
        batch_size=1000,
    )
    return {"count": count, "first": first}


def drain_numbers(count: int) -> list[str]:
    """Numbers for the drain's messages. Kept data (seed_demo --scale 1000) hold numbers that said STOP, whose
    messages would not be sent: none of those is used."""
    from notifications.models import SuppressedNumber

    suppressed = set(SuppressedNumber.objects.filter(number__startswith="+2665").values_list("number", flat=True))
    numbers = (number for n in itertools.count() if (number := f"+2665{n:07d}") not in suppressed)
    return list(itertools.islice(numbers, count))


@contextlib.contextmanager
def others_held_back(first: int):
    """Messages queued before the drain's own (kept seed data leave some waiting) wait until it is over, so the
    workers send the drain's messages only; they are due again as they were afterwards."""
    from notifications.models import OutboundSms, SmsStatus

    others = OutboundSms.objects.filter(status=SmsStatus.QUEUED, pk__lt=first)
    due = dict(others.values_list("pk", "next_attempt_at"))
    others.filter(pk__in=due).update(next_attempt_at=datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC))
    try:
        yield
    finally:
        held = list(OutboundSms.objects.filter(pk__in=due))
        for message in held:
            message.next_attempt_at = due[message.pk]
        OutboundSms.objects.bulk_update(held, ["next_attempt_at"], batch_size=1000)


def drain_at_the_configured_rate(state):
    from django.db import connection
    from django.utils import timezone

    from notifications.models import OutboundSms, SmsStatus, SmsThrottle
    from notifications.services import send_queued

    mine = OutboundSms.objects.filter(pk__gte=state["first"])
    mine.update(status=SmsStatus.QUEUED, provider_id="", attempts=0, next_attempt_at=timezone.now())
    SmsThrottle.objects.all().delete()
    attempted = []

    def worker():
        try:
            attempted.append(send_queued(max_batches=10_000, seconds=600))
        finally:
            connection.close()

    with others_held_back(state["first"]):
        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    sent = mine.filter(status=SmsStatus.SENT).count()
    assert sent == state["count"] == sum(attempted), (sent, attempted)
    print(
        f"  sms drain: {sent} sent by {WORKERS} workers in {elapsed:.2f} s = {sent / elapsed:.0f}/s "
        f"(limit SMS_RATE_PER_SECOND={RATE}; per worker {', '.join(map(str, attempted))})"
    )


SCENARIOS = [
    Scenario("sms: notify_many queues 100,000 (bulk notice)", queue_bulk_notice, budget_seconds=30.0, repeat=2),
    Scenario(
        f"sms: drain {DRAIN:,} via Twilio stand-in at {RATE}/s",
        drain_at_the_configured_rate,
        # At the limit the drain takes count / RATE seconds; a quarter more covers the claims and the last window.
        budget_seconds=DRAIN / RATE * 1.25,
        prepare=prepare_drain,
        repeat=2,
    ),
]
