from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core import extensions  # noqa: F401  (registers navigation, panels, sections, jobs)
        from core.reauth import note_sign_in

        # Sensitive actions ask for the password again when the sign-in is not recent (core/reauth.py).
        user_logged_in.connect(note_sign_in, dispatch_uid="core.reauth.note_sign_in")
