"""Version stamps of the cached representations (docs/architecture.md, "Versions, ETags and
cached representations"): the `cache_stamps` table and the deferred triggers of clubs, their
memberships and the displayed columns of users."""

from django.db import migrations

from core.migration_sql import cache_stamps_table, stamp_trigger

CLUB = """
    IF TG_OP = 'DELETE' THEN
        DELETE FROM cache_stamps WHERE scope_id = OLD.id;
    ELSE
        PERFORM cache_stamp_bump_club(NEW.id);
    END IF;"""

MEMBERSHIP = """
    IF TG_OP <> 'INSERT' THEN
        PERFORM cache_stamp_bump_club(OLD.club_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM cache_stamp_bump_club(NEW.club_id);
    END IF;"""

# Every club the user belongs to (active or not), in id order (one lock order between two such
# transactions).
USER = """
    PERFORM cache_stamp_bump_club(m.club_id)
    FROM (SELECT DISTINCT club_id FROM club_members WHERE user_id = NEW.id ORDER BY club_id) m;"""

USER_DISPLAYED = " OR ".join(
    f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in ("name", "email", "phone", "avatar", "is_active")
)


class Migration(migrations.Migration):
    dependencies = [("clubs", "0006_club_join_policy")]

    operations = [
        cache_stamps_table(),
        stamp_trigger("clubs", CLUB),
        stamp_trigger("club_members", MEMBERSHIP),
        stamp_trigger("users", USER, events="UPDATE", when=USER_DISPLAYED),
    ]
