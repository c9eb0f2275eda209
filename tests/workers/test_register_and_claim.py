"""The register of workers: one person once, claims that reveal nothing, agencies that see only their own workers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import LicenceFactory, WorkerFactory
from workers import services
from workers.models import AgencyWorker, Worker

pytestmark = pytest.mark.django_db

NUMBER_TAKEN = (
    "This national ID (or passport) number is already registered. "
    "If this is the same person, claim them with their national ID and date of birth."
)
NO_MATCH = "No registered worker matches this national ID and date of birth."


def identity(**overrides):
    data = {
        "first_name": "Lineo",
        "last_name": "Ramokoena",
        "sex": "female",
        "date_of_birth": datetime.date(1992, 7, 2),
        "national_id": "0207 1992 00001",
        "passport_number": "",
        "district": "maseru",
        "mobile": "+26662123402",
        "preferred_language": "st",
    }
    return data | overrides


@pytest.fixture
def licensed(cast):
    LicenceFactory(agency=cast.agency_a)
    return cast


def test_agency_registers_a_worker_linked_to_itself_with_a_normalised_id(licensed):
    cast = licensed
    worker = services.register_worker(by=cast.agency_staff, agency_id=cast.agency_a.pk, data=identity())
    assert worker.national_id == "0207199200001"
    assert worker.reference == f"WRK-{worker.pk:06d}"
    assert Worker.objects.for_agency(cast.agency_a.pk).get() == worker


def test_agency_without_a_licence_in_force_cannot_register(cast):
    with pytest.raises(ValidationError, match="no licence in force"):
        services.register_worker(by=cast.agency_staff, agency_id=cast.agency_a.pk, data=identity())
    assert not Worker.objects.exists()


def test_agency_staff_cannot_register_for_another_agency(licensed):
    LicenceFactory(agency=licensed.agency_b)
    with pytest.raises(PermissionDenied):
        services.register_worker(by=licensed.agency_staff, agency_id=licensed.agency_b.pk, data=identity())


def test_registrar_registers_for_no_agency(cast):
    worker = services.register_worker(by=cast.registrar, agency_id=None, data=identity())
    assert not worker.agency_links.exists()


def test_duplicate_national_id_is_refused_with_the_neutral_message(licensed):
    WorkerFactory(national_id="0207199200001", agency=licensed.agency_b, first_name="Somebody")
    with pytest.raises(services.NumberTaken) as refused:
        services.register_worker(by=licensed.agency_staff, agency_id=licensed.agency_a.pk, data=identity())
    assert refused.value.messages == [NUMBER_TAKEN]
    assert "Somebody" not in str(refused.value) and "Agency B" not in str(refused.value)


def test_duplicate_passport_is_refused_with_the_neutral_message(licensed):
    WorkerFactory(passport_number="RA0001234")
    with pytest.raises(services.NumberTaken) as refused:
        services.register_worker(
            by=licensed.agency_staff, agency_id=licensed.agency_a.pk, data=identity(passport_number="ra 000 1234")
        )
    assert refused.value.messages == [NUMBER_TAKEN]


def test_claim_links_the_worker_when_id_and_date_of_birth_match(licensed):
    worker = WorkerFactory(national_id="0207199200001", date_of_birth=datetime.date(1992, 7, 2), agency=licensed.agency_b)
    claimed = services.claim_worker(
        by=licensed.agency_staff, agency_id=licensed.agency_a.pk, national_id="0207 1992 00001",
        date_of_birth=datetime.date(1992, 7, 2),
    )
    assert claimed == worker
    assert Worker.objects.for_agency(licensed.agency_a.pk).get() == worker
    # Claiming again changes nothing.
    services.claim_worker(
        by=licensed.agency_staff, agency_id=licensed.agency_a.pk, national_id="0207199200001",
        date_of_birth=datetime.date(1992, 7, 2),
    )
    assert AgencyWorker.objects.filter(agency=licensed.agency_a, worker=worker).count() == 1


def test_wrong_date_of_birth_and_unknown_id_give_the_identical_message(licensed):
    WorkerFactory(national_id="0207199200001", date_of_birth=datetime.date(1992, 7, 2))
    answers = []
    for national_id, born in (("0207199200001", datetime.date(1992, 7, 3)), ("9999999999999", datetime.date(1992, 7, 2))):
        with pytest.raises(ValidationError) as refused:
            services.claim_worker(by=licensed.agency_staff, agency_id=licensed.agency_a.pk, national_id=national_id,
                                  date_of_birth=born)
        answers.append(refused.value.messages)
    assert answers[0] == answers[1] == [NO_MATCH]
    assert not AgencyWorker.objects.exists()


def test_ended_link_removes_visibility_at_once(cast):
    worker = WorkerFactory(agency=cast.agency_a)
    link = worker.agency_links.get()
    assert Worker.objects.visible_to(cast.agency_staff).filter(pk=worker.pk).exists()
    services.end_link(by=cast.agency_staff, link_id=link.pk, reason="Went home")
    assert not Worker.objects.visible_to(cast.agency_staff).filter(pk=worker.pk).exists()
    link.refresh_from_db()
    assert link.ended_by == cast.agency_staff and link.end_reason == "Went home"


def test_agency_cannot_end_another_agencys_link(cast):
    link = WorkerFactory(agency=cast.agency_b).agency_links.get()
    with pytest.raises(PermissionDenied):
        services.end_link(by=cast.agency_staff, link_id=link.pk, reason="Not ours")
    link.refresh_from_db()
    assert link.ended_at is None


def test_ending_a_link_needs_a_reason(cast):
    link = WorkerFactory(agency=cast.agency_a).agency_links.get()
    with pytest.raises(ValidationError):
        services.end_link(by=cast.registrar, link_id=link.pk, reason="  ")


def test_consent_is_recorded_with_when_and_how(cast):
    worker = WorkerFactory(agency=cast.agency_a)
    services.record_consent(by=cast.agency_staff, worker_id=worker.pk, consented=True, method="sms")
    worker.refresh_from_db()
    assert worker.sms_consent and worker.consent_method == "sms" and worker.consent_changed_at is not None


def test_near_matches_are_limited_to_the_users_own_workers(cast):
    born = datetime.date(1990, 1, 30)
    own = WorkerFactory(first_name="Mpho", last_name="Sekoati", date_of_birth=born, agency=cast.agency_a)
    theirs = WorkerFactory(first_name="Mphonyana", last_name="SEKOATI", date_of_birth=born, agency=cast.agency_b)
    WorkerFactory(first_name="Mpho", last_name="Sekoati", date_of_birth=datetime.date(1991, 1, 30), agency=cast.agency_a)
    assert list(services.near_matches(cast.agency_staff, "mphoentle", "sekoati", born)) == [own]
    assert set(services.near_matches(cast.registrar, "Mpho", "Sekoati", born)) == {own, theirs}


def test_future_date_of_birth_is_refused_by_the_service(cast):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.register_worker(by=cast.registrar, agency_id=None, data=identity(date_of_birth=tomorrow))


@pytest.mark.parametrize(
    ("number", "accepted"),
    [("+26622312345", False), ("+26658123401", True), ("+26662123402", True), ("+27821234567", True), ("+27115551234", False)],
)
def test_only_mobiles_are_accepted(cast, number, accepted):
    from workers.models import validate_mobile

    if accepted:
        validate_mobile(number)
    else:
        with pytest.raises(ValidationError):
            validate_mobile(number)
