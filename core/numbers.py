"""Numbered records (licences, certificates, contracts, clearances): ``<PREFIX>-<year>-<sequence>``.

The next number is the highest taken plus one; two officers issuing at the
same moment may compute the same one, so creation retries on the unique
constraint instead of locking a counter.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

ATTEMPTS = 5


def next_number(model: type[models.Model], field: str, prefix: str, year: int, width: int) -> str:
    start = f"{prefix}-{year}-"
    last = (
        model._default_manager.filter(**{f"{field}__startswith": start})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{start}{sequence:0{width}d}"


def create_numbered(model: type[models.Model], field: str, prefix: str, year: int, width: int, **values: Any) -> Any:
    """Create a record with the next free number, retrying when another transaction took it a moment earlier."""
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return model._default_manager.create(**{field: next_number(model, field, prefix, year, width)}, **values)
        except IntegrityError:
            continue
    raise ValidationError(_("Could not allot a number; try again."))
