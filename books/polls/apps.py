from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "books.polls"
    label = "polls"
    verbose_name = "Polls"
