"""The foundation's scenarios: the health check, a list page, and queueing SMS in bulk."""

import io

from django.core.management import call_command
from django.test import Client

from benchmarks.harness import Scenario, signed_in_client


def _client_for(username: str) -> Client:
    from core.models import User

    return signed_in_client(User.objects.get(username=username))


def prepare_demo(scale: int):
    call_command("seed_demo", scale=scale, stdout=io.StringIO())
    return {"licensing": _client_for("licensing"), "anonymous": Client()}


def healthz(state):
    assert state["anonymous"].get("/healthz").status_code == 200


def agency_list(state):
    assert state["licensing"].get("/agencies/").status_code == 200


def notify_ten_thousand(state):
    from django.db import transaction

    from notifications.models import OutboundSms
    from notifications.services import Recipient, notify_many

    # Other scenarios may have filled the outbox (the lists' ten million rows): look only past its last row.
    last = OutboundSms.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        notify_many(template="system.test", recipients=[Recipient(f"+2665{n:07d}", "st") for n in range(10_000)])
        transaction.set_rollback(True)  # leave the outbox as it was for the next round
    assert not OutboundSms.objects.filter(pk__gt=last).exists()


SCENARIOS = [
    Scenario("health check answers", healthz, budget_seconds=0.1, prepare=prepare_demo, repeat=20),
    Scenario("agency list page (licensing officer)", agency_list, budget_seconds=0.5, prepare=prepare_demo, repeat=10),
    Scenario("notify_many: queue 10,000 SMS", notify_ten_thousand, budget_seconds=5.0, repeat=3),
]
