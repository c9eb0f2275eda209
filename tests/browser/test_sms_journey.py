"""In a real browser: an administrator reads the SMS outbox and filters it, opens a failed message and sends it again,
reads the inbound messages with the replies sent, then opens an SMS text and previews it with its segment count."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.browser.test_licensing_journey import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sms_world(reference_data, settings, live_server):
    from core.access import Role
    from notifications.models import InboundSms, OutboundSms, SmsStatus

    settings.PUBLIC_BASE_URL = live_server.url
    UserFactory(username="sysadmin", roles=[Role.ADMINISTRATOR])
    now = timezone.now()
    for n, status in enumerate([SmsStatus.DELIVERED, SmsStatus.FAILED, SmsStatus.SENT]):
        OutboundSms.objects.create(
            to=f"+2665812000{n}",
            language="en",
            template_key="system.test",
            body=f"Outbox message number {n}",
            status=status,
            error_code="30003" if status == SmsStatus.FAILED else "",
            segments=1 + n % 2,
            encoding="GSM-7",
            attempts=1,
            created_at=now - datetime.timedelta(minutes=n),
        )
    InboundSms.objects.create(
        provider_id="SM" + "1" * 32,
        from_number="+27821234567",
        body="VERIFY PEA-2026-0042",
        command="VERIFY",
        reply="Ministry of Labour: no licence PEA-2026-0042 is in the register.",
    )


def test_administrator_reads_the_outbox_and_inbound_and_previews_a_text(browser, live_server, sms_world):
    page = sign_in(browser, live_server, "sysadmin")
    page.get_by_role("link", name="SMS outbox").click()
    table = page.locator("table")
    for n in range(3):
        table.get_by_text(f"Outbox message number {n}").wait_for()
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=failed"))
    table = page.locator("table")
    table.get_by_text("Outbox message number 1").wait_for()
    assert table.get_by_text("30003").count() == 1
    assert table.get_by_text("Outbox message number 0").count() == 0

    # The row's time opens the message's page, where a failed message can be sent again.
    table.locator("tbody tr").first.get_by_role("link").first.click()
    page.get_by_role("heading", name=re.compile("Failed")).wait_for()
    page.get_by_role("button", name="Send again").click()
    page.get_by_text(re.compile(r"Queued to be sent again as SMS \d+")).wait_for()
    page.get_by_text("This message was already sent again; act on the newer copy.").wait_for()

    page.get_by_role("link", name="Inbound SMS").click()
    page.locator("table").get_by_text("VERIFY PEA-2026-0042", exact=True).wait_for()
    page.locator("table").get_by_text(re.compile("no licence PEA-2026-0042")).wait_for()
    # The table shows a reply's first words; the whole reply is in the cell's title.
    assert "is in the register" in page.locator("table span[title*=\"no licence\"]").get_attribute("title")

    page.get_by_role("link", name="SMS texts").click()
    page.get_by_label("Event").fill("sms.help")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="sms.help").first.click()
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#sms-preview")
    preview.wait_for()
    assert "Ministry of Labour" in preview.inner_text() or "Lekala la Mesebetsi" in preview.inner_text()
    assert re.search(r"\d SMS \((GSM-7|UCS-2)", page.locator("#sms-preview-cost").inner_text())
