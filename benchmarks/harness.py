"""The benchmark harness: scenarios run against a throw-away database and are timed.

A scenario module under ``benchmarks/scenarios/`` defines ``SCENARIOS``, a
list of ``Scenario``. ``prepare`` builds the data once (not timed); ``run``
is timed ``repeat`` times; the budget is the issue's figure, in seconds, for
the median. Budgets are meant for PostgreSQL at scale (DATABASE_URL); on
SQLite the figures are only indicative.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scenario:
    name: str
    run: Callable[[Any], Any]
    budget_seconds: float
    prepare: Callable[[int], Any] = field(default=lambda scale: None)
    repeat: int = 5


@dataclass
class Result:
    scenario: Scenario
    timings: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def worst(self) -> float:
        return max(self.timings)

    @property
    def within_budget(self) -> bool:
        return self.median <= self.scenario.budget_seconds


def measure(scenario: Scenario, scale: int) -> Result:
    state = scenario.prepare(scale)
    timings = []
    for _ in range(scenario.repeat):
        started = time.perf_counter()
        scenario.run(state)
        timings.append(time.perf_counter() - started)
    return Result(scenario, timings)


def table(results: list[Result], engine: str, scale: int) -> str:
    lines = [
        f"engine: {engine}   scale: {scale}",
        f"{'scenario':<44} {'median s':>10} {'worst s':>10} {'budget s':>10}  verdict",
        "-" * 88,
    ]
    for result in results:
        verdict = "ok" if result.within_budget else "OVER BUDGET"
        lines.append(
            f"{result.scenario.name:<44} {result.median:>10.3f} {result.worst:>10.3f} "
            f"{result.scenario.budget_seconds:>10.2f}  {verdict}"
        )
    return "\n".join(lines)


def signed_in_client(user: Any) -> Any:
    """A test client signed in as ``user`` and past the second step of signing in (core/two_factor.py),
    with the user's confirmed device (an authenticator made for ministry staff who have none)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core import access

    client = Client()
    client.force_login(user)
    device = next(devices_for_user(user, confirmed=True), None)
    if device is None and access.is_ministry(user):
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
