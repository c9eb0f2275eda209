"""Extension points that later apps plug into, so core never imports them.

- navigation: menu entries, shown to those with the entry's capability;
- dashboard panels: the "my work" page is the panels a user may see;
- record sections: parts of a record's page that another app adds (the
  agency page shows audits because inspections registers a section);
- scheduled jobs: duties of ``manage.py run_scheduled_jobs``;
- demo seeders: each app's part of ``manage.py seed_demo``;
- list filters: a filter of an earlier app's list by something a later app
  knows (the agency list by "active under an agreement", the SMS outbox by
  the workers under one), so the list's app never imports the later one.

Apps register in their ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core import access


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    capability: str
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: ``context(request)`` returns the template's context."""

    key: str
    title: Any
    template: str
    capability: str
    context: Callable[[Any], dict] = field(default=lambda request: {})
    order: int = 100


@dataclass(frozen=True)
class Section:
    """A section of a record page for records of ``model_label`` ("app_label.modelname")."""

    key: str
    title: Any
    template: str
    capability: str
    context: Callable[[Any, Any], dict] = field(default=lambda request, record: {})
    order: int = 100


@dataclass(frozen=True)
class ScheduledJob:
    """One periodic duty. It must be idempotent: running it twice does no harm."""

    name: str
    run: Callable[[], str]  # returns a one-line summary of what it did
    lease_minutes: int = 30


@dataclass(frozen=True)
class DemoSeeder:
    """Adds an app's demo data; must be safe to run again. Returns demo logins as (role, username) pairs."""

    name: str
    seed: Callable[[int], list[tuple[str, str]]]  # takes the scale
    order: int = 100


@dataclass(frozen=True)
class ListFilter:
    """A filter a later app adds to the list named ``list_key``: ``choices(request)`` gives the (value, label) pairs
    the user may choose from, ``apply(queryset, value)`` narrows the list to one chosen value."""

    name: str  # the query parameter
    label: Any
    choices: Callable[[Any], list[tuple[str, Any]]]
    apply: Callable[[Any, str], Any]


NAVIGATION: list[NavItem] = []
PANELS: list[Panel] = []
SECTIONS: dict[str, list[Section]] = {}
SCHEDULED_JOBS: dict[str, ScheduledJob] = {}
DEMO_SEEDERS: list[DemoSeeder] = []
LIST_FILTERS: dict[str, list[ListFilter]] = {}


def register_nav(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in NAVIGATION):
        NAVIGATION.append(item)
        NAVIGATION.sort(key=lambda entry: entry.order)


def register_panel(panel: Panel) -> None:
    if all(existing.key != panel.key for existing in PANELS):
        PANELS.append(panel)
        PANELS.sort(key=lambda entry: entry.order)


def register_section(model_label: str, section: Section) -> None:
    sections = SECTIONS.setdefault(model_label.lower(), [])
    if all(existing.key != section.key for existing in sections):
        sections.append(section)
        sections.sort(key=lambda entry: entry.order)


def register_job(job: ScheduledJob) -> None:
    SCHEDULED_JOBS[job.name] = job


def register_demo_seeder(seeder: DemoSeeder) -> None:
    if all(existing.name != seeder.name for existing in DEMO_SEEDERS):
        DEMO_SEEDERS.append(seeder)
        DEMO_SEEDERS.sort(key=lambda entry: entry.order)


def register_list_filter(list_key: str, list_filter: ListFilter) -> None:
    filters = LIST_FILTERS.setdefault(list_key, [])
    if all(existing.name != list_filter.name for existing in filters):
        filters.append(list_filter)


def list_filters_for(list_key: str) -> list[ListFilter]:
    return LIST_FILTERS.get(list_key, [])


def navigation_for(user: Any) -> list[NavItem]:
    return [item for item in NAVIGATION if access.can(user, item.capability)]


def panels_for(request: Any) -> list[dict]:
    return [{"panel": panel, "context": panel.context(request)} for panel in PANELS if access.can(request.user, panel.capability)]


def sections_for(request: Any, record: Any) -> list[dict]:
    label = record._meta.label_lower
    return [
        {"section": section, "context": section.context(request, record)}
        for section in SECTIONS.get(label, []) + SECTIONS.get("*", [])
        if access.can(request.user, section.capability)
    ]
