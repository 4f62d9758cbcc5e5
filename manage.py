#!/usr/bin/env python
"""Django's command-line utility. A configuration error stops it with one line naming the variable."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwork.settings")
    from django.core.management import execute_from_command_line

    from bookwork.config import ConfigError, exit_on_config_error
    from bookwork.devenv import load as load_dev_env

    try:
        load_dev_env()  # .env.dev of a development checkout (bookwork/devenv.py); never gunicorn
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        exit_on_config_error(error)


if __name__ == "__main__":
    main()
