"""Version stamps (clubs/migrations/0007_cache_stamps.py): an event's row bumps its own scope; its
insertion, deletion or move bumps its club's scope too, so the set of a club's events is fixed
while the club's stamp is (`events.sql.event_list_version`). An update alone (an RSVP writes
`attendees`) does not touch the club's stamp row: RSVP writes never contend on it."""

from django.db import migrations

from core.migration_sql import stamp_trigger

EVENT = """
    IF TG_OP = 'DELETE' THEN
        DELETE FROM cache_stamps WHERE scope_id = OLD.id;
        PERFORM cache_stamp_bump_club(OLD.club_id);
        RETURN NULL;
    END IF;
    PERFORM cache_stamp_bump_event(NEW.id);
    IF TG_OP = 'INSERT' OR OLD.club_id IS DISTINCT FROM NEW.club_id THEN
        PERFORM cache_stamp_bump_club(NEW.club_id);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.club_id IS DISTINCT FROM NEW.club_id THEN
        PERFORM cache_stamp_bump_club(OLD.club_id);
    END IF;"""


class Migration(migrations.Migration):
    dependencies = [("events", "0004_history_triggers"), ("clubs", "0007_cache_stamps")]

    operations = [stamp_trigger("events", EVENT)]
