"""``{{ record.national_id|number_for:user }}``: a national ID, passport or phone number in full for roles with
"personal_data.view", masked ("••••••1234") for everyone else. The record pages' counterpart of
core.lists.PersonalNumberColumn."""

from django import template

from core.lists import may_see_numbers
from core.text import mask_number

register = template.Library()


@register.filter
def number_for(value, user) -> str:
    if not value:
        return ""
    return str(value) if may_see_numbers(user) else mask_number(value)
