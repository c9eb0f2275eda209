"""run_scheduled_jobs and seed_demo."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core import registry
from core.models import ScheduledJobLock, User
from core.scheduling import run_scheduled_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting_job():
    calls = []
    job = registry.ScheduledJob(name="test.counting", run=lambda: calls.append(1) or "counted")
    registry.register_job(job)
    yield calls
    registry.SCHEDULED_JOBS.pop("test.counting")


def test_every_registered_job_runs(counting_job):
    outcomes = {outcome.name: outcome for outcome in run_scheduled_jobs()}
    assert {"core.prune_task_results", "notifications.sweep_outbox", "test.counting"} <= set(outcomes)
    assert counting_job == [1]
    assert not any(outcome.failed for outcome in outcomes.values())


def test_a_job_another_run_holds_is_skipped(counting_job):
    ScheduledJobLock.objects.create(name="test.counting", locked_until=timezone.now() + timedelta(minutes=5))
    outcome = run_scheduled_jobs(only=["test.counting"])[0]
    assert not outcome.ran and counting_job == []


def test_a_lease_left_by_a_crashed_run_expires(counting_job):
    ScheduledJobLock.objects.create(name="test.counting", locked_until=timezone.now() - timedelta(seconds=1))
    assert run_scheduled_jobs(only=["test.counting"])[0].ran
    assert counting_job == [1]


def test_running_twice_in_a_row_runs_twice_since_the_lease_is_released(counting_job):
    run_scheduled_jobs(only=["test.counting"])
    run_scheduled_jobs(only=["test.counting"])
    assert counting_job == [1, 1]


def test_a_failing_job_does_not_stop_the_others_and_the_command_fails():
    def broken():
        raise RuntimeError("disk full")

    registry.register_job(registry.ScheduledJob(name="test.broken", run=broken))
    try:
        with pytest.raises(CommandError, match="test.broken"):
            call_command("run_scheduled_jobs")
        assert ScheduledJobLock.objects.get(name="test.broken").last_error == "RuntimeError: disk full"
        assert ScheduledJobLock.objects.get(name="core.prune_task_results").last_finished_at is not None
    finally:
        registry.SCHEDULED_JOBS.pop("test.broken")


def test_unknown_job_name_is_a_clear_error():
    with pytest.raises(CommandError, match="Unknown job"):
        call_command("run_scheduled_jobs", only=["no.such.job"])


def test_pruning_removes_only_old_finished_task_results(settings):
    from django_tasks_db.models import DBTaskResult

    def make(finished_days_ago, status="SUCCESSFUL"):
        finished = timezone.now() - timedelta(days=finished_days_ago)
        return DBTaskResult.objects.create(
            status=status,
            task_path="notifications.tasks.drain_outbox",
            args_kwargs={"args": [], "kwargs": {}},
            queue_name="default",
            backend_name="default",
            priority=0,
            finished_at=finished,
            enqueued_at=finished,
        )

    old, recent = make(settings.TASK_RESULT_RETENTION_DAYS + 1), make(1)
    run_scheduled_jobs(only=["core.prune_task_results"])
    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and recent.pk in remaining


def test_seed_demo_gives_a_login_for_every_role_and_is_safe_to_run_again(capsys):
    from core.access import Role, roles_of

    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    held = set()
    for user in User.objects.all():
        held |= roles_of(user)
        assert user.check_password("demo-lesotho-2026")
    assert held == set(Role)
    assert User.objects.filter(username="admin").count() == 1
    for username in ("admin", "licensing", "registrar", "trainer", "inspector", "chief", "analyst", "maluti", "senqu"):
        assert username in output


def test_seed_demo_refuses_a_bad_scale():
    with pytest.raises(CommandError):
        call_command("seed_demo", scale=0)


def test_create_administrator_prints_a_set_password_link(capsys):
    from core.access import Role, roles_of

    call_command("create_administrator", username="itadmin", email="IT@labour.gov.ls")
    user = User.objects.get(username="itadmin")
    assert roles_of(user) == {Role.ADMINISTRATOR}
    assert user.email == "it@labour.gov.ls" and not user.has_usable_password()
    assert "/account/password-reset/" in capsys.readouterr().out


def test_create_administrator_refuses_bad_input_and_saves_nothing():
    call_command("create_administrator", username="itadmin", email="it@labour.gov.ls")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_administrator", username="itadmin", email="other@labour.gov.ls")
    with pytest.raises(CommandError, match="already uses"):
        call_command("create_administrator", username="other", email="IT@labour.gov.ls")
    with pytest.raises(CommandError, match="Not a valid e-mail"):
        call_command("create_administrator", username="third", email="not-an-address")
    assert User.objects.filter(username__in=["other", "third"]).count() == 0
