"""Notifications for the bench data set (`bench.dataset.seed_dataset` COPYs them in).

Shape: every active membership of a club that has events around now gets on average
`per_member` notifications (0 to twice that), each about one of the club's events from 60 days
back to 60 days ahead: mostly new events and reminders, some changes, a few promotions and
cancellations, and some invitations (club only). Texts are rendered from the kinds' own
declarations (`notifications.kinds`), so they read like the real ones. A notification is dated
after its event was created and not after its start or now; older ones are mostly read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from random import Random

from notifications import kinds

# (kind, weight): what a member's inbox mostly holds.
KIND_WEIGHTS = (
    ("event_created", 40),
    ("event_reminder", 30),
    ("event_changed", 15),
    ("waitlist_promoted", 5),
    ("event_cancelled", 4),
    ("club_invite", 6),
)
WINDOW_DAYS = 60
NULL = r"\N"
_DAY_US = 86_400_000_000


def _when(start_us: int) -> tuple[str, str]:
    start = dt.datetime.fromtimestamp(start_us / 1_000_000, tz=dt.UTC)
    day = f"{start:%a} {start.day} {start:%b}"
    return day, f"{day} at {start:%H:%M}"


def notification_lines(
    rng: Random,
    *,
    clubs: list,
    club_events: dict[int, list[tuple]],
    per_member: float,
    now_us: int,
    new_id: Callable[[Random], str],
    ts: Callable[[int], str],
) -> list[str]:
    """COPY lines of `notifications` (id, user_id, kind, title, body, club_id, event_id, data,
    created_at, read_at). `clubs`: the generated clubs (`id`, `active`, `created_us`, and a
    `name`); `club_events[i]`: (event id, title, type, location, created_us, start_us) of club i."""
    names = [name for name, _ in KIND_WEIGHTS]
    weights = [weight for _, weight in KIND_WEIGHTS]
    low, high = now_us - WINDOW_DAYS * _DAY_US, now_us + WINDOW_DAYS * _DAY_US
    lines: list[str] = []
    top = max(0, round(2 * per_member))
    for index, club in enumerate(clubs):
        events = [e for e in club_events.get(index, ()) if low <= e[5] <= high]
        if not events or not top:
            continue
        for user_id in club.active:
            for _ in range(rng.randint(0, top)):
                kind = rng.choices(names, weights)[0]
                event_id, title, etype, location, created_us, start_us = rng.choice(events)
                first = max(created_us, low, club.created_us)
                last = min(start_us, now_us)
                if last <= first:
                    continue
                at = rng.randint(first, last)
                day, when = _when(start_us)
                what = {"planning": "planning meeting", "other": "event"}.get(etype, etype)
                context = {
                    "club": club.name,
                    "event": title,
                    "what": what,
                    "The_what": f"The {what}",
                    "when": when,
                    "was_when": day,
                    "location": location,
                    "changes": f"moved to {location}",
                    "reason": "",
                    "in_hours": "tomorrow",
                    "actor": "A club admin",
                }
                title_text, body = kinds.get(kind).render(context)
                old = now_us - at > 2 * _DAY_US
                read = rng.random() < (0.8 if old else 0.3)
                read_at = ts(min(now_us, at + rng.randint(60_000_000, 2 * _DAY_US))) if read else NULL
                lines.append(
                    f"{new_id(rng)}\t{user_id}\t{kind}\t{title_text}\t{body}\t{club.id}"
                    f"\t{NULL if kind == 'club_invite' else event_id}\t{json.dumps({})}\t{ts(at)}\t{read_at}\n"
                )
    return lines
