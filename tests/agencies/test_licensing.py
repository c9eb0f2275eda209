"""The licence application and the licence: every rule of the lifecycle."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from agencies import hooks, services
from agencies.models import (
    ApplicationStatus,
    DocumentReview,
    Licence,
    LicenceApplication,
    LicenceStatus,
    NoticeKind,
)
from core.models import RegulatoryParameter
from tests.factories import (
    AgencyStaffFactory,
    ApplicationFactory,
    DirectorFactory,
    LicenceFactory,
    complete_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast):
    """A complete draft application of agency A, ready to submit."""
    application = ApplicationFactory(agency=cast.agency_a, created_by=cast.agency_staff)
    return complete_application(application, by=cast.agency_staff)


def under_review(cast, application):
    services.submit_application(application_id=application.pk, by=cast.agency_staff)
    services.start_review(application_id=application.pk, by=cast.licensing_officer)
    application.refresh_from_db()
    return application


def accept_all(cast, application):
    for document in application.documents.current():
        services.review_document(document_id=document.pk, by=cast.licensing_officer, accepted=True)


# --- Starting and submitting -----------------------------------------------------------------


def test_an_agency_has_at_most_one_open_application(cast, draft):
    with pytest.raises(ValidationError, match="already has an open application"):
        services.start_application(agency_id=cast.agency_a.pk, by=cast.agency_staff)


def test_staff_open_applications_only_for_their_own_agency(cast):
    with pytest.raises(PermissionDenied):
        services.start_application(agency_id=cast.agency_b.pk, by=cast.agency_staff)


def test_renewal_needs_a_licence_that_has_not_expired(cast):
    with pytest.raises(ValidationError, match="Only a licence that has not expired"):
        services.start_application(agency_id=cast.agency_a.pk, by=cast.agency_staff, kind="renewal")
    licence = LicenceFactory(agency=cast.agency_a)
    application = services.start_application(agency_id=cast.agency_a.pk, by=cast.agency_staff, kind="renewal")
    assert application.renews == licence


def test_a_licensed_agency_renews_rather_than_applying_anew(cast):
    LicenceFactory(agency=cast.agency_a)
    with pytest.raises(ValidationError, match="apply to renew"):
        services.start_application(agency_id=cast.agency_a.pk, by=cast.agency_staff, kind="new")


def test_submission_with_a_missing_document_is_refused_and_nothing_changes(cast, draft):
    draft.documents.filter(kind="premises").delete()
    with pytest.raises(ValidationError) as refusal:
        services.submit_application(application_id=draft.pk, by=cast.agency_staff)
    assert "Proof of office premises" in " ".join(refusal.value.messages)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.fee_due is None


def test_each_director_needs_a_police_clearance(cast, draft):
    DirectorFactory(agency=cast.agency_a, full_name="Mpho Lebona")
    with pytest.raises(ValidationError, match="Police clearance for Mpho Lebona"):
        services.submit_application(application_id=draft.pk, by=cast.agency_staff)


def test_submission_fixes_the_parameters_in_force_that_day(cast, draft):
    services.submit_application(application_id=draft.pk, by=cast.agency_staff)
    RegulatoryParameter.objects.create(key="licence.fee", value=Decimal("9999"), effective_from=timezone.localdate())
    RegulatoryParameter.objects.filter(key="licence.fee").exclude(value=Decimal("9999")).update(
        effective_from=datetime.date(2024, 4, 1)
    )
    draft.refresh_from_db()
    assert draft.fee_due == Decimal("5000.00")
    assert draft.bond_required == Decimal("50000.00") and draft.validity_months == 12


def test_submission_is_logged_and_the_agency_is_told(cast, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application_id=draft.pk, by=cast.agency_staff)
    log = StateLog.objects.for_(draft).get()
    assert (log.source_state, log.state, log.by) == ("draft", "submitted", cast.agency_staff)
    assert cast.agency_a.notices.filter(kind=NoticeKind.APPLICATION_SUBMITTED).exists()
    assert [message.to for message in mail.outbox] == [[cast.agency_staff.email]]


# --- Documents -------------------------------------------------------------------------------


def upload(client, application, name, content, kind="premises"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("agencies:document_upload", args=[application.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        follow=True,
    )


def test_uploads_are_checked_by_content_not_by_name(cast, draft, client):
    client.force_login(cast.agency_staff)
    before = draft.documents.count()
    response = upload(client, draft, "contract.pdf", b"MZ\x90\x00 this is a program, not a PDF")
    assert "Only PDF, JPEG or PNG files are accepted" in response.content.decode()
    assert draft.documents.count() == before
    response = upload(client, draft, "photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    assert "The document was uploaded." in response.content.decode()
    assert draft.documents.order_by("-pk").first().content_type == "image/png"


def test_uploads_over_ten_megabytes_are_refused(cast, draft, client, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(cast.agency_staff)
    response = upload(client, draft, "big.pdf", b"%PDF-" + b"0" * 2048)
    assert "the limit is" in response.content.decode()


def test_a_new_upload_replaces_the_old_one_which_is_kept(cast, draft, client):
    client.force_login(cast.agency_staff)
    old = draft.documents.get(kind="premises")
    upload(client, draft, "lease.pdf", b"%PDF-1.7 lease")
    old.refresh_from_db()
    assert old.replaced_by is not None
    assert draft.documents.current().filter(kind="premises").count() == 1


def test_documents_are_served_only_to_those_who_may_see_the_application(cast, draft, client):
    document = draft.documents.first()
    url = reverse("agencies:document_download", args=[document.pk])
    client.force_login(cast.agency_staff)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(cast.other_agency_staff)
    assert client.get(url).status_code == 404
    client.force_login(cast.licensing_officer)
    assert client.get(url).status_code == 200


def test_documents_are_stored_outside_the_public_media_folder(cast, draft, settings):
    document = draft.documents.first()
    assert str(document.file.path).startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not str(document.file.path).startswith(str(settings.MEDIA_ROOT))
    assert document.original_name not in document.file.name


def test_other_agencies_cannot_see_an_application(cast, draft, client):
    client.force_login(cast.other_agency_staff)
    assert client.get(reverse("agencies:application_detail", args=[draft.pk])).status_code == 404
    rows = client.get(reverse("agencies:application_list")).context["table"].paginated_rows
    assert [row.record for row in rows] == []


# --- Review and decision ------------------------------------------------------------------------


def test_the_agency_cannot_take_the_officers_steps_nor_the_officer_the_agencys(cast, draft):
    services.submit_application(application_id=draft.pk, by=cast.agency_staff)
    with pytest.raises(PermissionDenied):
        services.start_review(application_id=draft.pk, by=cast.agency_staff)
    services.start_review(application_id=draft.pk, by=cast.licensing_officer)
    with pytest.raises(PermissionDenied):
        services.approve_application(application_id=draft.pk, by=cast.registrar)


def test_rejecting_a_document_needs_a_note(cast, draft):
    under_review(cast, draft)
    document = draft.documents.first()
    with pytest.raises(ValidationError):
        services.review_document(document_id=document.pk, by=cast.licensing_officer, accepted=False, note="")
    document.refresh_from_db()
    assert document.review == DocumentReview.PENDING


def test_more_information_round_trip(cast, draft, client):
    under_review(cast, draft)
    premises = draft.documents.get(kind="premises")
    services.review_document(document_id=premises.pk, by=cast.licensing_officer, accepted=False, note="Lease has expired")
    with pytest.raises(ValidationError):
        services.request_information(application_id=draft.pk, by=cast.licensing_officer, reason=" ")
    services.request_information(application_id=draft.pk, by=cast.licensing_officer, reason="Send a current lease.")
    with pytest.raises(ValidationError, match="Replace the rejected document"):
        services.resubmit_application(application_id=draft.pk, by=cast.agency_staff)
    client.force_login(cast.agency_staff)
    page = client.get(reverse("agencies:application_detail", args=[draft.pk])).content.decode()
    assert "Send a current lease." in page and "Lease has expired" in page
    upload(client, draft, "lease-2026.pdf", b"%PDF-1.7 new lease")
    services.resubmit_application(application_id=draft.pk, by=cast.agency_staff)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.RESUBMITTED


def test_approval_needs_every_document_accepted(cast, draft):
    under_review(cast, draft)
    with pytest.raises(ValidationError, match="Documents not accepted"):
        services.approve_application(application_id=draft.pk, by=cast.licensing_officer)
    assert not Licence.objects.exists()


def test_approval_needs_a_bond_covering_the_required_amount(cast, draft):
    draft.bond.amount = Decimal("10000")
    draft.bond.save()
    under_review(cast, draft)
    accept_all(cast, draft)
    with pytest.raises(ValidationError, match="does not cover"):
        services.approve_application(application_id=draft.pk, by=cast.licensing_officer)


def test_a_director_of_an_agency_revoked_in_the_last_five_years_is_barred(cast, draft):
    director = draft.agency.directors.first()
    old = LicenceFactory(agency=cast.agency_b)
    DirectorFactory(agency=cast.agency_b, identity_number=director.identity_number.lower(), full_name=director.full_name)
    services.sanction_licence(licence_id=old.pk, action="revoke", by=cast.licensing_officer, reason="Charged workers fees")
    under_review(cast, draft)
    accept_all(cast, draft)
    blockers = services.approval_blockers(draft)
    assert any(str(cast.agency_b) in blocker and old.number in blocker for blocker in blockers)
    with pytest.raises(ValidationError):
        services.approve_application(application_id=draft.pk, by=cast.licensing_officer)


def test_a_revocation_older_than_five_years_no_longer_bars(cast, draft):
    director = draft.agency.directors.first()
    old = LicenceFactory(agency=cast.agency_b, status=LicenceStatus.REVOKED)
    Licence.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=6 * 365))
    DirectorFactory(agency=cast.agency_b, identity_number=director.identity_number)
    assert services.barred_directors(draft.agency) == []


def test_approval_issues_a_numbered_licence_for_the_validity_in_force(cast, draft, django_capture_on_commit_callbacks):
    under_review(cast, draft)
    accept_all(cast, draft)
    with django_capture_on_commit_callbacks(execute=True):
        licence = services.approve_application(application_id=draft.pk, by=cast.licensing_officer)
    today = timezone.localdate()
    assert licence.number == f"PEA-{today.year}-0001"
    assert licence.valid_from == today
    assert licence.expires_on == today.replace(year=today.year + 1) - datetime.timedelta(days=1)
    assert services.can_recruit(cast.agency_a.pk)
    assert any("approved" in message.subject for message in mail.outbox)


def test_licence_numbers_follow_on(cast):
    LicenceFactory(number=f"PEA-{timezone.localdate().year}-0041")
    assert services.next_licence_number(timezone.localdate().year) == f"PEA-{timezone.localdate().year}-0042"


def test_rejection_needs_a_reason_the_agency_sees(cast, draft, client):
    under_review(cast, draft)
    with pytest.raises(ValidationError):
        services.reject_application(application_id=draft.pk, by=cast.licensing_officer, reason="")
    services.reject_application(application_id=draft.pk, by=cast.licensing_officer, reason="Premises are a residence.")
    client.force_login(cast.agency_staff)
    assert "Premises are a residence." in client.get(reverse("agencies:application_detail", args=[draft.pk])).content.decode()


def test_withdrawal_before_a_decision_only(cast, draft):
    services.withdraw_application(application_id=draft.pk, by=cast.agency_staff)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        services.withdraw_application(application_id=draft.pk, by=cast.agency_staff)


def test_a_stale_decision_is_a_conflict_and_changes_nothing(cast, draft, client):
    under_review(cast, draft)
    services.request_information(application_id=draft.pk, by=cast.licensing_officer, reason="first")
    client.force_login(cast.licensing_officer)
    response = client.post(
        reverse("agencies:application_reject", args=[draft.pk]),
        {"reason": "late", "seen_status": "under_review"},
        follow=True,
    )
    assert "Someone else changed this record" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.INFORMATION_REQUESTED


def test_buttons_are_shown_only_for_allowed_transitions(cast, draft, client):
    client.force_login(cast.agency_staff)
    page = client.get(reverse("agencies:application_detail", args=[draft.pk])).content.decode()
    assert "Submit the application" in page and "Approve" not in page
    client.force_login(cast.licensing_officer)
    page = client.get(reverse("agencies:application_detail", args=[draft.pk])).content.decode()
    assert "Submit the application" not in page and "Start the review" not in page
    services.submit_application(application_id=draft.pk, by=cast.agency_staff)
    page = client.get(reverse("agencies:application_detail", args=[draft.pk])).content.decode()
    assert "Start the review" in page and "Withdraw" not in page


def test_queue_lists_waiting_applications_oldest_first(cast, draft):
    other = complete_application(ApplicationFactory(agency=cast.agency_b))
    services.submit_application(application_id=draft.pk, by=cast.agency_staff)
    services.submit_application(application_id=other.pk, by=cast.other_agency_staff)
    LicenceApplication.objects.filter(pk=other.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=10))
    from agencies.queries import application_queue

    assert list(application_queue()) == [other, draft]


# --- Renewal -------------------------------------------------------------------------------------


def test_a_renewal_before_expiry_continues_the_licence_without_a_gap(cast):
    licence = LicenceFactory(agency=cast.agency_a, expires_on=timezone.localdate() + datetime.timedelta(days=20))
    old_expiry = licence.expires_on
    renewal = complete_application(ApplicationFactory(agency=cast.agency_a, kind="renewal", renews=licence))
    under_review(cast, renewal)
    accept_all(cast, renewal)
    renewed = services.approve_application(application_id=renewal.pk, by=cast.licensing_officer)
    assert renewed.pk == licence.pk and renewed.number == licence.number
    assert renewed.expires_on.year == old_expiry.year + 1 and renewed.expires_on.month == old_expiry.month


# --- Sanctions -------------------------------------------------------------------------------------


def test_suspension_needs_a_reason_and_fires_the_hook(cast):
    licence = LicenceFactory(agency=cast.agency_a)
    heard = []

    def receiver(sender, licence_id, reason, **kwargs):
        heard.append((licence_id, reason))

    hooks.licence_suspended.connect(receiver)
    try:
        with pytest.raises(ValidationError):
            services.sanction_licence(licence_id=licence.pk, action="suspend", by=cast.licensing_officer, reason="")
        assert heard == []
        services.sanction_licence(licence_id=licence.pk, action="suspend", by=cast.licensing_officer, reason="Fees charged")
    finally:
        hooks.licence_suspended.disconnect(receiver)
    assert heard == [(licence.pk, "Fees charged")]
    assert not services.can_recruit(cast.agency_a.pk)


def test_revocation_fires_its_hook_and_is_final(cast):
    licence = LicenceFactory(agency=cast.agency_a)
    heard = []
    hooks.licence_revoked.connect(
        lambda sender, licence_id, reason, **kw: heard.append(licence_id), weak=False, dispatch_uid="test-revoked"
    )
    try:
        services.sanction_licence(licence_id=licence.pk, action="revoke", by=cast.licensing_officer, reason="Trafficking")
    finally:
        hooks.licence_revoked.disconnect(dispatch_uid="test-revoked")
    assert heard == [licence.pk]
    for action in ("reinstate", "suspend", "revoke"):
        with pytest.raises(ValidationError):
            services.sanction_licence(licence_id=licence.pk, action=action, by=cast.licensing_officer, reason="again")


def test_reinstatement_restores_recruitment(cast):
    licence = LicenceFactory(agency=cast.agency_a)
    services.sanction_licence(licence_id=licence.pk, action="suspend", by=cast.licensing_officer, reason="x")
    services.sanction_licence(licence_id=licence.pk, action="reinstate", by=cast.licensing_officer, reason="Refunded fees")
    assert services.can_recruit(cast.agency_a.pk)
    log = StateLog.objects.for_(licence).order_by("timestamp", "pk").last()
    assert (log.transition, log.by, log.description) == ("reinstate", cast.licensing_officer, "Refunded fees")


def test_only_licensing_officers_sanction(cast):
    licence = LicenceFactory(agency=cast.agency_a)
    for user in (cast.registrar, cast.agency_staff, cast.analyst):
        with pytest.raises(PermissionDenied):
            services.sanction_licence(licence_id=licence.pk, action="suspend", by=user, reason="x")


def test_a_disabled_agency_cannot_recruit_even_with_a_licence(cast):
    LicenceFactory(agency=cast.agency_a)
    services.disable_agency_account(agency_id=cast.agency_a.pk, by=cast.licensing_officer, reason="Fraud")
    assert not services.can_recruit(cast.agency_a.pk)


# --- Expiry and reminders, with a frozen clock ---------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Set "now" (Maseru noon of a given date) for the services."""

    def set_day(day: datetime.date):
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_day


def test_a_licence_is_valid_through_its_expiry_date_and_expires_the_day_after(cast, clock):
    licence = LicenceFactory(agency=cast.agency_a, expires_on=datetime.date(2027, 3, 31))
    clock(datetime.date(2027, 3, 31))
    services.expire_licences()
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.ACTIVE and services.can_recruit(cast.agency_a.pk)
    clock(datetime.date(2027, 4, 1))
    assert services.expire_licences() == "expired 1 licences"
    assert services.expire_licences() == "expired 0 licences"
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED and not services.can_recruit(cast.agency_a.pk)
    assert cast.agency_a.notices.filter(kind=NoticeKind.LICENCE_EXPIRED).count() == 1


def test_reminders_go_out_90_30_and_7_days_before_each_once(cast, clock, django_capture_on_commit_callbacks):
    from notifications.models import OutboundSms

    cast.agency_a.mobile = "+26658001122"
    cast.agency_a.save()
    LicenceFactory(agency=cast.agency_a, expires_on=datetime.date(2027, 6, 30))
    sent_on = []
    day = datetime.date(2027, 3, 1)
    while day <= datetime.date(2027, 6, 30):
        clock(day)
        with django_capture_on_commit_callbacks(execute=True):
            if services.send_expiry_reminders() == "sent 1 expiry reminders":
                sent_on.append(day)
        day += datetime.timedelta(days=1)
    assert sent_on == [datetime.date(2027, 4, 1), datetime.date(2027, 5, 31), datetime.date(2027, 6, 23)]
    assert OutboundSms.objects.filter(to="+26658001122", template_key="licence.expiry_reminder").count() == 3
    assert cast.agency_a.notices.filter(kind=NoticeKind.LICENCE_EXPIRING).count() == 3


def test_a_missed_run_catches_up_with_one_reminder(cast, clock):
    LicenceFactory(agency=cast.agency_a, expires_on=datetime.date(2027, 6, 30))
    clock(datetime.date(2027, 6, 10))  # the 90- and 30-day runs were missed
    assert services.send_expiry_reminders() == "sent 1 expiry reminders"
    assert cast.agency_a.notices.filter(kind=NoticeKind.LICENCE_EXPIRING).count() == 1
    clock(datetime.date(2027, 6, 11))
    assert services.send_expiry_reminders() == "sent 0 expiry reminders"
    clock(datetime.date(2027, 6, 23))
    assert services.send_expiry_reminders() == "sent 1 expiry reminders"


def test_bond_lapse_flags_the_licence(cast, clock):
    from agencies.queries import licences_with_bond_problems
    from tests.factories import BondFactory

    licence = LicenceFactory(agency=cast.agency_a)
    BondFactory(agency=cast.agency_a, valid_until=timezone.localdate() + datetime.timedelta(days=30))
    assert licence not in licences_with_bond_problems(timezone.localdate())
    assert licence in licences_with_bond_problems(timezone.localdate() + datetime.timedelta(days=31))
    RegulatoryParameter.objects.create(key="licence.bond_amount", value=Decimal("80000"), effective_from=timezone.localdate())
    assert licence in licences_with_bond_problems(timezone.localdate())


def test_staff_removed_from_an_agency_cannot_see_its_applications(cast, draft, client):
    from agencies.models import AgencyMembership

    former = AgencyStaffFactory(agency=cast.agency_a)
    AgencyMembership.objects.filter(user=former).update(ended_at=timezone.now())
    client.force_login(former)
    assert client.get(reverse("agencies:application_detail", args=[draft.pk])).status_code == 403


def test_the_agency_page_shows_its_licensing_history_with_who_and_why(cast, client):
    licence = LicenceFactory(agency=cast.agency_a)
    services.sanction_licence(licence_id=licence.pk, action="suspend", by=cast.licensing_officer, reason="Fees charged")
    client.force_login(cast.licensing_officer)
    page = client.get(reverse("agencies:agency_detail", args=[cast.agency_a.pk])).content.decode()
    assert "Licensing history" in page and "Active → Suspended" in page and "Fees charged" in page
    assert str(cast.licensing_officer) in page


def test_the_agency_page_runs_a_constant_number_of_queries(cast, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.licensing_officer)
    url = reverse("agencies:agency_detail", args=[cast.agency_a.pk])
    client.get(url)  # warm the content-type cache

    def queries_with(licences):
        for _ in range(licences):
            licence = LicenceFactory(agency=cast.agency_a)
            services.sanction_licence(licence_id=licence.pk, action="revoke", by=cast.licensing_officer, reason="x")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries_with(1) == queries_with(5)


def test_a_director_form_with_errors_comes_back_with_them_next_to_the_fields(cast, draft, client):
    client.force_login(cast.agency_staff)
    existing = draft.agency.directors.first()
    response = client.post(
        reverse("agencies:director_add", args=[draft.pk]),
        {
            "full_name": "Same Person",
            "identity_kind": "national_id",
            "identity_number": existing.identity_number.lower(),
            "nationality": "Lesotho",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This director is already listed." in body and 'id="director_identity_number"' in body
    assert draft.agency.directors.count() == 1


def test_a_rejection_without_a_reason_shows_the_error_on_the_page(cast, draft, client):
    under_review(cast, draft)
    client.force_login(cast.licensing_officer)
    response = client.post(reverse("agencies:application_reject", args=[draft.pk]), {"reason": "", "seen_status": "under_review"})
    assert response.status_code == 400
    assert 'id="reject_reason"' in response.content.decode() and "This field is required." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.UNDER_REVIEW
