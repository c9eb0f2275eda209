"""Checking uploaded files by their content, not their name (no libmagic needed)."""

from __future__ import annotations

import os
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# The first bytes of each type we accept.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


def sniff_content_type(head: bytes) -> str | None:
    for content_type, prefixes in SIGNATURES.items():
        if any(head.startswith(prefix) for prefix in prefixes):
            return content_type
    return None


def check_document(upload) -> str:
    """Validate an uploaded document (PDF, JPEG or PNG, at most the size limit); return its real content type."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(_("Only PDF, JPEG or PNG files are accepted; this file is none of them."))
    return content_type


# An uploaded file's own name is shown to people (as text) and never used to store it: every FileField's upload_to
# makes a random name. Still, the shown name is cleaned here, because a remote client chooses it freely.
DISPLAY_NAME_LENGTH = 255


def display_name(upload, default: str = "") -> str:
    """The uploaded file's name fit to show: no folders, no control characters (NUL included), at most 255 characters."""
    name = str(getattr(upload, "name", "") or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    if not name.strip("."):
        return default
    if len(name) > DISPLAY_NAME_LENGTH:
        stem, extension = os.path.splitext(name)
        extension = extension[:20]
        name = stem[: DISPLAY_NAME_LENGTH - len(extension) - 1] + "…" + extension
    return name


# An Excel workbook is a zip archive of XML files. A hostile one (a "zip bomb") declares members that inflate to
# gigabytes, or thousands of members, from a small upload; openpyxl would inflate them. The zip's central
# directory states each member's size, and Python's zipfile never inflates a member beyond its stated size, so
# checking the directory before openpyxl opens the file is enough.
XLSX_MAX_MEMBERS = 1_000
# A legitimate workbook of MAX_ROWS (200,000) workers is about 150 MB of XML once inflated.
XLSX_MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
# Spreadsheet XML compresses about ten to thirty times; a bomb compresses about a thousand times.
XLSX_MAX_RATIO = 200
XLSX_RATIO_CHECKED_FROM = 1024 * 1024  # small members (styles, empty sheets) may compress better; they cost nothing


def check_xlsx_archive(stream) -> None:
    """Refuse a workbook whose zip directory is unreadable or promises too much once inflated (raises ValidationError).

    Reads only the zip directory; leaves the stream at its start.
    """
    position = stream.tell()
    try:
        try:
            with zipfile.ZipFile(stream) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
            raise ValidationError(_("The file cannot be read as an Excel workbook (.xlsx): it is damaged.")) from None
        if len(members) > XLSX_MAX_MEMBERS:
            raise ValidationError(
                _("The workbook holds %(count)s parts; a workbook of workers has far fewer. It is refused as unsafe.")
                % {"count": f"{len(members):,}"}
            )
        total = sum(member.file_size for member in members)
        if total > XLSX_MAX_UNCOMPRESSED_BYTES:
            raise ValidationError(
                _("The workbook would take %(size)s once opened; the limit is %(limit)s. Split it into smaller files.")
                % {"size": filesizeformat(total), "limit": filesizeformat(XLSX_MAX_UNCOMPRESSED_BYTES)}
            )
        for member in members:
            if member.file_size >= XLSX_RATIO_CHECKED_FROM and member.file_size > XLSX_MAX_RATIO * max(member.compress_size, 1):
                raise ValidationError(
                    _("The workbook is compressed far more than a spreadsheet can be (a “zip bomb”); it is refused as unsafe.")
                )
    finally:
        stream.seek(position)
