"""Reading lists and polls of the synthetic data set, derived in SQL from the clubs `bench.dataset`
wrote (run by `manage.py bench_seed` in its transaction).

Each club gets its `current_book` as its current book (so `clubs.current_book` equals the current
book's title, as the app keeps it) and three planned books from the vocabulary, and each club
with planned books one open, ranked book poll over them with the ballots of up to 40 of its
voting members: the `poll_detail` scenario and the fuzzer read them.
"""

from __future__ import annotations

from bench.vocabulary import BOOKS

STATEMENTS = (
    (
        "books",
        """
        INSERT INTO books (id, club_id, title, author, status, started_on, created_at, updated_at)
        SELECT gen_random_uuid(), c.id, c.current_book, '', 'current', CURRENT_DATE - 10, c.created_at, c.created_at
        FROM clubs c WHERE c.current_book IS NOT NULL AND c.current_book <> ''
        """,
    ),
    (
        "books",
        """
        INSERT INTO books (id, club_id, title, author, status, created_at, updated_at)
        SELECT gen_random_uuid(), c.id, t.title, '', 'planned', now(), now()
        FROM clubs c
        CROSS JOIN LATERAL (
            SELECT v.title FROM unnest(%(titles)s::text[]) AS v(title)
            WHERE v.title IS DISTINCT FROM c.current_book ORDER BY md5(c.id::text || v.title) LIMIT 3
        ) t
        """,
    ),
    (
        "polls",
        """
        INSERT INTO polls (id, club_id, question, kind, multiple, ranked, results, status, created_at, updated_at)
        SELECT gen_random_uuid(), c.id, 'What do we read next?', 'book', true, true, 'visible', 'open', now(), now()
        FROM clubs c WHERE EXISTS (SELECT 1 FROM books b WHERE b.club_id = c.id AND b.status = 'planned')
        """,
    ),
    (
        "poll_options",
        """
        INSERT INTO poll_options (id, poll_id, position, label, book_id)
        SELECT gen_random_uuid(), p.id, row_number() OVER (PARTITION BY p.id ORDER BY b.title, b.id) - 1, b.title, b.id
        FROM polls p JOIN books b ON b.club_id = p.club_id AND b.status = 'planned'
        """,
    ),
    (
        "poll_ballots",
        """
        INSERT INTO poll_ballots (id, poll_id, user_id, choices, created_at, updated_at)
        SELECT gen_random_uuid(), p.id, m.user_id,
               (SELECT array_agg(o.id ORDER BY md5(o.id::text || m.user_id::text)) FROM poll_options o
                WHERE o.poll_id = p.id),
               now(), now()
        FROM polls p
        CROSS JOIN LATERAL (
            SELECT user_id FROM club_members m
            WHERE m.club_id = p.club_id AND m.is_active AND m.role <> 'guest' ORDER BY md5(m.user_id::text) LIMIT 40
        ) m
        """,
    ),
)


def seed_reading(cursor) -> dict[str, int]:
    """Insert the books, polls, options and ballots; returns the rows written per table."""
    rows: dict[str, int] = {}
    for table, statement in STATEMENTS:
        cursor.execute(statement, {"titles": list(BOOKS)})
        rows[table] = rows.get(table, 0) + cursor.rowcount
    return rows
