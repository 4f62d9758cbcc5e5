from django.apps import AppConfig


class AuditConfig(AppConfig):
    """History of every change (django-pghistory): event models, context, the activity API."""

    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import context

        context.install_command_context()
