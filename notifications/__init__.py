"""SMS to workers: ``notifications.notify(...)`` and ``notifications.notify_many(...)``."""


def __getattr__(name):
    # Lazy, so that importing the package does not load models before the app registry is ready.
    if name in ("notify", "notify_many", "Recipient"):
        from notifications import services

        return getattr(services, name)
    raise AttributeError(name)
