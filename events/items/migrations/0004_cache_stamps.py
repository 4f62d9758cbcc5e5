"""Version stamps (clubs/migrations/0007_cache_stamps.py): an item bumps its event's scope only."""

from django.db import migrations

from core.migration_sql import stamp_trigger

ITEM = """
    IF TG_OP <> 'INSERT' THEN
        PERFORM cache_stamp_bump_event(OLD.event_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR OLD.event_id IS DISTINCT FROM NEW.event_id) THEN
        PERFORM cache_stamp_bump_event(NEW.event_id);
    END IF;"""


class Migration(migrations.Migration):
    dependencies = [("event_items", "0003_history_triggers"), ("events", "0005_cache_stamps")]

    operations = [stamp_trigger("event_items", ITEM)]
