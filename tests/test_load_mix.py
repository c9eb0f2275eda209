"""The HTTP load test's mix of pages (benchmarks/load.py PAGES): every page it sends a role to opens for that role.

Under load, anything but 200 counts as an error; a page the role may not see would be a mistake of the mix, found
here in a second instead of after a few minutes of gunicorn and locust.
"""

import pytest

from benchmarks.load import PAGES
from contracts import services as contract_services
from tests.factories import contract_data, contract_setting, passport_worker

# The load test's logins (the demo's) by their role, as the cast fixture holds them.
CAST_MEMBER = {
    "admin": "administrator",
    "licensing": "licensing_officer",
    "registrar": "registrar",
    "trainer": "trainer",
    "inspector": "inspector",
    "chief": "chief_inspector",
    "analyst": "analyst",
    "agency": "agency_staff",
}


def test_the_mix_names_every_role():
    assert set(PAGES) == set(CAST_MEMBER)


@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_page_of_a_roles_mix_opens_for_that_role(client, cast, role):
    worker = passport_worker(cast.agency_a)
    contract = contract_services.save_draft(
        by=cast.agency_staff, data=contract_data(contract_setting(agency=cast.agency_a), worker)
    )
    ids = {"agencies": cast.agency_a.pk, "workers": worker.pk, "contracts": contract.pk}
    client.force_login(getattr(cast, CAST_MEMBER[role]))
    for page in PAGES[role]:
        url = page.format(**ids)
        assert client.get(url).status_code == 200, (role, url)
