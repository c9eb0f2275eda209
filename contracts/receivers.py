"""Reactions to the agencies app's licence hooks: tell the workers whose contracts go through the agency."""

from agencies import hooks


def _suspended(sender, *, licence_id: int, reason: str = "", **kwargs) -> None:
    from contracts.services import tell_workers_of_sanction

    tell_workers_of_sanction(licence_id=licence_id, template="contract.agency_suspended")


def _revoked(sender, *, licence_id: int, reason: str = "", **kwargs) -> None:
    from contracts.services import tell_workers_of_sanction

    tell_workers_of_sanction(licence_id=licence_id, template="contract.agency_revoked")


hooks.licence_suspended.connect(_suspended, dispatch_uid="contracts.agency_suspended")
hooks.licence_revoked.connect(_revoked, dispatch_uid="contracts.agency_revoked")
