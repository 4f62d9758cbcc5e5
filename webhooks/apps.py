from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks of clubs: signed HTTP deliveries of what happens in a club (docs/integrations.md)."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Membership changes are announced by the clubs app below us (core/hooks.py).
        from clubs.services import membership_ended, membership_started
        from webhooks.emit import member_joined, member_left

        membership_started.connect(member_joined)
        membership_ended.connect(member_left)
