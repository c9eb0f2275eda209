"""How the ministry's reference numbers are compared."""


def normalise_reference(text: str | None) -> str:
    """Identity and reference numbers are compared upper-case without spaces: "ab 123" and "AB123" are one number."""
    return "".join((text or "").split()).upper()
