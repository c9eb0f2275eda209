"""What the agencies app announces, so later apps react without this app importing them.

Each hook is sent inside the transaction of the service that changed the
licence; receivers only write to the database (queue SMS, flag records),
never call out. Receivers get ``licence_id`` and ``reason`` as keywords.

- ``licence_suspended``: the licence is suspended; its agency may not recruit.
- ``licence_reinstated``: the suspension is lifted.
- ``licence_revoked``: the licence is revoked for good.
"""

from django.dispatch import Signal

licence_suspended = Signal()
licence_reinstated = Signal()
licence_revoked = Signal()
