"""Correcting a worker's details: the register's rules, the neutral answer for a taken number, the national ID for
registrars only, scoping by agency, history, and a stale screen that cannot save over a newer change."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from agencies.services import StaleRecord
from tests.factories import WorkerFactory
from workers import services
from workers.models import Worker

pytestmark = pytest.mark.django_db

NUMBER_TAKEN = (
    "This national ID (or passport) number is already registered. "
    "If this is the same person, claim them with their national ID and date of birth."
)


def page_data(worker, **overrides):
    """The edit form as the page shows it for ``worker``, with some fields changed."""
    data = {
        "first_name": worker.first_name,
        "last_name": worker.last_name,
        "sex": worker.sex,
        "date_of_birth": worker.date_of_birth.isoformat(),
        "national_id": worker.national_id,
        "passport_number": worker.passport_number,
        "passport_expires_on": worker.passport_expires_on.isoformat() if worker.passport_expires_on else "",
        "district": worker.district,
        "village": worker.village,
        "mobile": str(worker.mobile or ""),
        "preferred_language": worker.preferred_language,
        "next_of_kin_name": worker.next_of_kin_name,
        "next_of_kin_phone": str(worker.next_of_kin_phone or ""),
        "seen": services.worker_fingerprint(worker),
    }
    return data | overrides


def edit(client, worker, **overrides):
    return client.post(reverse("workers:worker_edit", args=[worker.pk]), page_data(worker, **overrides))


def text(response) -> str:
    return html.unescape(response.content.decode())


def in_a_year():
    return (timezone.localdate() + datetime.timedelta(days=365)).isoformat()


def test_agency_staff_correct_their_workers_details_and_the_history_says_who(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, village="Ha Abia")
    client.force_login(cast.agency_staff)
    response = edit(client, worker, village="Roma", mobile="+26662000111", next_of_kin_name="Mpho Ramokoena",
                    passport_number="rb 123 4567", passport_expires_on=in_a_year())
    assert response.status_code == 302 and response["Location"] == reverse("workers:worker_detail", args=[worker.pk])
    worker.refresh_from_db()
    assert worker.village == "Roma" and worker.mobile.as_e164 == "+26662000111"
    assert worker.passport_number == "RB1234567" and worker.next_of_kin_name == "Mpho Ramokoena"
    latest = worker.history.latest()
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("~", cast.agency_staff,
                                                                                         "details corrected")


def test_worker_page_offers_the_correction_to_those_who_may_make_it(cast, client):
    worker = WorkerFactory(agency=cast.agency_a)
    edit_url = reverse("workers:worker_edit", args=[worker.pk])
    client.force_login(cast.agency_staff)
    assert edit_url in client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    client.force_login(cast.trainer)
    assert edit_url not in client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()


def test_another_agencys_staff_can_neither_open_nor_save_the_form(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, village="Ha Abia")
    client.force_login(cast.other_agency_staff)
    assert client.get(reverse("workers:worker_edit", args=[worker.pk])).status_code == 404
    assert edit(client, worker, village="Elsewhere").status_code == 404
    with pytest.raises(PermissionDenied):
        services.update_worker(by=cast.other_agency_staff, worker_id=worker.pk, data={"village": "Elsewhere"})
    worker.refresh_from_db()
    assert worker.village == "Ha Abia"


def test_agency_staff_cannot_change_the_national_id(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, national_id="0101000000077")
    client.force_login(cast.agency_staff)
    page = client.get(reverse("workers:worker_edit", args=[worker.pk])).content.decode()
    assert "Only a registrar can correct the national ID number" in page and "disabled" in page
    edit(client, worker, national_id="0101999999999", village="Roma")
    worker.refresh_from_db()
    assert worker.national_id == "0101000000077" and worker.village == "Roma"
    with pytest.raises(PermissionDenied):
        services.update_worker(by=cast.agency_staff, worker_id=worker.pk, data={"national_id": "0101999999999"})


def test_registrar_corrects_the_national_id(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, national_id="0101000000077")
    client.force_login(cast.registrar)
    assert edit(client, worker, national_id="0101 0000 00078").status_code == 302
    worker.refresh_from_db()
    assert worker.national_id == "0101000000078"


def test_a_taken_passport_gets_the_registers_neutral_message(cast, client):
    WorkerFactory(agency=cast.agency_b, first_name="Secret", passport_number="RC7654321",
                  passport_expires_on=timezone.localdate() + datetime.timedelta(days=900))
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    response = edit(client, worker, passport_number="rc7654321", passport_expires_on=in_a_year())
    page = text(response)
    assert response.status_code == 200
    assert NUMBER_TAKEN in page
    assert "Secret" not in page and cast.agency_b.trading_name not in page and "already exists" not in page
    worker.refresh_from_db()
    assert worker.passport_number == ""


def test_a_taken_national_id_gets_the_same_neutral_message(cast, client):
    WorkerFactory(national_id="0101000000099")
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(cast.registrar)
    page = text(edit(client, worker, national_id="0101000000099"))
    assert NUMBER_TAKEN in page
    with pytest.raises(services.NumberTaken):
        services.update_worker(by=cast.registrar, worker_id=worker.pk, data={"national_id": "0101000000099"})


def test_keeping_ones_own_numbers_is_not_a_duplicate(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, passport_number="RC1111111",
                           passport_expires_on=timezone.localdate() + datetime.timedelta(days=900))
    client.force_login(cast.registrar)
    assert edit(client, worker, first_name="Palesa").status_code == 302
    worker.refresh_from_db()
    assert worker.first_name == "Palesa"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2100-01-01", "The date of birth cannot be in the future."),
        ("date_of_birth", "2015-01-01", "A worker must be at least 18 years old."),
        ("mobile", "+26622312345", "This is a fixed line and cannot receive SMS"),
        ("mobile", "12", "Enter a valid phone number"),
        ("passport_number", "RD1234567", "Give the passport's expiry date."),
        ("first_name", "", "This field is required."),
    ],
)
def test_corrections_follow_the_register_rules(cast, client, field, value, message):
    worker = WorkerFactory(agency=cast.agency_a, first_name="Lineo")
    client.force_login(cast.agency_staff)
    response = edit(client, worker, **{field: value})
    assert response.status_code == 200 and message in text(response)
    assert Worker.objects.get(pk=worker.pk).first_name == "Lineo"
    assert worker.history.count() == 1  # only the registration


def test_a_newly_entered_passport_must_not_have_expired(cast, client):
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    response = edit(client, worker, passport_number="RD1234567", passport_expires_on="2020-01-01")
    assert "This passport has expired" in response.content.decode()
    with pytest.raises(Exception, match="This passport has expired"):
        services.update_worker(by=cast.agency_staff, worker_id=worker.pk,
                               data={"passport_number": "RD1234567", "passport_expires_on": datetime.date(2020, 1, 1)})


def test_a_passport_that_expired_since_does_not_block_other_corrections(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, passport_number="RE1234567",
                           passport_expires_on=timezone.localdate() - datetime.timedelta(days=3))
    client.force_login(cast.agency_staff)
    assert edit(client, worker, village="Morija").status_code == 302
    worker.refresh_from_db()
    assert worker.village == "Morija" and worker.passport_number == "RE1234567"


def test_a_stale_screen_cannot_save_over_a_newer_change(cast, client):
    worker = WorkerFactory(agency=cast.agency_a, village="Ha Abia")
    seen = page_data(worker)  # the screen as drawn now
    services.update_worker(by=cast.registrar, worker_id=worker.pk, data={"village": "Roma"})
    client.force_login(cast.agency_staff)
    response = client.post(reverse("workers:worker_edit", args=[worker.pk]), seen | {"mobile": "+26662000222"})
    assert response.status_code == 302 and response["Location"] == reverse("workers:worker_edit", args=[worker.pk])
    worker.refresh_from_db()
    assert worker.village == "Roma" and worker.mobile.as_e164 != "+26662000222"
    page = text(client.get(response["Location"]))
    assert "Someone else changed this worker" in page and "Roma" in page
    with pytest.raises(StaleRecord):
        services.update_worker(by=cast.agency_staff, worker_id=worker.pk, data={"village": "X"}, seen=seen["seen"])


def test_saving_without_a_change_writes_no_history(cast, client):
    worker = WorkerFactory(agency=cast.agency_a)
    client.force_login(cast.agency_staff)
    response = edit(client, worker)
    assert response.status_code == 302
    assert "Nothing was changed." in client.get(response["Location"]).content.decode()
    assert worker.history.count() == 1


def test_ministry_sees_the_correction_in_the_history_section(cast, client):
    worker = WorkerFactory(agency=cast.agency_a)
    services.update_worker(by=cast.agency_staff, worker_id=worker.pk, data={"village": "Semonkong"})
    client.force_login(cast.registrar)
    page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
    assert "Semonkong" in page and "village" in page
