from django.apps import AppConfig


class BooksConfig(AppConfig):
    name = "books"
    verbose_name = "Books and reading"

    def ready(self):
        # A club's `current_book` set through the clubs API or admin goes through the reading list
        # (core/hooks.py): clubs declares the hook, this app keeps the invariant.
        from books.services import club_current_book_set
        from clubs.services import current_book_changed

        current_book_changed.connect(club_current_book_set)
