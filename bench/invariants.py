"""Invariants of the seat and membership rules as SQL: `bench.dataset` seeds data that keeps them,
`make soak` checks them on a live system."""

from __future__ import annotations

# Invariants of the seat and membership rules, as SQL returning one count of violations each.
# Shared by the seeder's test and `make soak`.
INVARIANT_QUERIES: dict[str, str] = {
    "event_over_capacity": """
        SELECT count(*) FROM events
        WHERE max_attendees IS NOT NULL AND cardinality(attendees) > max_attendees
    """,
    "attendees_differ_from_seated_rsvps": """
        SELECT count(*) FROM events e
        WHERE e.attendees IS DISTINCT FROM COALESCE((
            SELECT array_agg(a.user_id ORDER BY a.created_at, a.id) FROM availability a
            WHERE a.event_id = e.id AND a.status = 'available' AND NOT a.waitlisted
        ), '{}'::uuid[])
    """,
    "attendee_set_differs_from_seated_rsvps": """
        SELECT count(*) FROM events e
        WHERE ARRAY(SELECT unnest(e.attendees) ORDER BY 1) IS DISTINCT FROM ARRAY(
            SELECT a.user_id FROM availability a
            WHERE a.event_id = e.id AND a.status = 'available' AND NOT a.waitlisted ORDER BY 1
        )
    """,
    "waitlist_positions_not_1_to_n": """
        SELECT count(*) FROM (
            SELECT event_id FROM availability WHERE waitlisted
            GROUP BY event_id HAVING min(waitlist_position) <> 1 OR max(waitlist_position) <> count(*)
                OR count(DISTINCT waitlist_position) <> count(*)
        ) bad
    """,
    "waitlist_while_seats_free": """
        SELECT count(*) FROM events e
        WHERE (e.max_attendees IS NULL OR cardinality(e.attendees) < e.max_attendees)
          AND EXISTS (SELECT 1 FROM availability a WHERE a.event_id = e.id AND a.waitlisted)
    """,
    "club_over_max_members": """
        SELECT count(*) FROM clubs c
        WHERE c.max_members IS NOT NULL
          AND (SELECT count(*) FROM club_members m WHERE m.club_id = c.id AND m.is_active) > c.max_members
    """,
    "rsvp_by_non_member": """
        SELECT count(*) FROM availability a JOIN events e ON e.id = a.event_id
        WHERE NOT EXISTS (
            SELECT 1 FROM club_members m WHERE m.club_id = e.club_id AND m.user_id = a.user_id AND m.is_active
        )
    """,
}

# On a live system the order of `attendees` is the seat-taking order, which differs from
# `created_at` once RSVPs are edited, and RSVPs may outlive a membership; the live checks
# (soak) therefore compare the attendee SET and skip the membership check.
LIVE_INVARIANTS = tuple(
    name for name in INVARIANT_QUERIES if name not in {"attendees_differ_from_seated_rsvps", "rsvp_by_non_member"}
)


def check_invariants(cursor, names: tuple[str, ...] | None = None) -> dict[str, int]:
    """Run the named invariant queries (all by default) on a Django or psycopg cursor; returns
    name -> number of violating rows (0 everywhere means the data is consistent)."""
    found = {}
    for name in names or tuple(INVARIANT_QUERIES):
        cursor.execute(INVARIANT_QUERIES[name])
        found[name] = cursor.fetchone()[0]
    return found
