"""Core's part of the demo: one ministry login per role."""

import functools

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from core import access
from core.access import Role
from core.models import User

# Printed by `make run`; the demo is for trying the system, never for real data.
DEMO_PASSWORD = "demo-lesotho-2026"

MINISTRY_PEOPLE = [
    # username, first, last, roles, language
    ("admin", "Thabo", "Mokoena", [Role.ADMINISTRATOR], "en"),
    ("licensing", "'Mamosa", "Letsie", [Role.LICENSING_OFFICER], "st"),
    ("registrar", "Teboho", "Ramakatsa", [Role.REGISTRAR], "en"),
    ("trainer", "Palesa", "Nthako", [Role.TRAINER], "st"),
    ("inspector", "Lerato", "Mohapi", [Role.INSPECTOR], "st"),
    ("chief", "Retšelisitsoe", "Sekhesa", [Role.CHIEF_INSPECTOR, Role.INSPECTOR], "en"),
    ("analyst", "Nthabiseng", "Molapo", [Role.ANALYST], "en"),
]


@functools.cache
def demo_password_hash() -> str:
    """Hashed once per run: hashing is slow on purpose, and the demo has dozens of users with the same password."""
    return make_password(DEMO_PASSWORD)


def demo_user(username: str, first: str, last: str, language: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return User.objects.create(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@demo.labour.gov.ls",
        preferred_language=language,
        password=demo_password_hash(),
    )


def seed_ministry(scale: int) -> list[tuple[str, str]]:
    logins = []
    for username, first, last, roles, language in MINISTRY_PEOPLE:
        user = demo_user(username, first, last, language)
        user.groups.add(*Group.objects.filter(name__in=roles))
        access.forget_roles(user)
        logins.append((", ".join(str(Role(r).label) for r in roles), username))
    return logins
