"""Core's part of the demo: one ministry login per role."""

import functools

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from core import access
from core.access import Role
from core.models import User

# Printed by `make run`; the demo is for trying the system, never for real data.
DEMO_PASSWORD = "demo-lesotho-2026"
# Ministry staff must pass a second step when signing in. So that the demo works without an
# authenticator app, every ministry demo login gets these backup codes, renewed on every seed_demo run
# (each code works once per login until then). Printed by `make run` and in the README's tour.
DEMO_BACKUP_CODES = ["maseru01", "maseru02", "maseru03", "maseru04", "maseru05", "maseru06", "maseru07", "maseru08"]

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


def give_demo_backup_codes(user: User) -> None:
    """Replace the user's backup codes with the known demo codes (never on a real system: only seed_demo calls this)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from core.two_factor import BACKUP_NAME

    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME, defaults={"confirmed": True})
    device.throttle_reset()  # a mistyped code just before must not hold the fresh codes back
    device.token_set.all().delete()
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in DEMO_BACKUP_CODES)


def seed_ministry(scale: int) -> list[tuple[str, str]]:
    logins = []
    for username, first, last, roles, language in MINISTRY_PEOPLE:
        user = demo_user(username, first, last, language)
        user.groups.add(*Group.objects.filter(name__in=roles))
        access.forget_roles(user)
        give_demo_backup_codes(user)
        logins.append((", ".join(str(Role(r).label) for r in roles), username))
    return logins
