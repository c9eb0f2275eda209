import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Web processes: each query on one core, so one heavy page does not slow every other (config/settings.py).
os.environ.setdefault("DATABASE_PARALLEL_WORKERS", "0")
application = get_wsgi_application()
