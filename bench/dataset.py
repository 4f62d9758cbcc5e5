"""A synthetic but believable Bookwork data set, written with PostgreSQL COPY.

Contract of `seed_dataset` (used by `manage.py bench_seed`):

- Rows go in through `COPY ... FROM STDIN` (psycopg 3 `cursor.copy()`), one transaction for the
  whole data set, so a failure leaves nothing behind.
- Shape: most clubs small (5-30 active members), some medium (30-150), one in twenty large
  (150-1200); 60% of clubs have a `max_members` at or a little above their active count; a few
  former (inactive) members per club; owners are active club admins. Tags come from a fixed
  vocabulary. Events go to clubs in proportion to size^0.7, dated from two years back to one year
  ahead (never before the club existed). RSVPs per event grow with club size (size^0.6, scaled to
  the requested total) and come only from ACTIVE members of the event's club.
- Seat rules hold exactly: per event, RSVPs have strictly increasing `created_at` (the order they
  arrived); the first `max_attendees` `available` ones hold a seat and `events.attendees` lists
  exactly those users in that order; later `available` ones are waitlisted with positions 1..n;
  `maybe`/`unavailable` ones never hold a seat or a position.
- Items: on average `items_per_event` per event, assigned (when assigned) to an active member.
- Notifications: on average `notifications_per_member` per active membership, about the club's
  events around now (`bench.notification_rows`).
- Every user shares one password hash, computed once with Django's configured hasher.
- Deterministic for a given `Plan` (same seed, same ids and rows), except the clock: dates are
  relative to the day of seeding.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from random import Random

from bench.copying import CopyBuffer, Progress, copy_in, copy_lines
from bench.notification_rows import notifications_copy
from bench.vocabulary import (
    BOOKS,
    CITIES,
    CLUB_NOUNS,
    CLUB_WORDS,
    DURATIONS,
    EVENT_TIMES,
    EVENT_TYPES,
    FIRST_NAMES,
    FREQUENCIES,
    ITEM_CATEGORIES,
    ITEM_NAMES,
    LAST_NAMES,
    NOTES,
    TAGS,
    TIMEZONES,
    VENUES,
)

DEFAULT_PASSWORD = "bench-password-2026"
EMAIL_DOMAIN = "bench.example"


# The tables this module writes, in the order they are loaded.
TABLES = ("users", "clubs", "club_members", "events", "availability", "event_items", "notifications")

Log = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """What to generate. `rsvps` is a target: events cannot get more RSVPs than their club has
    active members, so a tiny data set may end up with fewer (the report says how many)."""

    users: int
    clubs: int
    events: int
    rsvps: int
    items_per_event: float = 1.5
    notifications_per_member: float = 3.0
    seed: int = 2026
    password: str = DEFAULT_PASSWORD


@dataclass
class Report:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def user_email(index: int) -> str:
    """The email of the `index`-th generated user (0-based); all share `Plan.password`."""
    return f"reader{index:06d}@{EMAIL_DOMAIN}"


def _uuid(rng: Random) -> str:
    """A version-4-shaped UUID from the seeded generator (so the data set is reproducible)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def _ts(us: int) -> str:
    """A UTC timestamp literal for COPY from microseconds since the epoch."""
    secs, micros = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(secs)) + f".{micros:06d}+00"


NULL = r"\N"
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000


@dataclass
class _Club:
    id: str
    size: int
    created_us: int
    active: list[str]
    staff: list[str]
    name: str = ""


@contextmanager
def secondary_indexes_dropped(cursor, tables: tuple[str, ...], log: Log):
    """Drop the plain (non-constraint) indexes of `tables` for a bulk load and rebuild them at the
    end: one sorted build per index is several times faster than maintaining it row by row.

    Runs inside the caller's transaction, so a failure restores the indexes with everything else.
    Constraint indexes (primary keys, UNIQUE) stay, so duplicates still fail the load.
    """
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY (%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [list(tables)],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    started = time.perf_counter()
    for _, definition in indexes:
        cursor.execute(definition)
    log(f"  rebuilt {len(indexes)} indexes in {time.perf_counter() - started:.1f}s")


def seed_dataset(*, plan: Plan, cursor, log: Log, password_hash: str) -> Report:
    """Generate the data set described by `plan` and COPY it in through `cursor` (a Django or
    psycopg 3 cursor on an open transaction). The caller owns the transaction and session settings."""
    rng = Random(plan.seed)
    report = Report()
    started = time.perf_counter()
    now_us = int(time.time() * 1_000_000)
    today = dt.datetime.now(dt.UTC).date()
    epoch_day = dt.date(1970, 1, 1)
    today_us = (today - epoch_day).days * _DAY_US

    # --- users --------------------------------------------------------------------------------
    user_ids: list[str] = []
    active_users: list[int] = []
    progress = Progress(log, "users", plan.users)
    with copy_in(
        cursor,
        "COPY users (id, name, email, password_hash, phone, avatar, role, is_active, is_staff, is_superuser, "
        "last_login_at, token_version, created_at, updated_at) FROM STDIN",
    ) as copy:
        buf = CopyBuffer(copy, progress)
        for i in range(plan.users):
            uid = _uuid(rng)
            user_ids.append(uid)
            # One in a hundred users has been deactivated; they belong to no club.
            active = i % 100 != 99
            if active:
                active_users.append(i)
            r = rng.random()
            role = "guest" if r < 0.02 else "moderator" if r < 0.03 else "member"
            created = now_us - int(rng.uniform(30, 1100) * _DAY_US)
            last_login = _ts(rng.randint(created, now_us)) if rng.random() < 0.8 else r"\N"
            phone = f"+1555{i:07d}" if rng.random() < 0.5 else r"\N"
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            created_s = _ts(created)
            buf.add(
                f"{uid}\t{name}\t{user_email(i)}\t{password_hash}\t{phone}\t\\N\t{role}\t{'t' if active else 'f'}"
                f"\tf\tf\t{last_login}\t0\t{created_s}\t{created_s}\n"
            )
        buf.flush()
    report.seconds["users"] = progress.finish()
    report.rows["users"] = plan.users
    if not active_users:
        raise ValueError("the plan has no active users to form clubs")

    # --- clubs and memberships ----------------------------------------------------------------
    clubs: list[_Club] = []
    member_lines: list[str] = []
    progress = Progress(log, "clubs", plan.clubs)
    with copy_in(
        cursor,
        "COPY clubs (id, name, description, owner_id, is_public, max_members, meeting_frequency, current_book, "
        "location, tags, timezone, join_policy, created_at, updated_at) FROM STDIN",
    ) as copy:
        buf = CopyBuffer(copy, progress)
        for c in range(plan.clubs):
            kind = c % 20
            if kind == 0:
                size = int(rng.uniform(150, 1200))
            elif kind <= 3:
                size = rng.randint(30, 150)
            else:
                size = rng.randint(5, 30)
            size = max(1, min(size, len(active_users)))
            former = min(size // 20, len(active_users) - size)
            picks = rng.sample(active_users, size + former)
            created = now_us - int(rng.uniform(800, 1100) * _DAY_US)
            cid = _uuid(rng)
            active_ids = [user_ids[u] for u in picks[:size]]
            n_mods = size // 25
            n_guests = size // 20
            staff = active_ids[: 1 + n_mods]
            for pos, uid in enumerate(active_ids):
                if pos == 0:
                    role, joined = "admin", created
                else:
                    role = "moderator" if pos <= n_mods else "guest" if pos > size - 1 - n_guests else "member"
                    joined = rng.randint(created, now_us)
                member_lines.append(f"{_uuid(rng)}\t{cid}\t{uid}\t{role}\t{_ts(joined)}\t{rng.randint(0, 30)}\tt\n")
            for u in picks[size:]:
                joined = rng.randint(created, now_us)
                member_lines.append(f"{_uuid(rng)}\t{cid}\t{user_ids[u]}\tmember\t{_ts(joined)}\t0\tf\n")
            max_members = str(size + rng.randint(0, max(1, size // 5))) if rng.random() < 0.6 else r"\N"
            tags = "{" + ",".join(rng.sample(TAGS, rng.randint(1, 4))) + "}"
            name = f"{rng.choice(CLUB_WORDS)} {rng.choice(CLUB_NOUNS)} {c + 1}"
            city = rng.choice(CITIES)
            description = f"We read {rng.choice(TAGS)} and meet {rng.choice(FREQUENCIES)} in {city}."
            created_s = _ts(created)
            public = rng.random() < 0.7  # drawn here, as before the join policy existed: same data per seed
            buf.add(
                f"{cid}\t{name}\t{description}\t{active_ids[0]}\t{'t' if public else 'f'}\t{max_members}"
                f"\t{rng.choice(FREQUENCIES)}\t{rng.choice(BOOKS)}\t{city}\t{tags}\t{rng.choice(TIMEZONES)}"
                f"\t{'open' if public else 'invite'}\t{created_s}\t{created_s}\n"
            )
            clubs.append(_Club(cid, size, created, active_ids, staff, name))
        buf.flush()
    report.seconds["clubs"] = progress.finish()
    report.rows["clubs"] = plan.clubs

    copy_lines(
        cursor,
        log,
        report,
        "club_members",
        "COPY club_members (id, club_id, user_id, role, joined_date, books_read, is_active) FROM STDIN",
        member_lines,
    )
    del member_lines

    if not clubs or plan.events <= 0:
        report.rows.update(events=0, availability=0, event_items=0, notifications=0)
        report.total_seconds = time.perf_counter() - started
        return report

    # --- events, RSVPs, items -----------------------------------------------------------------
    # Bigger clubs hold more events, less than proportionally.
    per_club = Counter(rng.choices(range(len(clubs)), weights=[c.size**0.7 for c in clubs], k=plan.events))
    # RSVPs per event grow with club size (size^0.6); one scale factor hits the requested total,
    # refined a few times because an event cannot get more RSVPs than its club has members.
    want = {i: clubs[i].size ** 0.6 for i in per_club}
    scale = plan.rsvps / max(1e-9, sum(n * want[i] for i, n in per_club.items()))
    for _ in range(6):
        total = sum(n * min(clubs[i].size, scale * want[i]) for i, n in per_club.items())
        if total <= 0 or abs(total - plan.rsvps) < 0.005 * plan.rsvps:
            break
        scale *= plan.rsvps / total

    event_lines: list[str] = []
    item_lines: list[str] = []
    club_events: dict[int, list[tuple]] = {}
    rsvp_count = 0
    max_items = max(0, round(2 * plan.items_per_event))
    progress = Progress(log, "availability", plan.rsvps)
    with copy_in(
        cursor,
        "COPY availability (id, event_id, user_id, status, notes, waitlisted, waitlist_position, "
        "created_at, updated_at) FROM STDIN",
    ) as copy:
        buf = CopyBuffer(copy, progress)
        for ci in sorted(per_club):
            club = clubs[ci]
            club_age_days = (now_us - club.created_us) // _DAY_US
            first_offset = max(-730, -club_age_days + 14)
            for _ in range(per_club[ci]):
                eid = _uuid(rng)
                offset = rng.randint(first_offset, 365)
                event_day = today + dt.timedelta(days=offset)
                event_time = rng.choice(EVENT_TIMES)
                hh, mm = int(event_time[:2]), int(event_time[3:5])
                start_us = today_us + offset * _DAY_US + (hh * 60 + mm) * 60_000_000
                if start_us < now_us:
                    created = start_us - int(rng.uniform(3, 60) * _DAY_US)
                else:
                    created = now_us - int(rng.uniform(1 / 24, 60) * _DAY_US)
                created = max(created, club.created_us + _HOUR_US)
                max_attendees = rng.randint(2, max(2, club.size // 2)) if rng.random() < 0.5 else None

                want_k = scale * want[ci] * rng.uniform(0.5, 1.5)
                k = int(want_k) + (1 if rng.random() < want_k - int(want_k) else 0)
                k = min(k, club.size)
                rsvp_end = min(start_us, now_us)
                step = max(1, (rsvp_end - created) // (k + 1))
                seats_left = max_attendees if max_attendees is not None else k
                waitlist = 0
                attendees: list[str] = []
                for j, uid in enumerate(rng.sample(club.active, k)):
                    r = rng.random()
                    if r < 0.6:
                        status = "available"
                        if seats_left > 0:
                            seats_left -= 1
                            attendees.append(uid)
                            wl_flag, wl_pos = "f", r"\N"
                        else:
                            waitlist += 1
                            wl_flag, wl_pos = "t", str(waitlist)
                    else:
                        status = "maybe" if r < 0.85 else "unavailable"
                        wl_flag, wl_pos = "f", r"\N"
                    notes = rng.choice(NOTES) if rng.random() < 0.05 else r"\N"
                    at = _ts(created + step * (j + 1))
                    buf.add(f"{_uuid(rng)}\t{eid}\t{uid}\t{status}\t{notes}\t{wl_flag}\t{wl_pos}\t{at}\t{at}\n")
                rsvp_count += k

                etype = rng.choice(EVENT_TYPES)
                book = rng.choice(BOOKS)
                location = f"{rng.choice(VENUES)}, {rng.choice(CITIES)}"
                title = f"{etype.capitalize()}: {book}"
                club_events.setdefault(ci, []).append((eid, title, etype, location, created, start_us))
                created_s = _ts(created)
                event_lines.append(
                    f"{eid}\t{club.id}\t{title}\t{etype.capitalize()} of the month\t{event_day}"
                    f"\t{event_time}\t{rng.choice(DURATIONS)}\t{location}\t{book}\t{etype}"
                    f"\t{NULL if max_attendees is None else max_attendees}\t{'t' if rng.random() < 0.4 else 'f'}"
                    f"\t{rng.choice(club.staff)}\t{{{','.join(attendees)}}}\t0\t{created_s}\t{created_s}\n"
                )

                past = start_us < now_us
                for _ in range(rng.randint(0, max_items) if max_items else 0):
                    category = rng.choice(ITEM_CATEGORIES)
                    r = rng.random()
                    if past:
                        status = "completed" if r < 0.75 else "cancelled" if r < 0.85 else "pending"
                    else:
                        status = "pending" if r < 0.6 else "in_progress" if r < 0.85 else "completed"
                    assignee = rng.choice(club.active) if rng.random() < 0.6 else r"\N"
                    at = _ts(created + rng.randint(1, 48) * _HOUR_US // 4)
                    item_lines.append(
                        f"{_uuid(rng)}\t{eid}\t{rng.choice(ITEM_NAMES[category])}\t{category}\t{status}\t\\N"
                        f"\t{assignee}\t{rng.choice(club.staff)}\t{at}\t{at}\n"
                    )
        buf.flush()
    report.seconds["availability"] = progress.finish()
    report.rows["availability"] = rsvp_count

    copy_lines(
        cursor,
        log,
        report,
        "events",
        "COPY events (id, club_id, title, description, event_date, event_time, duration_minutes, location, book, "
        "type, max_attendees, is_public, created_by_id, attendees, sequence, created_at, updated_at) FROM STDIN",
        event_lines,
    )
    del event_lines

    copy_lines(
        cursor,
        log,
        report,
        "event_items",
        "COPY event_items (id, event_id, name, category, status, notes, assigned_to_id, created_by_id, "
        "created_at, updated_at) FROM STDIN",
        item_lines,
    )
    del item_lines

    # Drawn after every other row, so adding them left the rest of the data set as it was.
    notifications_copy(
        cursor, log, report, rng, clubs=clubs, club_events=club_events,
        per_member=plan.notifications_per_member, now_us=now_us, new_id=_uuid, ts=_ts,
    )  # fmt: skip

    report.total_seconds = time.perf_counter() - started
    return report
