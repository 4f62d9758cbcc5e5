from django.apps import AppConfig


class EventItemsConfig(AppConfig):
    name = "events.items"
    label = "event_items"
    verbose_name = "Event items"
