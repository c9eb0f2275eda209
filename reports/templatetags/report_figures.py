"""Figures on screen written exactly as in the PDF (``reports.formatting``)."""

from django import template

from reports.formatting import format_change, format_value, is_number

register = template.Library()


@register.filter
def figure_value(value, unit=""):
    return format_value(value, unit or "")


@register.simple_tag
def figure_change(figure):
    return format_change(figure.value, figure.previous, figure.unit)


@register.filter
def is_numeric(value):
    return is_number(value)

