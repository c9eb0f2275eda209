"""How the ministry's reference numbers are compared."""


def normalise_reference(text: str | None) -> str:
    """Identity and reference numbers are compared upper-case without spaces: "ab 123" and "AB123" are one number."""
    return "".join((text or "").split()).upper()


def public_url(url_name: str, *args, **kwargs) -> str:
    """The full address of a page, for e-mails, SMS and QR codes (PUBLIC_BASE_URL + its path)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.PUBLIC_BASE_URL + reverse(url_name, args=args or None, kwargs=kwargs or None)
