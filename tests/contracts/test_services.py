"""The contract's life: drafting, submission, decisions, the last position, clearance, departure and return, SMS."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from agencies.services import StaleRecord
from contracts import services
from contracts.models import Contract, ContractStatus, DeploymentClearance
from core.dates import today
from notifications.models import OutboundSms
from tests.factories import contract_data, contract_setting, passport_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(cast):
    return contract_setting(agency=cast.agency_a)


@pytest.fixture
def worker(cast):
    return passport_worker(cast.agency_a)


def sms_for(worker, key):
    return OutboundSms.objects.filter(to=worker.mobile.as_e164, template_key=key)


def submitted(cast, setting, worker, **overrides) -> Contract:
    contract = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker, **overrides))
    return services.submit(by=cast.agency_staff, contract_id=contract.pk)


def approved(cast, setting, worker, **overrides) -> Contract:
    contract = submitted(cast, setting, worker, **overrides)
    return services.approve(by=cast.registrar, contract_id=contract.pk)


# --- Drafting ------------------------------------------------------------------------------------


def test_a_draft_gets_a_reference_the_job_orders_terms_and_stored_results(cast, setting, worker):
    contract = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker))
    assert contract.reference == f"CT-{today().year}-000001"
    assert (contract.employer, contract.agreement, contract.occupation) == (
        setting["employer"],
        setting["agreement"],
        setting["occupation"],
    )
    assert contract.status == ContractStatus.DRAFT and len(contract.compliance) == 16 and contract.compliance_checked_at


def test_a_worker_not_linked_to_the_agency_is_refused(cast, setting):
    stranger = passport_worker(cast.agency_b)
    with pytest.raises(ValidationError) as refused:
        services.save_draft(by=cast.agency_staff, data=contract_data(setting, stranger))
    assert "not linked to your agency" in str(refused.value)
    assert not Contract.objects.exists()


def test_another_agencys_job_order_is_refused(cast, worker):
    theirs = contract_setting(agency=cast.agency_b)
    with pytest.raises(ValidationError):
        services.save_draft(by=cast.agency_staff, data=contract_data(theirs, worker))
    assert not Contract.objects.exists()


def test_end_before_start_is_refused(cast, setting, worker):
    start = today() + datetime.timedelta(days=30)
    with pytest.raises(ValidationError):
        services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker, start_date=start, end_date=start))
    assert not Contract.objects.exists()


def test_a_submitted_contract_can_no_longer_be_edited(cast, setting, worker):
    contract = submitted(cast, setting, worker)
    with pytest.raises(ValidationError):
        services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker), contract_id=contract.pk)


def test_another_agency_cannot_touch_the_contract(cast, setting, worker):
    contract = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker))
    from django.http import Http404

    with pytest.raises(Http404):
        services.submit(by=cast.other_agency_staff, contract_id=contract.pk)


# --- Submission and decisions --------------------------------------------------------------------------


def test_a_contract_with_errors_cannot_be_submitted_and_says_why(cast, setting, worker):
    contract = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker, wage_amount=Decimal("5000")))
    with pytest.raises(ValidationError) as refused:
        services.submit(by=cast.agency_staff, contract_id=contract.pk)
    assert "below the floor" in str(refused.value)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT and contract.submitted_at is None


def test_submission_stamps_the_milestone(cast, setting, worker):
    contract = submitted(cast, setting, worker)
    assert contract.status == ContractStatus.SUBMITTED and contract.submitted_at is not None


def test_only_registrars_decide(cast, setting, worker):
    contract = submitted(cast, setting, worker)
    with pytest.raises(PermissionDenied):
        services.approve(by=cast.agency_staff, contract_id=contract.pk)
    with pytest.raises(PermissionDenied):
        services.approve(by=cast.licensing_officer, contract_id=contract.pk)


def test_approval_stamps_the_milestone_and_tells_the_worker(cast, setting, worker):
    contract = approved(cast, setting, worker)
    assert contract.status == ContractStatus.APPROVED and contract.approved_at is not None
    assert sms_for(worker, "contract.approved").count() == 1


def test_approval_reruns_the_rules(cast, setting, worker):
    contract = submitted(cast, setting, worker)
    setting["employer"].blacklisted = True
    setting["employer"].blacklist_reason = "Unsafe hostels"
    setting["employer"].save()
    with pytest.raises(ValidationError) as refused:
        services.approve(by=cast.registrar, contract_id=contract.pk)
    assert "Unsafe hostels" in str(refused.value)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED


def test_warnings_need_a_written_reason(cast, worker):
    from predeparture.models import Course

    setting = contract_setting(agency=cast.agency_a)
    setting["terms"].required_courses.add(Course.objects.create(code="PDO-GEN", title="General orientation"))
    contract = submitted(cast, setting, worker)
    with pytest.raises(ValidationError) as refused:
        services.approve(by=cast.registrar, contract_id=contract.pk)
    assert "override_reason" in refused.value.error_dict
    contract = services.approve(by=cast.registrar, contract_id=contract.pk, override_reason="Training booked for next week")
    assert contract.status == ContractStatus.APPROVED and contract.warnings_override == "Training booked for next week"


def test_return_and_reject_need_a_reason_and_tell_the_worker(cast, setting, worker):
    contract = submitted(cast, setting, worker)
    with pytest.raises(ValidationError):
        services.return_for_correction(by=cast.registrar, contract_id=contract.pk, reason="  ")
    services.return_for_correction(by=cast.registrar, contract_id=contract.pk, reason="Wrong job title")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.RETURNED and contract.status_reason == "Wrong job title"
    assert sms_for(worker, "contract.returned").count() == 1
    services.submit(by=cast.agency_staff, contract_id=contract.pk)
    with pytest.raises(ValidationError):
        services.reject(by=cast.registrar, contract_id=contract.pk, reason="")
    services.reject(by=cast.registrar, contract_id=contract.pk, reason="Employer did not confirm")
    assert sms_for(worker, "contract.rejected").count() == 1


def test_no_sms_without_consent(cast, setting):
    worker = passport_worker(cast.agency_a, sms_consent=False)
    approved(cast, setting, worker)
    assert not OutboundSms.objects.filter(template_key="contract.approved").exists()


def test_a_stale_screen_is_refused(cast, setting, worker):
    contract = submitted(cast, setting, worker)
    services.return_for_correction(by=cast.registrar, contract_id=contract.pk, reason="Fix it")
    with pytest.raises(StaleRecord):
        services.approve(by=cast.registrar, contract_id=contract.pk, seen_status=ContractStatus.SUBMITTED)


def test_refused_transitions(cast, setting, worker):
    draft = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker))
    with pytest.raises(ValidationError):
        services.approve(by=cast.registrar, contract_id=draft.pk)  # not submitted
    with pytest.raises(ValidationError):
        services.issue_clearance(by=cast.registrar, contract_id=draft.pk)  # not approved
    with pytest.raises(ValidationError):
        services.record_departure(by=cast.registrar, contract_id=draft.pk, departed_on=today(), border_post="Maseru Bridge")
    with pytest.raises(ValidationError):
        services.record_return(by=cast.registrar, contract_id=draft.pk, outcome="complete", ended_on=today())


# --- Job-order positions ---------------------------------------------------------------------------------


def test_the_last_position_goes_to_the_first_approval(cast, setting):
    job_order = setting["job_order"]
    job_order.positions = 1
    job_order.save()
    first = submitted(cast, setting, passport_worker(cast.agency_a))
    second = submitted(cast, setting, passport_worker(cast.agency_a))
    services.approve(by=cast.registrar, contract_id=first.pk)
    with pytest.raises(ValidationError) as refused:
        services.approve(by=cast.registrar, contract_id=second.pk)
    assert "positions" in str(refused.value)
    assert services.positions_left(job_order) == 0


def test_cancelling_an_approved_contract_frees_its_position(cast, setting):
    job_order = setting["job_order"]
    job_order.positions = 1
    job_order.save()
    first = approved(cast, setting, passport_worker(cast.agency_a))
    services.cancel(by=cast.agency_staff, contract_id=first.pk, reason="Worker withdrew")
    assert services.positions_left(job_order) == 1


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_registrars_cannot_both_take_the_last_position(reference_data):
    from tests.factories import AgencyStaffFactory, UserFactory

    registrar_a = UserFactory(roles=["registrar"])
    registrar_b = UserFactory(roles=["registrar"])
    staff = AgencyStaffFactory()
    agency = staff.agency_membership.agency
    setting = contract_setting(agency=agency)
    job_order = setting["job_order"]
    job_order.positions = 1
    job_order.save()
    contracts = []
    for _ in range(2):
        draft = services.save_draft(by=staff, data=contract_data(setting, passport_worker(agency)))
        contracts.append(services.submit(by=staff, contract_id=draft.pk))
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(registrar, contract):
        try:
            barrier.wait()
            services.approve(by=registrar, contract_id=contract.pk)
            outcomes.append("approved")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=pair) for pair in zip((registrar_a, registrar_b), contracts, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome == "approved" for outcome in outcomes) == [False, True]
    assert Contract.objects.filter(status=ContractStatus.APPROVED).count() == 1
    assert any("positions" in outcome for outcome in outcomes if outcome != "approved")


# --- Clearance, departure, return ----------------------------------------------------------------------------


def test_clearance_is_numbered_and_tells_the_worker(cast, setting, worker):
    contract = approved(cast, setting, worker)
    clearance = services.issue_clearance(by=cast.registrar, contract_id=contract.pk)
    assert clearance.number == f"DC-{today().year}-000001" and clearance.valid_until == contract.end_date
    assert not clearance.automatic
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CLEARED and contract.cleared_at is not None
    assert sms_for(worker, "contract.cleared").count() == 1


def test_an_agency_request_is_issued_automatically_when_everything_holds(cast, setting, worker):
    contract = approved(cast, setting, worker)
    clearance = services.issue_clearance(by=cast.agency_staff, contract_id=contract.pk)
    assert clearance.automatic


def test_clearance_needs_valid_training_on_the_departure_date(cast, worker):
    from predeparture.models import Course
    from tests.factories import certificate_for

    course = Course.objects.create(code="PDO-ZA", title="South Africa orientation", validity_months=12)
    setting = contract_setting(agency=cast.agency_a)
    setting["terms"].required_courses.add(course)
    contract = submitted(cast, setting, worker)
    contract = services.approve(by=cast.registrar, contract_id=contract.pk, override_reason="Booked")
    with pytest.raises(ValidationError) as refused:
        services.issue_clearance(by=cast.registrar, contract_id=contract.pk)
    assert "PDO-ZA: no training certificate" in str(refused.value)
    # A certificate that expires before the start date is not enough either.
    certificate_for(worker, course, issued_on=today() - datetime.timedelta(days=360))
    with pytest.raises(ValidationError) as refused:
        services.issue_clearance(by=cast.registrar, contract_id=contract.pk)
    assert "expired" in str(refused.value)
    certificate_for(worker, course, issued_on=today())
    assert services.issue_clearance(by=cast.registrar, contract_id=contract.pk).number.startswith("DC-")


def test_clearance_needs_an_active_licence(cast, setting, worker):
    contract = approved(cast, setting, worker)
    cast.agency_a.licences.update(status="suspended")
    with pytest.raises(ValidationError) as refused:
        services.issue_clearance(by=cast.registrar, contract_id=contract.pk)
    assert "licence" in str(refused.value)
    assert not DeploymentClearance.objects.exists()


def test_departure_and_return_are_recorded_with_dates(cast, setting, worker):
    contract = approved(cast, setting, worker)
    services.issue_clearance(by=cast.registrar, contract_id=contract.pk)
    with pytest.raises(ValidationError):
        services.record_departure(
            by=cast.agency_staff, contract_id=contract.pk, departed_on=today() + datetime.timedelta(days=1), border_post="X"
        )
    services.record_departure(by=cast.agency_staff, contract_id=contract.pk, departed_on=today(), border_post="Maseru Bridge")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DEPLOYED and contract.departed_on == today()
    with pytest.raises(ValidationError):
        services.record_return(by=cast.agency_staff, contract_id=contract.pk, outcome="repatriate", ended_on=today(), reason="")
    services.record_return(
        by=cast.registrar, contract_id=contract.pk, outcome="repatriate", ended_on=today(), reason="Injured at work"
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.REPATRIATED and contract.ended_on == today()
    assert contract.status_reason == "Injured at work"


def test_a_contract_past_its_end_without_a_return_is_flagged(cast, setting, worker):
    contract = approved(cast, setting, worker)
    Contract.objects.filter(pk=contract.pk).update(
        status=ContractStatus.DEPLOYED,
        start_date=today() - datetime.timedelta(days=300),
        end_date=today() - datetime.timedelta(days=1),
    )
    assert list(Contract.objects.overdue_return(today())) == [Contract.objects.get(pk=contract.pk)]


def test_cancelling_needs_a_reason_and_is_refused_after_departure(cast, setting, worker):
    contract = approved(cast, setting, worker)
    with pytest.raises(ValidationError):
        services.cancel(by=cast.agency_staff, contract_id=contract.pk, reason="")
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.DEPLOYED)
    with pytest.raises(ValidationError):
        services.cancel(by=cast.agency_staff, contract_id=contract.pk, reason="Too late")


def test_a_signed_copy_must_be_a_pdf_or_image(cast, setting, worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import pdf_upload

    contract = approved(cast, setting, worker)
    fake = SimpleUploadedFile("contract.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.upload_signed_copy(by=cast.agency_staff, contract_id=contract.pk, upload=fake)
    contract.refresh_from_db()
    assert not contract.signed_copy
    services.upload_signed_copy(by=cast.agency_staff, contract_id=contract.pk, upload=pdf_upload("signed.pdf"))
    contract.refresh_from_db()
    assert contract.signed_copy and contract.signed_copy_name == "signed.pdf"


# --- Scheduled reminders and the licence hooks ------------------------------------------------------------------


def test_the_worker_is_told_30_days_before_the_end_once(cast, setting, worker):
    contract = approved(cast, setting, worker)
    Contract.objects.filter(pk=contract.pk).update(
        status=ContractStatus.DEPLOYED,
        start_date=today() - datetime.timedelta(days=300),
        end_date=today() + datetime.timedelta(days=30),
    )
    assert services.send_ending_reminders() == "sent 1 end-of-contract reminders"
    assert services.send_ending_reminders() == "sent 0 end-of-contract reminders"
    assert sms_for(worker, "contract.ending").count() == 1


def test_not_told_earlier_than_30_days(cast, setting, worker):
    contract = approved(cast, setting, worker)
    Contract.objects.filter(pk=contract.pk).update(
        status=ContractStatus.DEPLOYED,
        start_date=today() - datetime.timedelta(days=300),
        end_date=today() + datetime.timedelta(days=31),
    )
    services.send_ending_reminders()
    assert not sms_for(worker, "contract.ending").exists()


def test_suspending_the_agency_tells_workers_with_pending_or_active_contracts(cast, setting):
    from agencies.services import sanction_licence

    active = passport_worker(cast.agency_a)
    drafting = passport_worker(cast.agency_a)
    approved(cast, setting, active)
    services.save_draft(by=cast.agency_staff, data=contract_data(setting, drafting))
    licence = cast.agency_a.licences.get()
    sanction_licence(licence_id=licence.pk, by=cast.licensing_officer, action="suspend", reason="Fees charged to workers")
    assert sms_for(active, "contract.agency_suspended").count() == 1
    assert not sms_for(drafting, "contract.agency_suspended").exists()
    body = sms_for(active, "contract.agency_suspended").get().body
    assert str(cast.agency_a) in body


def test_revoking_the_agency_tells_the_workers_too(cast, setting, worker):
    from agencies.services import sanction_licence

    approved(cast, setting, worker)
    licence = cast.agency_a.licences.get()
    sanction_licence(licence_id=licence.pk, by=cast.licensing_officer, action="revoke", reason="Trafficking conviction")
    assert sms_for(worker, "contract.agency_revoked").count() == 1
