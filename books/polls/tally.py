"""Counting ballots: pure functions, no database (tested against hand-worked cases and a
brute-force reference, tests/books/test_tally.py).

`options` is the poll's option ids in their listed order; a ballot is a sequence of option ids
(validated before it is stored: known options, no duplicates), most preferred first when the
poll is ranked.

**The tie rule**: ties go to the option listed first. When deciding the winner, the tied option
listed first wins; when choosing whom to eliminate in instant-runoff, the tied option listed LAST
is eliminated (so the one listed first stays in).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

Option = Hashable


def approval_counts(options: Sequence[Option], ballots: Sequence[Sequence[Option]]) -> dict[Option, int]:
    """How many ballots name each option (a multiple-choice ballot counts for each of its options)."""
    counts = dict.fromkeys(options, 0)
    for ballot in ballots:
        for choice in set(ballot):
            if choice in counts:
                counts[choice] += 1
    return counts


def first_preferences(options: Sequence[Option], ballots: Sequence[Sequence[Option]]) -> dict[Option, int]:
    """How many ballots rank each option first (what a ranked poll shows as its `votes`)."""
    counts = dict.fromkeys(options, 0)
    for ballot in ballots:
        if ballot and ballot[0] in counts:
            counts[ballot[0]] += 1
    return counts


def most_votes(options: Sequence[Option], ballots: Sequence[Sequence[Option]]) -> Option | None:
    """The option named by the most ballots; ties to the option listed first; None without ballots."""
    if not any(ballots):
        return None
    counts = approval_counts(options, ballots)
    return max(options, key=lambda option: (counts[option], -options.index(option)))


def instant_runoff(options: Sequence[Option], ballots: Sequence[Sequence[Option]]) -> Option | None:
    """The instant-runoff winner, or None without ballots.

    Each round counts every ballot for its highest-ranked option still in the running (a ballot
    whose options are all eliminated is exhausted and counts no more). An option with more than
    half of the round's counted ballots wins; otherwise the option with the fewest votes is
    eliminated (of several, the one listed last) and the next round begins. The last option
    left wins."""
    if not any(ballots):
        return None
    running = list(options)
    while len(running) > 1:
        counts = dict.fromkeys(running, 0)
        for ballot in ballots:
            for choice in ballot:
                if choice in counts:
                    counts[choice] += 1
                    break
        counted = sum(counts.values())
        leader = max(running, key=lambda option: (counts[option], -running.index(option)))
        if counts[leader] * 2 > counted:
            return leader
        loser = min(running, key=lambda option: (counts[option], -running.index(option)))
        running.remove(loser)
    return running[0]


def winner(options: Sequence[Option], ballots: Sequence[Sequence[Option]], *, ranked: bool) -> Option | None:
    """The poll's winner: instant-runoff for a ranked poll, else most votes."""
    return instant_runoff(options, ballots) if ranked else most_votes(options, ballots)
