from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "events.availability"
    label = "availability"
    verbose_name = "Availability (RSVP)"
