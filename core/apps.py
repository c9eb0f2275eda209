from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core import extensions  # noqa: F401  (registers navigation, panels, sections, jobs)
        from core.lists import remember_render_signatures
        from core.reauth import note_sign_in
        from core.sessions import note_sign_in as note_session_start

        # Sensitive actions ask for the password again when the sign-in is not recent (core/reauth.py).
        user_logged_in.connect(note_sign_in, dispatch_uid="core.reauth.note_sign_in")
        # Sessions end when idle too long or a working day after signing in (core/sessions.py).
        user_logged_in.connect(note_session_start, dispatch_uid="core.sessions.note_sign_in")
        # List pages: django-tables2's render methods' parameters worked out once, not per cell (core/lists.py).
        remember_render_signatures()
