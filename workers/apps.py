from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Migrant workers")

    def ready(self) -> None:
        from workers import extensions  # noqa: F401
