"""Version stamps of join requests and invites: a club's (`club.joins`) and a requester's
(`user.joins`). A requester's displayed columns are shown by the club's list: their change bumps
`club.joins` of every club they asked to join (the same columns as clubs' users trigger)."""

import importlib

from django.db import migrations

from core.migration_sql import derived_stamp_trigger, stamp_trigger

stamps = importlib.import_module("clubs.migrations.0007_cache_stamps")

REQUESTER = """
    PERFORM cache_stamp_bump_derived('club.joins', r.club_id)
    FROM (SELECT DISTINCT club_id FROM club_join_requests WHERE user_id = NEW.id ORDER BY club_id) r;"""


class Migration(migrations.Migration):
    dependencies = [("joining", "0002_history_triggers"), ("clubs", "0008_derived_stamps")]

    operations = [
        derived_stamp_trigger("club_join_requests", ("club.joins", "{row}.club_id"), ("user.joins", "{row}.user_id")),
        derived_stamp_trigger("club_invites", ("club.joins", "{row}.club_id")),
        stamp_trigger("users", REQUESTER, events="UPDATE", when=stamps.USER_DISPLAYED, name="cache_stamp_users_joins"),
    ]
