"""The one pattern for list pages: a django-tables2 table, a django-filter
filter, sorting, pagination that never counts a huge table, and a CSV export.

A list page is a subclass of ``RecordListView`` naming its capability, table,
filter and queryset (through the access module). Tables name their personal
columns in a ``personal_columns`` class attribute; those are left out of the export for
roles without the ``personal_data.export`` capability.
"""

from __future__ import annotations

import copy
import csv
from collections.abc import Iterator
from typing import Any

import django_tables2 as tables
from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import LazyPaginator, SingleTableMixin

from core import access
from core.text import mask_number

# Only CSV is offered; anything else named in the query string is refused.
EXPORT_FORMATS = ("csv",)
EXPORT_PARAMETER = "export"
# A cell starting with one of these is read by spreadsheets as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """Prefix a quote to any text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object that hands each written line back to the streamer."""

    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([neutralise_formula(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# django-tables2 works out a render method's parameters (inspect.signature, tens of microseconds) for every cell it
# renders: 10-30 ms of a list page of 25 rows. A function's parameters do not change while the process runs, so they
# are worked out once per function (a bound method by its function: the same for every record). Set up by
# CoreConfig.ready; bounded in case a page makes new functions on every request.
RENDER_SIGNATURES: dict = {}
RENDER_SIGNATURES_MAX = 10_000


def remember_render_signatures() -> None:
    from django_tables2 import utils

    if getattr(utils.signature, "remembers", False):
        return
    work_out = utils.signature

    def signature(fn):
        key = getattr(fn, "__func__", fn)
        try:
            return RENDER_SIGNATURES[key]
        except KeyError:
            if len(RENDER_SIGNATURES) >= RENDER_SIGNATURES_MAX:
                RENDER_SIGNATURES.clear()
            found = RENDER_SIGNATURES[key] = work_out(fn)
            return found
        except TypeError:  # a callable that cannot be a key
            return work_out(fn)

    signature.remembers = True
    utils.signature = signature


class QuickSelect(forms.Select):
    """A filter's drop-down written out in Python, with the same markup as Django's.

    Django renders each <option> through two templates: a filter choosing among a thousand agencies cost more
    than the rest of its list page (~100 ms). Groups of options (<optgroup>) are left to Django."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        chosen = set(self.format_value(value))
        options = []
        # A plain loop, not list(): that would ask a model choice list its length, one COUNT query more.
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                return super().render(name, value, attrs, renderer)
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            options.append(f'<option value="{conditional_escape(text)}"{selected}>{conditional_escape(label)}</option>')
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>\n{}\n</select>', name, flatatt(final_attrs), mark_safe("\n".join(options)))


class NamedChoiceIterator(ModelChoiceIterator):
    """A drop-down of records read as rows of (key, name fields), not as model instances: a thousand agencies, each
    with its state machine set up, cost ~20 ms a page for a list of names."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for key, *names in self.queryset.values_list("pk", *self.field.name_fields):
            yield (key, next((name for name in names if name), ""))


class NamedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options show the first non-empty of ``name_fields`` (as the model's own name does,
    e.g. an agency's trading name, else its legal name). The chosen value is still checked against the queryset."""

    iterator = NamedChoiceIterator

    def __init__(self, *args: Any, name_fields: tuple[str, ...], **kwargs: Any) -> None:
        self.name_fields = name_fields
        super().__init__(*args, **kwargs)


def quick_selects(form: forms.Form) -> None:
    """Every plain drop-down of ``form`` written out by ``QuickSelect`` (same choices, same attributes)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            widget = copy.copy(field.widget)
            widget.__class__ = QuickSelect
            field.widget = widget


class RecordListView(access.CapabilityRequiredMixin, SingleTableMixin, FilterView):
    template_name = "core/list.html"
    # Not ``paginate_by``: that would make the ListView count every row too.
    rows_per_page = 50
    export_name = "export"
    page_title: Any = ""
    # URL name of the "add" button, and the capability it needs.
    create_url_name: str = ""
    create_capability: str = ""

    def get_filterset(self, filterset_class: Any) -> Any:
        filterset = super().get_filterset(filterset_class)
        quick_selects(filterset.form)
        return filterset

    def get_table_pagination(self, table: Any) -> dict:
        # LazyPaginator looks one page ahead instead of counting every row.
        return {"per_page": self.rows_per_page, "paginator_class": LazyPaginator}

    def personal_columns(self) -> tuple[str, ...]:
        return tuple(getattr(self.get_table_class(), "personal_columns", ()))

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        export_format = request.GET.get(EXPORT_PARAMETER)
        if export_format is None:
            return super().get(request, *args, **kwargs)
        if export_format not in EXPORT_FORMATS:
            return HttpResponseBadRequest(_("This export format is not offered."))
        return self.export_csv()

    def export_csv(self) -> StreamingHttpResponse:
        filterset = self.get_filterset(self.get_filterset_class())
        data = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        table = self.get_table_class()(data, request=self.request)
        table.order_by = self.request.GET.get("sort")
        excluded = () if access.can(self.request.user, "personal_data.export") else self.personal_columns()
        filename = f"{self.export_name}-{timezone.localdate():%Y-%m-%d}.csv"
        return stream_csv(table.as_values(exclude_columns=excluded), filename)

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query[EXPORT_PARAMETER] = "csv"
        context["export_query"] = query.urlencode()
        context["page_title"] = self.page_title
        if self.create_url_name and access.can(self.request.user, self.create_capability):
            context["create_url_name"] = self.create_url_name
        return context


def may_see_numbers(user: Any) -> bool:
    """Whether ``user`` reads national ID, passport and phone numbers in full (else masked)."""
    return access.can(user, "personal_data.view")


class PersonalNumberColumn(tables.Column):
    """A national ID, passport or phone number: in full for roles with "personal_data.view", masked for the others,
    on the page and in the export alike. Asked once per table, not once per row."""

    def render(self, value: Any, table: Any) -> str:
        full = getattr(table, "_may_see_numbers", None)
        if full is None:
            full = table._may_see_numbers = may_see_numbers(getattr(getattr(table, "request", None), "user", None))
        return str(value) if full else mask_number(value)

    def value(self, value: Any, table: Any) -> str:
        return self.render(value, table)


class DayColumn(tables.Column):
    """A date (or the local date of a moment) as YYYY-MM-DD.

    django-tables2's DateColumn compiles a template for every cell, a quarter of a list page's time; this one
    formats in Python. Exports get the same text.
    """

    def render(self, value: Any) -> str:
        if hasattr(value, "tzinfo") and hasattr(value, "hour"):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            value = value.date()
        return value.isoformat()

    def value(self, value: Any) -> str:
        return self.render(value)
