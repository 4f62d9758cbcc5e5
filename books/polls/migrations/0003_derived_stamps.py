"""Version stamps of a club's polls (`club.polls`): polls, their options and ballots."""

from django.db import migrations

from core.migration_sql import derived_stamp_trigger

CLUB_OF_POLL = "(SELECT p.club_id FROM polls p WHERE p.id = {row}.poll_id)"


class Migration(migrations.Migration):
    dependencies = [("polls", "0002_history_triggers"), ("clubs", "0008_derived_stamps")]

    operations = [
        derived_stamp_trigger("polls", ("club.polls", "{row}.club_id")),
        derived_stamp_trigger("poll_options", ("club.polls", CLUB_OF_POLL)),
        derived_stamp_trigger("poll_ballots", ("club.polls", CLUB_OF_POLL)),
    ]
