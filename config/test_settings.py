"""Settings for the test suite: the same as production code paths, with the
stand-ins tests need (memory SMS, tasks run at once, a fast password hash)."""

from config.settings import *  # noqa: F401,F403

SMS_BACKEND = "memory"
TASKS_BACKEND = "immediate"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

# Uploads made by tests go to a throw-away folder.
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="lms-test-private-"))
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="lms-test-media-"))
