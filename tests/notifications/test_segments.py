"""Segment counting (GSM-7 and UCS-2, exact), and the template editor's preview that shows it."""

import math

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import SmsTemplate
from notifications.segments import GSM7_BASIC, GSM7_EXTENSION, count_segments, units

GSM = "GSM-7"
UCS2 = "UCS-2"
basic = st.sampled_from(sorted(GSM7_BASIC))
extension = st.sampled_from(sorted(GSM7_EXTENSION))
gsm_text = st.text(alphabet=st.one_of(basic, extension), max_size=800)
# Characters outside GSM-7: Latin with caron, Greek small letters, CJK, emoji (two UTF-16 code units).
outside = st.sampled_from(["š", "Š", "α", "中", "😀", "👍🏽", "ẽ", "ç"])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", (1, GSM)),
        ("a" * 160, (1, GSM)),
        ("a" * 161, (2, GSM)),
        ("a" * 306, (2, GSM)),
        ("a" * 307, (3, GSM)),
        ("€" * 80, (1, GSM)),  # 160 septets
        ("€" * 81, (2, GSM)),
        ("a" * 152 + "€" + "a" * 10, (2, GSM)),  # the escape pair would straddle parts: it moves to the second
        ("a" * 152 + "€" + "a" * 152, (3, GSM)),
        ("š" * 70, (1, UCS2)),
        ("š" * 71, (2, UCS2)),
        ("š" * 134, (2, UCS2)),
        ("š" * 135, (3, UCS2)),
        ("😀" * 35, (1, UCS2)),  # 70 code units
        ("😀" * 36, (2, UCS2)),
        ("a" * 66 + "😀" + "a" * 4, (2, UCS2)),  # the surrogate pair is not split
        ("a" * 159 + "š", (3, UCS2)),  # one character outside GSM-7 switches the whole text
        ("Lumela Palesa, nomoro ea hau ke CT-2026-000123.", (1, GSM)),
        ("`", (1, UCS2)),  # the backtick is not in the GSM alphabet
    ],
)
def test_known_counts(text, expected):
    assert count_segments(text) == expected


@given(gsm_text)
def test_gsm_text_is_gsm_and_its_parts_are_within_bounds(text):
    segments, encoding = count_segments(text)
    septets = units(text)
    assert encoding == GSM
    assert septets == len(text) + sum(char in GSM7_EXTENSION for char in text)
    if septets <= 160:
        assert segments == 1
    else:
        # 153 per part, and at most one septet per part lost to an escape pair that moved on.
        assert math.ceil(septets / 153) <= segments <= math.ceil(septets / 152)


@given(st.text(max_size=400), outside, st.text(max_size=400))
def test_one_character_outside_gsm_makes_the_whole_text_ucs2(before, odd, after):
    text = before + odd + after
    segments, encoding = count_segments(text)
    code_units = len(text.encode("utf-16-le")) // 2
    assert encoding == UCS2 and units(text) == code_units
    if code_units <= 70:
        assert segments == 1
    else:
        assert math.ceil(code_units / 67) <= segments <= math.ceil(code_units / 66)


@given(st.text(max_size=500), st.text(min_size=1, max_size=50))
def test_a_longer_text_never_costs_fewer_segments(text, more):
    assert count_segments(text + more)[0] >= count_segments(text)[0] >= 1


def test_an_emoji_counts_two_code_units():
    assert units("😀") == 2 and units("š") == 1 and units("€") == 2 and units("a") == 1


# --- The template editor's preview ----------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    from core.access import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    return client


def test_the_editor_previews_the_saved_text_with_sample_data_and_its_segments(admin_client):
    template = SmsTemplate.objects.get(key="system.test", language="en")
    template.body = "Your contract {{ reference }} with {{ agency }} was approved."
    template.save()
    page = admin_client.get(reverse("notifications:template_edit", args=[template.pk])).content.decode()
    assert "{{ reference }}" not in page.split('id="sms-preview"')[1].split("</")[0]
    assert "CT-2026-000123" in page and "1 SMS" in page and "GSM-7" in page


def test_a_preview_of_unsaved_text_saves_nothing_and_warns_past_two_segments(admin_client):
    template = SmsTemplate.objects.get(key="system.test", language="st")
    saved = template.body
    long = "Lumela {{ name }}, " + "molaetsa oa teko š " * 12
    response = admin_client.post(reverse("notifications:template_edit", args=[template.pk]), {"body": long, "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "UCS-2" in page and "more than two SMS" in page
    template.refresh_from_db()
    assert template.body == saved


def test_a_short_text_gets_no_warning(admin_client):
    template = SmsTemplate.objects.get(key="system.test", language="en")
    response = admin_client.post(reverse("notifications:template_edit", args=[template.pk]), {"body": "Short.", "preview": "1"})
    page = response.content.decode()
    assert "1 SMS" in page and "more than two SMS" not in page
