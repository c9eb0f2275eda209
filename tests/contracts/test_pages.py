"""The contracts screens: drafting with the live check, decisions, agreements, employers, job orders; bad input; scoping."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts import filters as contract_filters
from contracts import services
from contracts.models import Agreement, Contract, ContractStatus, Employer, JobOrder
from core.dates import today
from tests.factories import contract_data, contract_setting, passport_worker, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(cast):
    return contract_setting(agency=cast.agency_a)


@pytest.fixture
def worker(cast):
    return passport_worker(cast.agency_a)


def form_data(setting, worker, **overrides):
    data = contract_data(setting, worker, **overrides)
    posted = {}
    for name, value in data.items():
        if value is None:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        if isinstance(value, bool):
            if value:
                posted[name] = "on"
            continue
        posted[name] = str(value)
    return posted


# --- Drafting ---------------------------------------------------------------------------------------------


def test_the_live_check_shows_why_without_saving(client, cast, setting, worker):
    client.force_login(cast.agency_staff)
    response = client.post(
        reverse("contracts:contract_create"), form_data(setting, worker, wage_amount="5000") | {"action": "check"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Must be fixed" in page and "below the floor of 9,000.00 ZAR" in page
    assert not Contract.objects.exists()


def test_saving_a_draft_then_submitting(client, cast, setting, worker):
    client.force_login(cast.agency_staff)
    response = client.post(reverse("contracts:contract_create"), form_data(setting, worker) | {"action": "save"})
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contracts:contract_detail", args=[contract.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Submit to the ministry" in page and "Wage at or above the floor" in page
    client.post(reverse("contracts:contract_submit", args=[contract.pk]), {"seen_status": "draft"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED


def test_submitting_a_failing_draft_says_why(client, cast, setting, worker):
    client.force_login(cast.agency_staff)
    contract = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker, wage_amount=Decimal("100")))
    response = client.post(reverse("contracts:contract_submit", args=[contract.pk]), {"seen_status": "draft"}, follow=True)
    assert "cannot be submitted" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"end_date": "2020-01-01"}, "The contract must end after it starts."),
        ({"wage_period": "day", "days_per_month": ""}, "A daily wage needs the working days per month"),
        ({"currency": "XYZ"}, "Select a valid choice"),
        ({"wage_amount": "-5"}, "greater than or equal to 0"),
        ({"hours_per_week": "200"}, "less than or equal to 84"),
        ({"start_date": "31/02/2027"}, "Enter a valid date"),
    ],
)
def test_bad_contract_input_gets_a_clear_message_and_nothing_saved(client, cast, setting, worker, overrides, message):
    client.force_login(cast.agency_staff)
    response = client.post(reverse("contracts:contract_create"), form_data(setting, worker) | overrides | {"action": "save"})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Contract.objects.exists()


def test_a_worker_of_another_agency_cannot_be_chosen(client, cast, setting):
    client.force_login(cast.agency_staff)
    stranger = passport_worker(cast.agency_b)
    response = client.post(reverse("contracts:contract_create"), form_data(setting, stranger) | {"action": "save"})
    assert "not linked to your agency" in response.content.decode()
    assert not Contract.objects.exists()


# --- Decisions, clearance, movements -----------------------------------------------------------------------


def test_the_registrar_approves_then_clears_and_the_agency_records_departure(client, cast, setting, worker):
    contract = services.submit(
        by=cast.agency_staff, contract_id=services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker)).pk
    )
    client.force_login(cast.registrar)
    page = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()
    assert "Approve" in page and "Return for correction" in page
    client.post(reverse("contracts:contract_approve", args=[contract.pk]), {"seen_status": "submitted"})
    client.post(reverse("contracts:contract_clear", args=[contract.pk]), {"seen_status": "approved"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CLEARED
    client.force_login(cast.agency_staff)
    client.post(
        reverse("contracts:contract_depart", args=[contract.pk]),
        {"seen_status": "cleared", "departed_on": today().isoformat(), "border_post": "Maseru Bridge"},
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DEPLOYED and contract.departure_border_post == "Maseru Bridge"


def test_reject_without_a_reason_is_refused_with_a_message(client, cast, setting, worker):
    contract = services.submit(
        by=cast.agency_staff, contract_id=services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker)).pk
    )
    client.force_login(cast.registrar)
    response = client.post(reverse("contracts:contract_reject", args=[contract.pk]), {"reason": ""}, follow=True)
    assert "Give the reason" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED


def test_a_return_with_a_bad_outcome_is_refused(client, cast, setting, worker):
    contract = services.approve(
        by=cast.registrar,
        contract_id=services.submit(
            by=cast.agency_staff, contract_id=services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker)).pk
        ).pk,
    )
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.DEPLOYED)
    client.force_login(cast.agency_staff)
    response = client.post(
        reverse("contracts:contract_return", args=[contract.pk]),
        {"outcome": "vanished", "ended_on": today().isoformat()},
        follow=True,
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DEPLOYED


def test_a_signed_copy_that_is_not_a_pdf_is_refused(client, cast, setting, worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    contract = services.approve(
        by=cast.registrar,
        contract_id=services.submit(
            by=cast.agency_staff, contract_id=services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker)).pk
        ).pk,
    )
    client.force_login(cast.agency_staff)
    fake = SimpleUploadedFile("signed.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(reverse("contracts:contract_upload", args=[contract.pk]), {"file": fake}, follow=True)
    assert "Only PDF, JPEG or PNG" in response.content.decode()
    contract.refresh_from_db()
    assert not contract.signed_copy
    client.post(reverse("contracts:contract_upload", args=[contract.pk]), {"file": pdf_upload("signed.pdf")})
    contract.refresh_from_db()
    assert contract.signed_copy_name == "signed.pdf"
    assert "signed.pdf" in client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()


# --- Scoping --------------------------------------------------------------------------------------------------


def test_agency_staff_see_only_their_contracts_and_job_orders(client, cast, setting, worker):
    mine = services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker))
    theirs_setting = contract_setting(agency=cast.agency_b)
    theirs = services.save_draft(by=cast.other_agency_staff, data=contract_data(theirs_setting, passport_worker(cast.agency_b)))
    client.force_login(cast.agency_staff)
    listing = client.get(reverse("contracts:contract_list")).content.decode()
    assert mine.reference in listing and theirs.reference not in listing
    assert client.get(reverse("contracts:contract_detail", args=[theirs.pk])).status_code == 404
    jobs = client.get(reverse("contracts:job_order_list")).content.decode()
    assert setting["job_order"].reference in jobs and theirs_setting["job_order"].reference not in jobs
    assert client.get(reverse("contracts:job_order_detail", args=[theirs_setting["job_order"].pk])).status_code == 404


def test_the_contract_list_export_leaves_names_out_for_roles_without_personal_data(client, cast, setting, worker):
    services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker))
    client.force_login(cast.registrar)
    export = b"".join(client.get(reverse("contracts:contract_list") + "?export=csv").streaming_content).decode()
    assert worker.full_name in export


def test_list_pages_use_a_constant_number_of_queries(client, cast, setting, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.registrar)

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.save_draft(by=cast.agency_staff, data=contract_data(setting, passport_worker(cast.agency_a)))
    few_contracts, few_orders = count(reverse("contracts:contract_list")), count(reverse("contracts:job_order_list"))
    for _ in range(8):
        other = contract_setting(agency=cast.agency_a)
        services.save_draft(by=cast.agency_staff, data=contract_data(other, passport_worker(cast.agency_a)))
    assert count(reverse("contracts:contract_list")) == few_contracts
    assert count(reverse("contracts:job_order_list")) == few_orders


# --- Agreements, employers, job orders -------------------------------------------------------------------------


def test_a_registrar_records_an_agreement_with_terms_and_brings_it_into_force(client, cast):
    from contracts.models import Country

    client.force_login(cast.registrar)
    client.post(
        reverse("contracts:agreement_create"),
        {"country": "MU", "title": "Lesotho–Mauritius MoU", "reference": "BLA-MU-2026", "in_force_from": "2026-01-01"},
    )
    agreement = Agreement.objects.get(reference="BLA-MU-2026")
    assert agreement.country == Country.objects.get(code="MU") and agreement.status == "draft"
    refused = client.post(reverse("contracts:agreement_in_force", args=[agreement.pk]), {"reason": "Signed"}, follow=True)
    assert "before bringing it into force" in refused.content.decode()
    response = client.post(
        reverse("contracts:terms_create", args=[agreement.pk]),
        {
            "effective_from": "2026-01-01",
            "max_contract_months": "36",
            "max_worker_fee": "0",
            "fee_currency": "MUR",
            "occupations": ["8153"],
            "sectors-TOTAL_FORMS": "1",
            "sectors-INITIAL_FORMS": "0",
            "sectors-MIN_NUM_FORMS": "1",
            "sectors-MAX_NUM_FORMS": "1000",
            "sectors-0-sector": str(_sector("manufacturing").pk),
            "sectors-0-wage_floor": "17000",
            "sectors-0-currency": "MUR",
            "sectors-0-period": "month",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.post(reverse("contracts:agreement_in_force", args=[agreement.pk]), {"reason": "Ratified", "seen_status": "draft"})
    agreement.refresh_from_db()
    assert agreement.status == "in_force"


def _sector(code):
    from contracts.models import Sector

    return Sector.objects.get(code=code)


def test_terms_in_use_cannot_be_backdated_or_edited(client, cast, setting):
    client.force_login(cast.registrar)
    terms = setting["terms"]
    response = client.get(reverse("contracts:terms_edit", args=[terms.pk]), follow=True)
    assert "add a new version instead" in response.content.decode()
    response = client.post(
        reverse("contracts:terms_create", args=[setting["agreement"].pk]),
        {
            "effective_from": today().isoformat(),
            "max_contract_months": "12",
            "max_worker_fee": "0",
            "fee_currency": "LSL",
            "occupations": ["8111"],
            "sectors-TOTAL_FORMS": "1",
            "sectors-INITIAL_FORMS": "0",
            "sectors-MIN_NUM_FORMS": "1",
            "sectors-MAX_NUM_FORMS": "1000",
            "sectors-0-sector": str(setting["sector"].pk),
            "sectors-0-wage_floor": "9900",
            "sectors-0-currency": "ZAR",
            "sectors-0-period": "month",
        },
    )
    assert response.status_code == 200 and "from tomorrow on" in response.content.decode()
    assert setting["agreement"].terms.count() == 1


def test_an_agency_records_a_job_order_and_the_registrar_approves_it(client, cast, setting):
    client.force_login(cast.agency_staff)
    data = {
        "employer": setting["employer"].pk,
        "agreement": setting["agreement"].pk,
        "occupation": "8111",
        "sector": setting["sector"].pk,
        "positions": "10",
        "wage_amount": "9500",
        "currency": "ZAR",
        "wage_period": "month",
        "hours_per_week": "45",
        "contract_months": "12",
        "work_place": "Carletonville",
        "valid_from": today().isoformat(),
        "valid_until": (today() + datetime.timedelta(days=90)).isoformat(),
    }
    response = client.post(reverse("contracts:job_order_create"), data | {"demand_letter": pdf_upload("demand.pdf")})
    job_order = JobOrder.objects.get(work_place="Carletonville")
    assert response.status_code == 302 and job_order.status == "submitted" and job_order.agency == cast.agency_a
    client.force_login(cast.registrar)
    client.post(reverse("contracts:job_order_approve", args=[job_order.pk]), {"seen_status": "submitted"})
    job_order.refresh_from_db()
    assert job_order.status == "approved"
    download = client.get(reverse("contracts:demand_letter", args=[job_order.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"positions": "0"}, "A job order needs at least one position."),
        ({"valid_until": "2020-01-01"}, "Recruitment cannot close before it opens."),
        ({"wage_period": "day"}, "A daily wage needs the working days per month"),
    ],
)
def test_bad_job_orders_are_refused_with_a_message(client, cast, setting, overrides, message):
    client.force_login(cast.agency_staff)
    data = {
        "employer": setting["employer"].pk,
        "agreement": setting["agreement"].pk,
        "occupation": "8111",
        "sector": setting["sector"].pk,
        "positions": "10",
        "wage_amount": "9500",
        "currency": "ZAR",
        "wage_period": "month",
        "hours_per_week": "45",
        "contract_months": "12",
        "work_place": "Welkom",
        "valid_from": today().isoformat(),
        "valid_until": (today() + datetime.timedelta(days=90)).isoformat(),
    }
    response = client.post(reverse("contracts:job_order_create"), data | overrides | {"demand_letter": pdf_upload()})
    assert response.status_code == 200 and message in response.content.decode()
    assert not JobOrder.objects.filter(work_place="Welkom").exists()


def test_a_demand_letter_that_is_not_a_document_is_refused(client, cast, setting):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.agency_staff)
    data = {
        "employer": setting["employer"].pk,
        "agreement": setting["agreement"].pk,
        "occupation": "8111",
        "sector": setting["sector"].pk,
        "positions": "3",
        "wage_amount": "9500",
        "currency": "ZAR",
        "wage_period": "month",
        "hours_per_week": "45",
        "contract_months": "12",
        "work_place": "Welkom",
        "valid_from": today().isoformat(),
        "valid_until": (today() + datetime.timedelta(days=90)).isoformat(),
        "demand_letter": SimpleUploadedFile("demand.pdf", b"PK\x03\x04 zip", content_type="application/pdf"),
    }
    response = client.post(reverse("contracts:job_order_create"), data)
    assert "Only PDF, JPEG or PNG" in response.content.decode()
    assert not JobOrder.objects.filter(work_place="Welkom").exists()


def test_a_registrar_blacklists_an_employer_with_a_reason(client, cast, setting):
    client.force_login(cast.registrar)
    employer = setting["employer"]
    client.post(reverse("contracts:employer_blacklist", args=[employer.pk]), {"reason": "Withheld passports"})
    employer.refresh_from_db()
    assert employer.blacklisted and employer.blacklist_reason == "Withheld passports"
    page = client.get(reverse("contracts:employer_detail", args=[employer.pk])).content.decode()
    assert "Withheld passports" in page
    client.post(reverse("contracts:employer_lift_blacklist", args=[employer.pk]), {"reason": "Court ruling"})
    employer.refresh_from_db()
    assert not employer.blacklisted


def test_an_employer_with_a_taken_registration_number_is_refused(client, cast, setting):
    client.force_login(cast.agency_staff)
    response = client.post(
        reverse("contracts:employer_create"),
        {
            "name": "Copycat Mining",
            "country": "ZA",
            "registration_number": setting["employer"].registration_number.lower(),
            "sector": setting["sector"].pk,
            "address": "Johannesburg",
        },
    )
    assert response.status_code == 200 and "already recorded" in response.content.decode()
    assert Employer.objects.count() == 1


def test_the_training_needed_page_names_the_missing_course(client, cast, worker):
    from predeparture.models import Course

    setting = contract_setting(agency=cast.agency_a)
    setting["terms"].required_courses.add(Course.objects.create(code="PDO-GEN", title="General orientation"))
    services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker))
    client.force_login(cast.agency_staff)
    page = client.get(reverse("contracts:training_needed")).content.decode()
    assert worker.full_name in page and "PDO-GEN: no training certificate" in page


def test_dashboard_panels(client, cast, setting, worker):
    contract = services.submit(
        by=cast.agency_staff, contract_id=services.save_draft(by=cast.agency_staff, data=contract_data(setting, worker)).pk
    )
    client.force_login(cast.registrar)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert contract.reference in page and "1 contract waiting for a decision" in page
    client.force_login(cast.agency_staff)
    assert "Your contracts" in client.get(reverse("core:dashboard")).content.decode()


def test_the_contract_page_takes_as_many_queries_with_a_long_history_and_a_clearance(client, cast, setting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    short = services.save_draft(by=cast.agency_staff, data=contract_data(setting, passport_worker(cast.agency_a)))
    long = services.save_draft(by=cast.agency_staff, data=contract_data(setting, passport_worker(cast.agency_a)))
    services.submit(by=cast.agency_staff, contract_id=long.pk)
    services.approve(by=cast.registrar, contract_id=long.pk)
    services.issue_clearance(by=cast.registrar, contract_id=long.pk)
    client.force_login(cast.registrar)

    def count(contract):
        client.get(reverse("contracts:contract_detail", args=[contract.pk]))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("contracts:contract_detail", args=[contract.pk])).status_code == 200
        return len(captured)

    assert count(long) == count(short)


@pytest.mark.parametrize("rare_name", [2_000, 0], ids=["rare name: through the workers' ids", "common name: walked"])
def test_contract_search_by_reference_national_id_passport_and_name(client, cast, setting, monkeypatch, rare_name):
    monkeypatch.setattr(contract_filters, "RARE_NAME", rare_name)
    wanted = passport_worker(cast.agency_a, last_name="Mofokeng")
    other = passport_worker(cast.agency_a, last_name="Ramaili")
    mine = services.save_draft(by=cast.agency_staff, data=contract_data(setting, wanted))
    theirs = services.save_draft(by=cast.agency_staff, data=contract_data(setting, other))
    client.force_login(cast.registrar)
    for query in (mine.reference.lower(), wanted.national_id, wanted.passport_number, "mofo"):
        page = client.get(reverse("contracts:contract_list"), {"q": query}).content.decode()
        assert mine.reference in page and theirs.reference not in page, query


def test_a_rare_name_is_searched_through_its_workers_ids_not_walked_with_the_contracts(client, cast, setting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Walking the newest contracts until a page matches read 47,000 of two million for a name borne by 1,540 workers.
    wanted = passport_worker(cast.agency_a, last_name="Mofokeng")
    mine = services.save_draft(by=cast.agency_staff, data=contract_data(setting, wanted))
    client.force_login(cast.registrar)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("contracts:contract_list"), {"q": "mofo"}).content.decode()
    assert mine.reference in page
    contract_queries = [query["sql"] for query in captured.captured_queries if 'FROM "contracts_contract"' in query["sql"]]
    assert contract_queries and not any("LIKE" in sql for sql in contract_queries)
    # A name nobody bears: no ids to look through, an empty list.
    response = client.get(reverse("contracts:contract_list"), {"q": "Zzzqx"})
    assert response.status_code == 200 and mine.reference not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"occupation_group": "zz"}, {"employer": "not-a-number"}, {"employer": "999999"}, {"age_band": "ancient"}],
)
def test_a_bad_breakdown_filter_is_a_message_not_a_500(client, cast, setting, query):
    client.force_login(cast.registrar)
    response = client.get(reverse("contracts:contract_list"), query)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
