from django.conf import settings

from core import registry


def navigation(request):
    """Menu entries the user may use, shown in the header of every page."""
    user = getattr(request, "user", None)
    items = registry.navigation_for(user) if user is not None and user.is_authenticated else []
    if items:
        from core.two_factor import second_step_due

        if second_step_due(user) is not None:
            items = []  # before the second step, nothing but setting it up or signing out
    return {"navigation": items, "public_base_url": settings.PUBLIC_BASE_URL}
