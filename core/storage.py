"""Where uploaded documents are kept: the "private" entry of settings.STORAGES.

Every app reaches its files through Django's storage API (``field.open()``,
``storage.save()``), never through a path on disk, so the same code runs on
one machine's disk or, with STORAGE_BUCKET set, on S3-compatible object
storage that every web process and worker shares.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """PRIVATE_MEDIA_ROOT on this machine's disk: outside every URL, served only by permission-checked views."""

    def __init__(self, **options):
        # Read when first used, not when settings.py is read, so the test settings' own folder counts.
        options.setdefault("location", settings.PRIVATE_MEDIA_ROOT)
        super().__init__(**options)


def private_storage() -> Storage:
    """The storage of uploaded documents, evidence, imports and generated reports."""
    return storages["private"]
