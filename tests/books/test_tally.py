"""Counting ballots (books/polls/tally.py): instant-runoff against hand-worked cases and against
a brute-force reference on random ballots; most votes with its tie rule."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from books.polls.tally import approval_counts, first_preferences, instant_runoff, most_votes, winner

A, B, C, D, E = "ABCDE"


def ballots(*groups: tuple[int, str]) -> list[list[str]]:
    """`(3, "ABC")` is three ballots ranking A, then B, then C."""
    return [list(order) for count, order in groups for _ in range(count)]


# --- hand-worked instant-runoff ----------------------------------------------------------------
def test_a_first_round_majority_wins_at_once():
    # A 4, B 2, C 1 of 7: A has more than half.
    assert instant_runoff([A, B, C], ballots((4, "ABC"), (2, "BCA"), (1, "CBA"))) == A


def test_transfers_decide_the_winner_against_the_plurality_leader():
    # Round 1: A 4, B 3, C 2 (9 ballots, no majority); C is eliminated, its 2 ballots go to B.
    # Round 2: A 4, B 5: B wins although A led the first round.
    assert instant_runoff([A, B, C], ballots((4, "A"), (3, "BA"), (2, "CB"))) == B
    assert most_votes([A, B, C], ballots((4, "A"), (3, "BA"), (2, "CB"))) == A


def test_a_tie_at_elimination_eliminates_the_option_listed_last():
    # Round 1: A 3, B 2, C 2 (7): B and C tie for fewest; C (listed last) is eliminated.
    # C's ballots go to B: A 3, B 4 -> B. Had B been eliminated instead, its ballots would go to C
    # (C 4 -> C would win): the tie rule decides.
    case = ballots((3, "A"), (2, "BC"), (2, "CB"))
    assert instant_runoff([A, B, C], case) == B
    assert instant_runoff([A, C, B], case) == C  # listed the other way round


def test_exhausted_ballots_stop_counting():
    # Round 1: A 3, B 2, C 2, D 1 (8). D eliminated; its ballot ranks only D: exhausted.
    # Round 2: A 3, B 2, C 2 (7): B and C tie; C (listed later) goes; its 2 ballots rank only C:
    # exhausted. Round 3: A 3, B 2 of 5 counted: A has more than half of the ballots still
    # counting (3 > 2.5), though not of all 8 cast.
    case = ballots((3, "A"), (2, "B"), (2, "C"), (1, "D"))
    assert instant_runoff([A, B, C, D], case) == A


def test_a_final_two_way_tie_goes_to_the_option_listed_first():
    # A 2, B 2, C 1: C eliminated, its ballot ranks nothing else. A 2, B 2: B (listed last) is
    # eliminated, A wins.
    case = ballots((2, "A"), (2, "B"), (1, "C"))
    assert instant_runoff([A, B, C], case) == A
    assert instant_runoff([B, A, C], case) == B


def test_several_rounds_of_transfers():
    # Round 1: A 5, B 4, C 3, D 2, E 1 (15). E goes -> D: D 3; C and D tie at 3, D (listed later) goes ->
    # its 3 ballots (2 "DCB", 1 "EDC") go to C: C 6. Round 3: A 5, B 4, C 6: B goes -> B's ballots
    # rank C next: C 10 of 15 -> C.
    case = ballots((5, "A"), (4, "BC"), (3, "C"), (2, "DCB"), (1, "EDC"))
    assert instant_runoff([A, B, C, D, E], case) == C


def test_no_ballots_no_winner():
    assert instant_runoff([A, B], []) is None
    assert most_votes([A, B], []) is None
    assert winner([A, B], [], ranked=True) is None


def test_most_votes_counts_each_option_of_a_multiple_choice_ballot_and_ties_go_first():
    case = [[A, B], [B], [C, A]]
    assert approval_counts([A, B, C], case) == {A: 2, B: 2, C: 1}
    assert most_votes([A, B, C], case) == A
    assert most_votes([B, A, C], case) == B
    assert first_preferences([A, B, C], case) == {A: 1, B: 1, C: 1}


# --- against a brute-force reference ------------------------------------------------------------
def reference_irv(options: list, cast: list[list]) -> object | None:
    """Instant-runoff written the long way: each round strikes the eliminated options out of every
    ballot, drops the empty ballots and counts first choices from scratch."""
    if not any(cast):
        return None
    eliminated: set = set()
    while True:
        remaining = [option for option in options if option not in eliminated]
        if len(remaining) == 1:
            return remaining[0]
        struck = [[choice for choice in ballot if choice not in eliminated] for ballot in cast]
        live = [ballot for ballot in struck if ballot]
        tally = Counter(ballot[0] for ballot in live)
        for option in remaining:
            if tally[option] * 2 > len(live):
                return option
        order = sorted(remaining, key=lambda option: (tally[option], -options.index(option)))
        eliminated.add(order[0])


OPTIONS = list("ABCDE")
ranked_ballot = st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=5, unique=True)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=2, max_value=5), st.lists(ranked_ballot, max_size=30))
def test_instant_runoff_matches_the_reference(count, cast):
    options = OPTIONS[:count]
    cast = [[choice for choice in ballot if choice in options] for ballot in cast]
    cast = [ballot for ballot in cast if ballot]
    assert instant_runoff(options, cast) == reference_irv(options, cast)


@settings(max_examples=200, deadline=None)
@given(st.lists(ranked_ballot, min_size=1, max_size=30))
def test_one_more_first_preference_for_the_winner_keeps_it_the_winner(cast):
    won = instant_runoff(OPTIONS, cast)
    assert won in OPTIONS
    assert instant_runoff(OPTIONS, [*cast, [won]]) == won
