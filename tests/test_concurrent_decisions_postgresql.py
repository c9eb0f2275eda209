"""Two officers deciding on the same record at the same moment, each through the real screen on a connection of
their own (PostgreSQL only): one decision is taken, the other officer is told someone else changed the record,
and nothing of the losing decision is left behind (no second log entry, notice or SMS)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_fsm_log.models import StateLog

from agencies.models import AgencyNotice, Licence, LicenceStatus
from contracts.models import Contract, ContractStatus
from inspections import complaints
from inspections.models import Complaint, ComplaintStatus
from notifications.models import OutboundSms
from tests.factories import TEST_PASSWORD, AgencyFactory, LicenceFactory, UserFactory

pytestmark = [pytest.mark.needs("postgresql"), pytest.mark.django_db(transaction=True)]

STALE = "Someone else changed"


@dataclass
class Attempt:
    user: object
    url: str
    data: dict
    messages: tuple[str, ...] = ()
    status: int = 0
    error: BaseException | None = None


def at_once(*attempts: Attempt) -> None:
    """Each officer posts from their own thread (so their own database connection), released together."""
    barrier = threading.Barrier(len(attempts))
    clients = []
    for attempt in attempts:
        client = Client()
        client.force_login(attempt.user)
        clients.append(client)

    def officer(attempt: Attempt, client: Client) -> None:
        try:
            barrier.wait(timeout=10)
            response = client.post(attempt.url, attempt.data)
            attempt.status = response.status_code
            attempt.messages = tuple(str(message) for message in get_messages(response.wsgi_request))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            attempt.error = error
        finally:
            connection.close()

    threads = [threading.Thread(target=officer, args=pair) for pair in zip(attempts, clients, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [attempt.error for attempt in attempts if attempt.error], [attempt.error for attempt in attempts]
    assert all(attempt.status == 302 for attempt in attempts), [attempt.status for attempt in attempts]


def one_won(attempts: tuple[Attempt, ...], done: dict[str, str]) -> Attempt:
    """Exactly one attempt says its success message; every other says the record changed meanwhile."""
    winners = [attempt for attempt in attempts if done[attempt.url] in attempt.messages]
    losers = [attempt for attempt in attempts if attempt not in winners]
    assert len(winners) == 1, [attempt.messages for attempt in attempts]
    for loser in losers:
        assert any(STALE in message for message in loser.messages), loser.messages
        assert not any(done[loser.url] in message for message in loser.messages)
    return winners[0]


@pytest.fixture
def officers(reference_data):
    return UserFactory(username="officer1", roles=["licensing_officer"]), UserFactory(
        username="officer2", roles=["licensing_officer"]
    )


def test_a_suspension_and_a_revocation_at_once_one_is_taken_the_other_told(officers):
    licence = LicenceFactory(agency=AgencyFactory())
    first, second = officers
    suspend = Attempt(
        first,
        reverse("agencies:licence_suspend", args=[licence.pk]),
        {"reason": "Fees charged to workers", "seen_status": "active"},
    )
    revoke = Attempt(
        second,
        reverse("agencies:licence_revoke", args=[licence.pk]),
        {"reason": "Passports retained", "seen_status": "active", "current_password": TEST_PASSWORD},
    )
    at_once(suspend, revoke)
    winner = one_won((suspend, revoke), {suspend.url: "The licence was suspended.", revoke.url: "The licence was revoked."})
    licence.refresh_from_db()
    assert licence.status == (LicenceStatus.SUSPENDED if winner is suspend else LicenceStatus.REVOKED)
    assert StateLog.objects.for_(licence).count() == 1  # the loser's transition was not logged
    assert AgencyNotice.objects.filter(agency=licence.agency).count() == 1  # nor its notice sent


def test_a_reinstatement_and_a_revocation_of_a_suspended_licence_at_once(officers):
    licence = LicenceFactory(agency=AgencyFactory())
    Licence.objects.filter(pk=licence.pk).update(status=LicenceStatus.SUSPENDED)
    first, second = officers
    reinstate = Attempt(
        first, reverse("agencies:licence_reinstate", args=[licence.pk]), {"reason": "Fees refunded", "seen_status": "suspended"}
    )
    revoke = Attempt(
        second,
        reverse("agencies:licence_revoke", args=[licence.pk]),
        {"reason": "Repeated offence", "seen_status": "suspended", "current_password": TEST_PASSWORD},
    )
    at_once(reinstate, revoke)
    winner = one_won((reinstate, revoke), {reinstate.url: "The licence was reinstated.", revoke.url: "The licence was revoked."})
    licence.refresh_from_db()
    assert licence.status == (LicenceStatus.ACTIVE if winner is reinstate else LicenceStatus.REVOKED)
    assert StateLog.objects.for_(licence).count() == 1
    assert AgencyNotice.objects.filter(agency=licence.agency).count() == 1


def test_a_contract_approved_and_rejected_at_once(reference_data):
    from contracts import services
    from tests.factories import AgencyStaffFactory, contract_data, contract_setting, passport_worker

    agency = AgencyFactory()
    clerk = AgencyStaffFactory(agency=agency)
    setting = contract_setting(agency=agency)
    worker = passport_worker(agency, sms_consent=True)
    contract = services.save_draft(by=clerk, data=contract_data(setting, worker))
    services.submit(by=clerk, contract_id=contract.pk)
    registrars = UserFactory(username="registrar1", roles=["registrar"]), UserFactory(username="registrar2", roles=["registrar"])
    sms_before = OutboundSms.objects.count()
    approve = Attempt(registrars[0], reverse("contracts:contract_approve", args=[contract.pk]), {"seen_status": "submitted"})
    reject = Attempt(
        registrars[1],
        reverse("contracts:contract_reject", args=[contract.pk]),
        {"seen_status": "submitted", "reason": "The wage is below the floor."},
    )
    at_once(approve, reject)
    winner = one_won(
        (approve, reject),
        {approve.url: "The contract was approved; the worker is told by SMS.", reject.url: "The contract was rejected."},
    )
    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == (ContractStatus.APPROVED if winner is approve else ContractStatus.REJECTED)
    decisions = StateLog.objects.for_(contract).filter(transition__in=["approve", "reject"])
    assert decisions.count() == 1
    assert OutboundSms.objects.count() - sms_before <= 1  # one SMS at most, about the decision taken
    if OutboundSms.objects.count() > sms_before:
        assert OutboundSms.objects.latest("pk").template_key == (
            "contract.approved" if winner is approve else "contract.rejected"
        )


def test_a_complaint_resolved_and_dismissed_at_once(reference_data):
    agency = AgencyFactory()
    registrar = UserFactory(username="registrar", roles=["registrar"])
    complaint = complaints.record_complaint(
        by=registrar,
        data={
            "agency": agency,
            "category": "fees",
            "description": "They took M2,000 for the job.",
            "complainant_phone": "+26658123456",
            "complainant_language": "en",
        },
    )
    inspectors = UserFactory(username="inspector1", roles=["inspector"]), UserFactory(username="chief", roles=["chief_inspector"])
    sms_before = OutboundSms.objects.count()
    resolve = Attempt(
        inspectors[0],
        reverse("inspections:complaint_resolve", args=[complaint.pk]),
        {"outcome": "The fee was refunded.", "seen_status": "received"},
    )
    dismiss = Attempt(
        inspectors[1],
        reverse("inspections:complaint_dismiss", args=[complaint.pk]),
        {"reason": "Not a recruitment matter.", "seen_status": "received"},
    )
    at_once(resolve, dismiss)
    winner = one_won(
        (resolve, dismiss), {resolve.url: str(complaints_success("resolve")), dismiss.url: str(complaints_success("dismiss"))}
    )
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == (ComplaintStatus.RESOLVED if winner is resolve else ComplaintStatus.DISMISSED)
    assert bool(complaint.resolution) and OutboundSms.objects.count() == sms_before + 1  # one SMS: the decision taken
    said = "The fee was refunded." if winner is resolve else "Not a recruitment matter."
    assert said in OutboundSms.objects.latest("pk").body  # the complainant is told the decision that was taken


def complaints_success(action: str) -> str:
    from inspections.complaint_views import ACTIONS

    return ACTIONS[action][-1]
