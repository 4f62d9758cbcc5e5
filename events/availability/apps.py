from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "events.availability"
    label = "availability"
    verbose_name = "Availability (RSVP)"

    def ready(self):
        # The effects of leaving a club and of deactivation on seats (core/hooks.py).
        from accounts.services import user_deactivated
        from clubs.services import membership_ended
        from events.availability.services import availability_release_user, release_user_everywhere

        membership_ended.connect(availability_release_user)
        user_deactivated.connect(release_user_everywhere)
