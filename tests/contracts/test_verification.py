"""Public verification of a deployment clearance: initials and year of birth only, lookup needs the passport, rate limit."""

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Contract, ContractStatus, DeploymentClearance
from contracts.public_views import PUBLIC_REQUESTS_PER_MINUTE
from tests.contracts.test_documents import cleared_contract

pytestmark = pytest.mark.django_db

SECRETS = ("Thabo", "Mokhele", "RA1234567", "0101199912345", "+26658001234", "58001234", "17 May 1990")


@pytest.fixture
def clearance(cast) -> DeploymentClearance:
    contract = cleared_contract(
        cast,
        first_name="Thabo",
        last_name="Mokhele",
        passport_number="RA1234567",
        national_id="0101199912345",
        mobile="+26658001234",
    )
    return contract.clearance


def verify_url(clearance) -> str:
    return reverse("clearance:verify", args=[clearance.public_token])


def test_verification_shows_initials_year_of_birth_and_the_terms_never_identity(client, clearance):
    contract = clearance.contract
    response = client.get(verify_url(clearance))
    text = response.content.decode()
    assert response.status_code == 200
    for shown in (
        "T. M.",
        "1990",
        contract.agency.trading_name,
        contract.employer.name,
        "South Africa",
        clearance.number,
        "This clearance is valid until",
    ):
        assert shown in text, shown
    for secret in SECRETS:
        assert secret not in text, secret
    assert contract.reference not in text  # the contract's number leads nowhere public; the clearance's is enough


def test_an_unknown_token_is_not_found(client, clearance):
    response = client.get(reverse("clearance:verify", args=["not-a-token"]))
    assert response.status_code == 404 and "No deployment clearance matches this link" in response.content.decode()


def test_lookup_needs_the_passport_number(client, clearance):
    url = reverse("clearance:lookup")
    assert client.get(url).status_code == 200
    missing = client.get(url, {"number": clearance.number, "passport_number": ""})
    assert missing.status_code == 200 and clearance.public_token not in missing.content.decode()
    right = client.get(url, {"number": clearance.number.lower().replace("-", "- ", 1), "passport_number": "ra 1234567"})
    assert right.status_code == 302 and right["Location"] == verify_url(clearance)


def test_a_wrong_passport_or_number_gets_one_neutral_message(client, clearance):
    url = reverse("clearance:lookup")
    answers = [
        client.get(url, {"number": clearance.number, "passport_number": "RA0000000"}),
        client.get(url, {"number": "DC-2020-999999", "passport_number": "RA1234567"}),
        client.get(url, {"number": "nonsense", "passport_number": "RA1234567"}),
    ]
    for response in answers:
        text = response.content.decode()
        assert response.status_code == 404 and "No clearance matches this number and passport number." in text
        assert clearance.public_token not in text and "T. M." not in text


def test_public_pages_are_rate_limited(client, clearance, ratelimit_clock):
    url = reverse("clearance:lookup")
    for _ in range(PUBLIC_REQUESTS_PER_MINUTE):
        client.get(url, {"number": "DC-2026-000001", "passport_number": "X"})
    assert client.get(url, {"number": "DC-2026-000001", "passport_number": "X"}).status_code == 429
    # The verification page counts on its own, per client address.
    assert client.get(verify_url(clearance)).status_code == 200
    for _ in range(PUBLIC_REQUESTS_PER_MINUTE):
        client.get(verify_url(clearance))
    assert client.get(verify_url(clearance)).status_code == 429


def test_a_cancelled_contracts_clearance_is_shown_as_not_valid(client, cast, clearance):
    services.cancel(by=cast.agency_staff, contract_id=clearance.contract_id, reason="The worker chose to stay home")
    text = client.get(verify_url(clearance)).content.decode()
    assert "VOID" in text and "the contract was cancelled" in text
    assert "licence-verdict-expired" in text and "This clearance is valid until" not in text


@pytest.mark.parametrize("status", [ContractStatus.COMPLETED, ContractStatus.TERMINATED, ContractStatus.REPATRIATED])
def test_an_ended_contracts_clearance_is_void(client, clearance, status):
    Contract.objects.filter(pk=clearance.contract_id).update(status=status)
    text = client.get(verify_url(clearance)).content.decode()
    assert "VOID" in text and "the contract has ended" in text


def test_a_deployed_workers_clearance_stays_valid(client, cast, clearance):
    services.record_departure(
        by=cast.agency_staff, contract_id=clearance.contract_id, departed_on=timezone.localdate(), border_post="Maseru Bridge"
    )
    text = client.get(verify_url(clearance)).content.decode()
    assert "This clearance is valid until" in text and "licence-verdict-active" in text


def test_verification_speaks_the_visitors_language(client, clearance):
    client.cookies["django_language"] = "st"
    text = client.get(verify_url(clearance), headers={"accept-language": "st"}).content.decode()
    assert "Setsi" in text  # "Agency"
