"""Personal data: national ID, passport and phone numbers in full only for roles with "personal_data.view", masked
("••••••1234") for the others on pages and in exports; analysts reach no page or export carrying them; every showing
of a worker's full record is kept, and registrars and the administrator see who has looked."""

import pytest
from django.urls import reverse

from core.text import mask_number
from notifications.models import InboundSms, OutboundSms
from tests.factories import WorkerFactory
from workers.models import WorkerRecordView

pytestmark = pytest.mark.django_db

NATIONAL_ID, PASSPORT, MOBILE = "0101987654321", "RA1234567", "+26658123456"
# How the worker's pages and exports write the mobile (PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL").
MOBILE_SHOWN = "+266 5812 3456"


@pytest.fixture
def worker(cast):
    return WorkerFactory(agency=cast.agency_a, national_id=NATIONAL_ID, passport_number=PASSPORT, mobile=MOBILE)


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize(
    ("value", "masked"),
    [("0101987654321", "••••••4321"), ("+26658123456", "••••••3456"), ("1234", "••••••"), ("", ""), (None, "")],
)
def test_mask_keeps_only_the_last_four_characters(value, masked):
    assert mask_number(value) == masked


@pytest.mark.parametrize("role", ["registrar", "inspector", "agency_staff"])
def test_roles_that_need_them_read_full_numbers_in_the_worker_list_export_and_page(cast, client, worker, role):
    client.force_login(getattr(cast, role))
    urls = [reverse("workers:worker_list"), reverse("workers:worker_detail", args=[worker.pk])]
    if role != "agency_staff":  # agency staff's exports leave personal columns out altogether ("personal_data.export")
        urls.append(reverse("workers:worker_list") + "?export=csv")
    for url in urls:
        text = text_of(client.get(url))
        assert NATIONAL_ID in text and MOBILE_SHOWN in text, url
    assert PASSPORT in text_of(client.get(reverse("workers:worker_detail", args=[worker.pk])))


@pytest.mark.parametrize("role", ["trainer", "licensing_officer", "administrator"])
def test_other_roles_read_masked_numbers_in_the_worker_list_export_and_page(cast, client, worker, role):
    client.force_login(getattr(cast, role))
    for url in (
        reverse("workers:worker_list"),
        reverse("workers:worker_list") + "?export=csv",
        reverse("workers:worker_detail", args=[worker.pk]),
    ):
        text = text_of(client.get(url))
        assert NATIONAL_ID not in text and "5812" not in text and PASSPORT not in text, url
        assert "••••••4321" in text and "••••••3456" in text, url
    assert "••••••4567" in text_of(client.get(reverse("workers:worker_detail", args=[worker.pk])))


def test_the_sms_lists_mask_numbers_for_the_administrator_not_for_the_registrar(cast, client):
    OutboundSms.objects.create(to=MOBILE, language="en", template_key="contract.approved", body="Approved.")
    InboundSms.objects.create(provider_id="SM1", from_number="+27821234567", body="STATUS")
    pages = [reverse("notifications:outbox"), reverse("notifications:inbound")]
    pages += [page + "?export=csv" for page in pages]
    client.force_login(cast.registrar)
    texts = [text_of(client.get(page)) for page in pages]
    assert MOBILE in texts[0] and "+27821234567" in texts[1] and MOBILE in texts[2] and "+27821234567" in texts[3]
    client.force_login(cast.administrator)
    for page in pages:
        text = text_of(client.get(page))
        assert MOBILE not in text and "+27821234567" not in text, page
    assert "••••••3456" in text_of(client.get(pages[0])) and "••••••4567" in text_of(client.get(pages[1]))


@pytest.mark.parametrize(
    "url_name",
    [
        "workers:worker_list",
        "contracts:contract_list",
        "inspections:complaint_list",
        "notifications:outbox",
        "notifications:inbound",
        "notifications:failed_numbers",
        "workers:import_list",
    ],
)
def test_the_analyst_reaches_no_list_or_export_of_personal_data(cast, client, worker, url_name):
    client.force_login(cast.analyst)
    assert client.get(reverse(url_name)).status_code == 403
    assert client.get(reverse(url_name) + "?export=csv").status_code == 403


def test_the_analyst_cannot_open_a_worker_and_nothing_is_recorded(cast, client, worker):
    client.force_login(cast.analyst)
    assert client.get(reverse("workers:worker_detail", args=[worker.pk])).status_code == 403
    assert not WorkerRecordView.objects.exists()


def test_each_showing_of_a_worker_record_is_recorded_once(cast, client, worker):
    client.force_login(cast.agency_staff)
    client.get(reverse("workers:worker_detail", args=[worker.pk]))
    assert list(WorkerRecordView.objects.values_list("worker_id", "viewed_by_id", "what")) == [
        (worker.pk, cast.agency_staff.pk, "page")
    ]
    client.get(reverse("workers:worker_detail", args=[worker.pk]))
    assert WorkerRecordView.objects.filter(worker=worker, viewed_by=cast.agency_staff).count() == 2


def test_a_refused_showing_records_nothing(cast, client, worker):
    client.force_login(cast.other_agency_staff)
    assert client.get(reverse("workers:worker_detail", args=[worker.pk])).status_code == 404
    assert not WorkerRecordView.objects.exists()


def test_registrars_and_the_administrator_see_who_has_seen_the_record(cast, client, worker):
    client.force_login(cast.trainer)
    client.get(reverse("workers:worker_detail", args=[worker.pk]))
    for user in (cast.registrar, cast.administrator):
        client.force_login(user)
        page = client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
        assert "Who has seen this record" in page and cast.trainer.get_full_name() in page
    for user in (cast.agency_staff, cast.trainer, cast.inspector):
        client.force_login(user)
        assert "Who has seen this record" not in client.get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()


def test_who_has_seen_the_record_shows_the_last_twenty_in_constant_queries(cast, client, worker, django_assert_max_num_queries):
    client.force_login(cast.registrar)
    url = reverse("workers:worker_detail", args=[worker.pk])
    with django_assert_max_num_queries(80) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    WorkerRecordView.objects.bulk_create([WorkerRecordView(worker=worker, viewed_by=cast.trainer) for _ in range(30)])
    with django_assert_max_num_queries(baseline):
        page = client.get(url).content.decode()
    assert page.count("<td>The worker's page</td>") == 20


def test_an_agencys_export_holds_none_of_another_agencys_workers(cast, client, worker):
    WorkerFactory(agency=cast.agency_b, last_name="Ofagencyb")
    client.force_login(cast.other_agency_staff)
    export = text_of(client.get(reverse("workers:worker_list") + "?export=csv"))
    assert worker.reference not in export and "WRK-" in export
