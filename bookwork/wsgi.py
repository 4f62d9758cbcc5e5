"""WSGI entry point for gunicorn. A configuration error stops the worker with one line."""

import os

from django.core.wsgi import get_wsgi_application

from bookwork.config import ConfigError, exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwork.settings")

try:
    application = get_wsgi_application()
except ConfigError as error:
    exit_on_config_error(error)
