"""The worker's poll job: every minute, close the open polls past their `closes_at`
(`books.polls.services.polls_close_due`, each poll in its own transaction, through the same
`poll_close` as the API). A poll is thus closed at most a minute late; votes are refused from
`closes_at` on all the same (409 `poll_closed`)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from books.polls.services import polls_close_due
from notifications.tasks import _observed, _with_fresh_connections


@app.periodic(cron="* * * * *", periodic_id="close_due_polls")
@app.task(name="polls.close_due_polls", queueing_lock="close_due_polls")
@_with_fresh_connections
@_observed("polls.close_due_polls")
def close_due_polls(timestamp: int) -> int:
    return polls_close_due()
