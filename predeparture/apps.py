from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PredepartureConfig(AppConfig):
    name = "predeparture"
    verbose_name = _("Pre-departure training")

    def ready(self) -> None:
        from predeparture import extensions  # noqa: F401
