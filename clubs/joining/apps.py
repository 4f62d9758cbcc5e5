from django.apps import AppConfig


class JoiningConfig(AppConfig):
    """Getting into a club: join requests, invitations and the consent rule (docs/clubs.md)."""

    name = "clubs.joining"
    label = "joining"
    verbose_name = "Getting into a club"
    default_auto_field = "django.db.models.BigAutoField"
