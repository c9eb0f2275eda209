"""The HTTP load test's verdict (benchmarks/load.py report): latencies from locust's statistics, which are reset once
every simulated person has arrived, and errors from the locustfile's tally of the whole run, which nothing resets.
(The locustfile itself is not imported here: locust patches the standard library with gevent when it is.)"""

import json
from types import SimpleNamespace

from benchmarks import load


def _row(name, count, p95, failures=0):
    return {"Name": name, "Request Count": str(count), "Failure Count": str(failures), "Requests/s": "10.0",
            "50%": "40", "95%": str(p95)}


def _verdict(tmp_path, rows, tally, statuses=None):
    options = SimpleNamespace(existing=True, scale=1, duration=180, users=20, web_workers=5, json=tmp_path / "load.json")
    memory = {"web_start": 1024, "web_end": 1024, "worker_end": 1024, "samples": []}
    sms = {"queued": 2, "statuses": statuses or {"sent": 2}, "backlog": 0, "rate": 10, "sent_per_second": 1.0}
    code = load.report(rows, options, "postgresql", memory, sms, tally)
    return code, json.loads(options.json.read_text())


def test_an_error_during_the_sign_ins_fails_the_run_though_the_statistics_were_reset(tmp_path):
    rows = [_row("registrar: /contracts/", 100, 120), _row("Aggregated", 100, 120)]
    code, results = _verdict(tmp_path, rows, {"requests": 120, "errors": 1, "failures": ["POST sign in: 500"]})
    assert code == 1 and results["errors"] == 1 and not results["within_budget"]
    assert results["requests_whole_run"] == 120 and results["requests"] == 100


def test_a_clean_run_within_budget_passes_and_a_slow_page_does_not(tmp_path):
    rows = [_row("registrar: /contracts/", 100, 120), _row("Aggregated", 100, 120)]
    assert _verdict(tmp_path, rows, {"requests": 120, "errors": 0, "failures": []})[0] == 0
    slow = [_row("registrar: /contracts/", 100, 310), _row("Aggregated", 100, 120)]
    assert _verdict(tmp_path, slow, {"requests": 120, "errors": 0, "failures": []})[0] == 1


def test_a_message_of_the_load_left_queued_fails_the_run(tmp_path):
    rows = [_row("registrar: /contracts/", 100, 120), _row("Aggregated", 100, 120)]
    code, results = _verdict(tmp_path, rows, {"requests": 120, "errors": 0, "failures": []}, {"sent": 1, "queued": 1})
    assert code == 1 and results["sms_left_in_outbox"] == 1 and not results["within_budget"]


def test_the_drain_wait_allows_for_messages_already_due_at_the_configured_rate(monkeypatch):
    """Messages due before the load are sent first, at SMS_RATE_PER_SECOND: the wait for the load's own messages is
    longer by the time they take, and no longer than that."""
    clock = {"now": 0.0}
    monkeypatch.setattr(load.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(load.time, "sleep", lambda seconds: clock.update(now=clock["now"] + seconds))
    monkeypatch.setattr(load, "outbox", lambda env, before: {"queued": 1})  # never drains

    assert load.wait_for_drain({}, 0) == {"queued": 1}
    plain = clock["now"]
    assert load.DRAIN_WAIT_SECONDS <= plain < load.DRAIN_WAIT_SECONDS + 10

    clock["now"] = 0.0
    load.wait_for_drain({}, 0, extra_seconds=300)
    assert load.DRAIN_WAIT_SECONDS + 300 <= clock["now"] < load.DRAIN_WAIT_SECONDS + 310
