"""Version stamps of a club's reading list (`club.books`): its books and their reading entries."""

from django.db import migrations

from core.migration_sql import derived_stamp_trigger


class Migration(migrations.Migration):
    dependencies = [("books", "0002_history_triggers"), ("clubs", "0008_derived_stamps")]

    operations = [
        derived_stamp_trigger("books", ("club.books", "{row}.club_id")),
        derived_stamp_trigger(
            "reading_entries", ("club.books", "(SELECT b.club_id FROM books b WHERE b.id = {row}.book_id)")
        ),
    ]
