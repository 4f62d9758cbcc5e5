from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "events.availability"
    label = "availability"
    verbose_name = "Availability (RSVP)"

    def ready(self):
        # The effects of leaving a club, of a club turning private and of deactivation on seats (core/hooks.py).
        from accounts.staff import user_deactivated
        from clubs.services import club_made_private, membership_ended
        from events.availability.outsiders import availability_release_outsiders
        from events.availability.services import availability_release_user, release_user_everywhere

        membership_ended.connect(availability_release_user)
        club_made_private.connect(availability_release_outsiders)
        user_deactivated.connect(release_user_everywhere)
