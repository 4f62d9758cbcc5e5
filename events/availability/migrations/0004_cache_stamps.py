"""Version stamps (clubs/migrations/0007_cache_stamps.py): an RSVP bumps its event's scope only
(never the club's: RSVP writes must not contend on one row per club). A user's displayed columns
changing bumps the events where they answered without being a member of the club (the members'
clubs are bumped by clubs' trigger on users; the RSVP list's version holds the club's stamp)."""

from django.db import migrations

from core.migration_sql import stamp_trigger

RSVP = """
    IF TG_OP <> 'INSERT' THEN
        PERFORM cache_stamp_bump_event(OLD.event_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR OLD.event_id IS DISTINCT FROM NEW.event_id) THEN
        PERFORM cache_stamp_bump_event(NEW.event_id);
    END IF;"""

OUTSIDER = """
    PERFORM cache_stamp_bump_event(a.event_id)
    FROM (SELECT DISTINCT a.event_id FROM availability a JOIN events e ON e.id = a.event_id
          WHERE a.user_id = NEW.id
            AND NOT EXISTS (SELECT 1 FROM club_members m WHERE m.club_id = e.club_id AND m.user_id = NEW.id)
          ORDER BY a.event_id) a;"""

USER_DISPLAYED = " OR ".join(
    f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in ("name", "avatar", "is_active")
)


class Migration(migrations.Migration):
    dependencies = [("availability", "0003_history_triggers"), ("events", "0005_cache_stamps")]

    operations = [
        stamp_trigger("availability", RSVP),
        stamp_trigger("users", OUTSIDER, events="UPDATE", when=USER_DISPLAYED, name="cache_stamp_users_rsvps"),
    ]
