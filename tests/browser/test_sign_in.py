"""In a real browser: each role signs in and sees its dashboard; the language switch shows Sesotho."""

import pytest

from core import access, registry
from tests.browser import two_step
from tests.factories import TEST_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]


def sign_in(page, username):
    device = two_step.prepare(username)
    page.goto("/account/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    two_step.enter_code(page, device)
    page.wait_for_url("**/my-work/")


@pytest.fixture
def people(reference_data):
    from core.access import Role
    from tests.factories import AgencyFactory, AgencyStaffFactory, UserFactory

    people = {role: UserFactory(username=f"b_{role}", roles=[role]) for role in Role if role != Role.AGENCY_STAFF}
    people[Role.AGENCY_STAFF] = AgencyStaffFactory(username="b_agency", agency=AgencyFactory(trading_name="Maluti Recruitment"))
    return people


def test_each_role_signs_in_and_sees_its_dashboard(page, people):
    for role, user in people.items():
        sign_in(page, user.username)
        assert page.get_by_role("heading", name="My work", level=1).is_visible()
        for panel in registry.PANELS:
            heading = page.get_by_role("heading", name=str(panel.title), level=2, exact=True)
            assert heading.count() == (1 if access.can(user, panel.capability) else 0), (role, panel.key)
        if role == "agency_staff":
            assert page.get_by_text("Maluti Recruitment").is_visible()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/account/login/**")


def test_language_switch_shows_sesotho(page, people):
    sign_in(page, people["registrar"].username)
    page.get_by_label("Language").select_option("st")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "st"
    assert page.get_by_text("Lekala la Mesebetsi le Khiro").first.is_visible()


def test_a_wrong_password_shows_the_error_without_javascript(browser, live_server, people):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/account/login/")
    page.get_by_label("Username").fill("b_registrar")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    context.close()


def test_pages_fit_a_phone_screen(browser, live_server, people):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    sign_in(page, "b_administrator")
    page.goto("/users/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    context.close()


def test_a_new_ministry_user_sets_up_an_authenticator_and_keeps_the_backup_codes(page, people):
    from base64 import b32decode

    from django_otp.oath import totp

    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto("/account/login/")
    page.get_by_label("Username").fill("b_registrar")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/two-step/?next=**")
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    secret = page.get_by_test_id("secret-key").inner_text().replace(" ", "")
    code = totp(b32decode(secret + "=" * (-len(secret) % 8)))
    page.get_by_role("textbox", name="Code").fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/account/two-step/backup-codes/**")
    assert page.get_by_test_id("backup-codes").locator("li").count() == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url("**/my-work/")
    assert not refused, refused
