"""Cross-app effects run through `core.hooks` (docs/architecture.md): which services are connected."""

from accounts.services import user_deactivated
from clubs.services import membership_ended
from events.availability.services import availability_release_user, release_user_everywhere


def test_leaving_a_club_releases_seats_through_the_availability_service():
    assert membership_ended.services == (availability_release_user,)


def test_deactivation_releases_seats_everywhere():
    assert user_deactivated.services == (release_user_everywhere,)
