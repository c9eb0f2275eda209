"""How the ministry's reference numbers are compared."""


def normalise_reference(text: str | None) -> str:
    """Identity and reference numbers are compared upper-case without spaces: "ab 123" and "AB123" are one number."""
    return "".join((text or "").split()).upper()


def public_url(url_name: str, *args, **kwargs) -> str:
    """The full address of a page, for e-mails, SMS and QR codes (PUBLIC_BASE_URL + its path)."""
    from django.conf import settings
    from django.urls import reverse

    return settings.PUBLIC_BASE_URL + reverse(url_name, args=args or None, kwargs=kwargs or None)


# What stands for the hidden digits of a masked number: always six, whatever the number's length, so the mask
# does not tell how long the number is.
MASK = "••••••"


def mask_number(value) -> str:
    """An identity or phone number with all but its last four characters hidden: "••••••1234".

    Enough to match a number a worker reads out, not enough to use it. Empty stays empty; a number of four
    characters or fewer is hidden entirely.
    """
    text = str(value or "").strip()
    if not text:
        return ""
    return MASK + text[-4:] if len(text) > 4 else MASK
