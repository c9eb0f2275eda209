"""Settings for `make bench`: the test suite's (memory SMS, tasks run at once, fast password hash), as production
serves pages (DEBUG off: no query log, no debug pages), plus Django's admin for one comparison only.

The admin is not part of the system (its screens would bypass core.access and the permission matrix); the
benchmark mounts it beside the site (benchmarks/urls.py) to time our contract list against Django's own
changelist on the same data.
"""

from config.test_settings import *  # noqa: F401,F403
from config.test_settings import INSTALLED_APPS

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin"]
ROOT_URLCONF = "benchmarks.urls"
