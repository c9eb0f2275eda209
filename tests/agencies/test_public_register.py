"""The public register: anyone can check an agency's licence, and sees only what is safe to show."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agencies.models import Director, IdentityKind, Licence, LicenceStatus
from agencies.services import sanction_licence
from tests.factories import AgencyFactory, LicenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def today():
    return timezone.localdate()


def register(client, **query):
    return client.get(reverse("register:index"), query)


# --- The register -----------------------------------------------------------------------


def test_register_lists_licensed_agencies_with_status_and_expiry(client):
    licence = LicenceFactory(
        agency=AgencyFactory(legal_name="Maloti Recruiters (Pty) Ltd", trading_name="Maloti Recruiters"),
        expires_on=datetime.date(2030, 3, 31),
    )
    response = register(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Maloti Recruiters" in html
    assert licence.number in html
    assert "31 March 2030" in html
    assert reverse("register:verify", args=[licence.public_token]) in html
    assert "licence-badge-active" in html


def test_register_leaves_out_agencies_that_never_held_a_licence(client):
    LicenceFactory(agency=AgencyFactory(trading_name="Licensed Lesotho Labour"))
    AgencyFactory(trading_name="Never Licensed Recruiters")
    html = register(client).content.decode()
    assert "Licensed Lesotho Labour" in html
    assert "Never Licensed Recruiters" not in html


def test_register_shows_an_agencys_latest_licence_once(client):
    agency = AgencyFactory(trading_name="Thaba Bosiu Placements")
    old = LicenceFactory(
        agency=agency, status=LicenceStatus.EXPIRED, issued_on=today() - datetime.timedelta(days=800),
        valid_from=today() - datetime.timedelta(days=800), expires_on=today() - datetime.timedelta(days=436),
    )
    new = LicenceFactory(agency=agency)
    html = register(client).content.decode()
    assert new.number in html
    assert old.number not in html
    assert html.count("Thaba Bosiu Placements") == 1


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (LicenceStatus.SUSPENDED, "SUSPENDED — do not pay this agency"),
        (LicenceStatus.REVOKED, "REVOKED — do not pay this agency"),
        (LicenceStatus.EXPIRED, "EXPIRED — may not recruit"),
    ],
)
def test_register_says_in_words_that_a_licence_is_not_in_force(client, status, words):
    LicenceFactory(status=status)
    html = register(client).content.decode()
    assert words in html
    assert f"licence-badge-{status}" in html


def test_register_shows_an_active_licence_past_its_expiry_date_as_expired(client):
    # The nightly job has not run yet; the public must not read "active".
    LicenceFactory(
        issued_on=today() - datetime.timedelta(days=366), valid_from=today() - datetime.timedelta(days=366),
        expires_on=today() - datetime.timedelta(days=1),
    )
    html = register(client).content.decode()
    assert "EXPIRED — may not recruit" in html
    assert "licence-badge-active" not in html


@pytest.mark.parametrize("query", ["mokhotlong", "Highlands Labour", "pea-2026-0042"])
def test_register_searches_by_legal_name_trading_name_or_licence_number(client, query):
    wanted = LicenceFactory(
        number="PEA-2026-0042",
        agency=AgencyFactory(legal_name="Mokhotlong Manpower (Pty) Ltd", trading_name="Highlands Labour"),
    )
    other = LicenceFactory(number="PEA-2026-0043", agency=AgencyFactory(legal_name="Quthing Crews", trading_name="QC"))
    html = register(client, q=query).content.decode()
    assert wanted.number in html
    assert other.number not in html


def test_register_search_without_match_says_so(client):
    LicenceFactory()
    response = register(client, q="Fly-by-night Recruiters")
    assert "No agency in the register matches" in response.content.decode()


def test_register_shows_fifty_agencies_a_page_in_a_constant_number_of_queries(client, django_assert_max_num_queries):
    for n in range(60):
        LicenceFactory(agency=AgencyFactory(legal_name=f"Agency {n:03d} (Pty) Ltd"))
    with django_assert_max_num_queries(3):
        first = register(client)
    with django_assert_max_num_queries(3):
        second = register(client, page=2)
    assert len(first.context["page_obj"].object_list) == 50
    assert len(second.context["page_obj"].object_list) == 10
    assert "Agency 000 (Pty) Ltd" in first.content.decode()
    assert "Agency 059 (Pty) Ltd" in second.content.decode()


def test_every_page_links_to_the_public_register(client):
    html = client.get(reverse("core:login")).content.decode()
    assert reverse("register:index") in html
    assert "Check a recruitment agency" in html


# --- Verifying one licence ---------------------------------------------------------------


def verify(client, licence):
    return client.get(reverse("register:verify", args=[licence.public_token]))


def test_verify_page_shows_the_licence_and_its_status_without_login(client):
    licence = LicenceFactory(
        agency=AgencyFactory(legal_name="Senqu Recruitment (Pty) Ltd", trading_name="Senqu Jobs", district="leribe"),
        valid_from=datetime.date(2026, 1, 5), issued_on=datetime.date(2026, 1, 5), expires_on=datetime.date(2099, 1, 4),
    )
    response = verify(client, licence)
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ["Senqu Recruitment (Pty) Ltd", "Senqu Jobs", "Leribe", licence.number, "5 January 2026", "4 January 2099"]:
        assert shown in html
    assert "This licence is active: the agency may recruit until 4 January 2099." in html


def test_verify_page_hides_directors_their_identity_numbers_and_the_sanction_reason(client, cast):
    licence = LicenceFactory(agency=cast.agency_a)
    Director.objects.create(
        agency=cast.agency_a, full_name="Palesa Mokoena", identity_kind=IdentityKind.NATIONAL_ID, identity_number="LS0123456789"
    )
    reason = "Internal: fee complaints 17/2026"
    sanction_licence(licence_id=licence.pk, action="suspend", by=cast.licensing_officer, reason=reason)
    html = verify(client, licence).content.decode()
    assert "SUSPENDED" in html
    assert "Palesa Mokoena" not in html
    assert "LS0123456789" not in html
    assert "fee complaints" not in html


def test_suspended_licence_verifies_as_suspended_with_the_date_it_changed(client, cast):
    licence = LicenceFactory(agency=cast.agency_a)
    sanction_licence(licence_id=licence.pk, action="suspend", by=cast.licensing_officer, reason="Inspection findings")
    html = verify(client, licence).content.decode()
    assert "This licence is SUSPENDED: the agency may not recruit." in html
    assert "may recruit until" not in html
    assert f"since {timezone.localdate():%-d} " in html


def test_revoked_licence_verifies_as_revoked(client, cast):
    licence = LicenceFactory(agency=cast.agency_a)
    sanction_licence(licence_id=licence.pk, action="revoke", by=cast.licensing_officer, reason="Passport retention")
    html = verify(client, licence).content.decode()
    assert "REVOKED — do not pay this agency" in html
    assert "This licence is REVOKED: the agency may not recruit." in html


def test_licence_past_its_expiry_date_verifies_as_expired(client):
    licence = LicenceFactory(
        issued_on=datetime.date(2024, 1, 1), valid_from=datetime.date(2024, 1, 1), expires_on=today() - datetime.timedelta(days=1)
    )
    html = verify(client, licence).content.decode()
    assert "This licence EXPIRED on" in html
    assert "may recruit until" not in html


def test_unknown_token_is_not_found(client):
    LicenceFactory()
    response = client.get(reverse("register:verify", args=["no-such-token-0123456789"]))
    assert response.status_code == 404
    assert "No licence in the register matches this link" in response.content.decode()


def test_licence_cannot_be_verified_by_its_sequential_id(client):
    licence = LicenceFactory()
    assert client.get(reverse("register:verify", args=[str(licence.pk)])).status_code == 404


# --- Looking up a licence number ------------------------------------------------------------


def lookup(client, number):
    return client.get(reverse("register:lookup"), {"number": number})


def test_lookup_form_is_shown_without_a_number(client):
    response = client.get(reverse("register:lookup"))
    assert response.status_code == 200
    assert 'name="number"' in response.content.decode()


@pytest.mark.parametrize("typed", ["PEA-2026-0007", "  pea-2026-0007 ", "Pea - 2026 - 0007"])
def test_lookup_by_licence_number_redirects_to_its_verify_page(client, typed):
    licence = LicenceFactory(number="PEA-2026-0007")
    response = lookup(client, typed)
    assert response.status_code == 302
    assert response["Location"] == reverse("register:verify", args=[licence.public_token])


@pytest.mark.parametrize("typed", ["hello", "PEA-26-1", "'; DROP TABLE agencies_licence; --", "PEA-2026-" + "9" * 200])
def test_malformed_licence_number_is_a_message(client, typed):
    response = lookup(client, typed)
    assert response.status_code == 200
    assert "is not a licence number" in response.content.decode()


def test_empty_licence_number_asks_for_one(client):
    response = lookup(client, "   ")
    assert response.status_code == 200
    assert "Type the licence number" in response.content.decode()


def test_unknown_licence_number_is_a_message(client):
    LicenceFactory(number="PEA-2026-0001")
    response = lookup(client, "PEA-2026-0999")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no licence numbered PEA-2026-0999 in the register" in html
    assert 'name="number"' in html


# --- Rate limiting -------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["register:index", "register:lookup", "register:verify"])
def test_public_register_answers_429_after_sixty_requests_a_minute(client, ratelimit_clock, url_name):
    licence = LicenceFactory()
    url = reverse(url_name, args=[licence.public_token]) if url_name == "register:verify" else reverse(url_name)
    for _ in range(60):
        assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200
    refused = client.get(url, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429
    assert "Too many requests; try again in a minute." in refused.content.decode()
    assert refused["Retry-After"] == "40"
    # Another visitor is not held back by the first one.
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_rate_limit_window_ends(client, ratelimit_clock):
    url = reverse("register:index")
    for _ in range(60):
        client.get(url)
    assert client.get(url).status_code == 429
    ratelimit_clock[0] += 40
    assert client.get(url).status_code == 200


def test_licence_factory_numbers_are_unique():
    # Guards the tests above, which look licences up by number.
    assert len({LicenceFactory().number for _ in range(3)}) == 3
    assert Licence.objects.count() == 3


def test_a_disabled_agency_is_not_shown_as_free_to_recruit(cast, client):
    from agencies import services
    from tests.factories import LicenceFactory

    licence = LicenceFactory(agency=cast.agency_a)
    services.disable_agency_account(agency_id=cast.agency_a.pk, by=cast.licensing_officer, reason="Fraud under investigation")
    page = client.get(reverse("register:verify", args=[licence.public_token])).content.decode()
    assert "may not recruit" in page and "may recruit until" not in page
    assert "Fraud under investigation" not in page
