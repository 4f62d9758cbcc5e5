"""Cross-app effects run through `core.hooks` (docs/architecture.md): which services are connected."""

from accounts.staff import user_deactivated
from books.services import club_current_book_set
from clubs.services import club_made_private, current_book_changed, membership_ended, membership_started
from events.availability.outsiders import availability_release_outsiders
from events.availability.services import availability_release_user, release_user_everywhere
from webhooks.emit import member_joined, member_left


def test_leaving_a_club_releases_seats_through_the_availability_service():
    assert membership_ended.services == (availability_release_user, member_left)


def test_membership_changes_reach_the_webhooks():
    assert membership_started.services == (member_joined,)


def test_deactivation_releases_seats_everywhere():
    assert user_deactivated.services == (release_user_everywhere,)


def test_a_club_turning_private_releases_outsiders_seats():
    assert club_made_private.services == (availability_release_outsiders,)


def test_a_club_current_book_set_by_a_club_write_goes_through_the_reading_list():
    assert current_book_changed.services == (club_current_book_set,)
