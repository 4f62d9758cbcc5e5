from django.apps import AppConfig


class BookworkConfig(AppConfig):
    """The project package doubles as an app so it can hold the operators' management commands."""

    name = "bookwork"
    verbose_name = "Bookwork operations"
