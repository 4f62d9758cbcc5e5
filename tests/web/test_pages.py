"""Home, discover, a club, a meeting (RSVP, waitlist, items, .ics), the organizers' meeting form,
and what every page promises: CSP without inline scripts, Lax cookies, CSRF, escaped user text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin import site
from django.test import Client
from django.utils import timezone

from clubs.joining import invites
from clubs.joining.models import Invite
from clubs.models import ClubRole
from events.availability.models import Availability
from events.availability.services import availability_set
from events.items.models import EventItem
from events.models import Event
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_lists_my_clubs_with_the_next_meeting_and_my_answer(user):
    mine = ClubMemberFactory(user=user, club=ClubFactory(name="Tuesday Readers")).club
    later = EventFactory(club=mine, title="Later one", event_date=timezone.localdate() + dt.timedelta(days=20))
    soon = EventFactory(club=mine, title="Soon one", event_date=timezone.localdate() + dt.timedelta(days=2))
    EventFactory(club=mine, title="Long gone", event_date=timezone.localdate() - dt.timedelta(days=20))
    ClubFactory(name="Not mine")
    availability_set(event_id=soon.pk, user=user, status="maybe")
    text = signed_in(user).get("/").text
    assert "Tuesday Readers" in text and "Not mine" not in text
    assert "Long gone" not in text
    assert text.index("Soon one") < text.index("Later one")
    assert "Maybe" in text
    assert later.title in text


def test_discover_searches_and_filters_public_clubs(user):
    ClubFactory(name="Sci-fi circle", tags=["scifi"], description="Space operas")
    ClubFactory(name="Poetry night", tags=["poetry"])
    ClubFactory(name="Secret society", is_public=False, tags=["scifi"])
    client = signed_in(user)
    assert {"Sci-fi circle", "Poetry night"} <= set(_names(client.get("/clubs/").text))
    assert "Secret society" not in client.get("/clubs/?tag=scifi").text
    assert "Poetry night" not in client.get("/clubs/?tag=scifi").text
    assert "Sci-fi circle" in client.get("/clubs/?q=OPERA").text
    assert "No public club matches" in client.get("/clubs/?q=zzz").text


def _names(text: str) -> list[str]:
    return [part.split("<")[0] for part in text.split('">')[1:]]


def test_member_contacts_only_where_the_api_shows_them():
    world_owner = UserFactory(name="Olivia", email="olivia@example.com", phone="+1 555 0100")
    club = ClubFactory(owner=world_owner)
    member = ClubMemberFactory(club=club, user=UserFactory(email="mo@example.com", phone="+1 555 0199")).user
    as_member = signed_in(member).get(f"/clubs/{club.pk}/").text
    assert "olivia@example.com" not in as_member and "+1 555 0100" not in as_member
    assert "mo@example.com" in as_member  # their own
    as_admin = signed_in(world_owner).get(f"/clubs/{club.pk}/").text
    assert "mo@example.com" in as_admin and "+1 555 0199" in as_admin


def _full_meeting(seats=1):
    club = ClubFactory()
    event = EventFactory(club=club, max_attendees=seats, title="Middlemarch night")
    first, second = (ClubMemberFactory(club=club).user for _ in range(2))
    return event, first, second


def test_rsvp_gives_seat_or_waitlist_feedback_and_promotion():
    event, first, second = _full_meeting()
    a, b = signed_in(first), signed_in(second)
    page = a.post(f"/meetings/{event.pk}/rsvp/", {"status": "available"}, follow=True).text
    assert "You have a seat" in page
    page = b.post(f"/meetings/{event.pk}/rsvp/", {"status": "available"}, follow=True).text
    assert "you are number 1 on the waitlist" in page
    assert "Waitlist #1" in page
    seated, waiting = page.split("<h3>Seated</h3>", 1)[1].split("<h3>Waitlist</h3>", 1)
    assert first.name in seated.split("<h3>Maybe</h3>")[0]
    assert f'{second.name} <span class="muted">(you, #1)</span>' in waiting
    a.post(f"/meetings/{event.pk}/rsvp/", {"status": "withdraw"})
    assert Event.objects.get(pk=event.pk).attendees == [second.pk]
    assert "Coming · seat" in b.get(f"/meetings/{event.pk}/").text


def test_rsvp_by_htmx_answers_the_live_fragment():
    event, first, _ = _full_meeting()
    response = signed_in(first).post(f"/meetings/{event.pk}/rsvp/", {"status": "maybe"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="live">')
    assert "Noted: maybe." in response.text
    assert '<div id="rsvp-announce" hx-swap-oob="innerHTML">Noted: maybe.</div>' in response.text
    assert "<html" not in response.text


def test_rsvp_with_a_bad_answer_is_a_message(user):
    event, first, _ = _full_meeting()
    page = signed_in(first).post(f"/meetings/{event.pk}/rsvp/", {"status": "perhaps"}, follow=True).text
    assert "Choose an answer." in page
    assert not Availability.objects.filter(event=event).exists()


def test_items_add_claim_complete():
    event, first, second = _full_meeting()
    client = signed_in(first)
    client.post(f"/meetings/{event.pk}/items/", {"name": "Lemon cake", "category": "material"})
    item = EventItem.objects.get(event=event, name="Lemon cake")
    client.post(f"/meetings/{event.pk}/items/{item.pk}/", {"action": "claim"})
    client.post(f"/meetings/{event.pk}/items/{item.pk}/", {"action": "complete"})
    item.refresh_from_db()
    assert (item.assigned_to_id, item.status) == (first.pk, "completed")
    page = signed_in(second).post(f"/meetings/{event.pk}/items/{item.pk}/", {"action": "claim"}, follow=True).text
    assert "You may not change this item." in page
    bad = client.post(f"/meetings/{event.pk}/items/", {"name": "", "category": "nope"}, follow=True).text
    assert "Give the item a name" in bad
    other = EventItemFactory(event=EventFactory())
    assert client.post(f"/meetings/{event.pk}/items/{other.pk}/", {"action": "complete"}).status_code == 404


def test_calendar_file(user):
    event, first, _ = _full_meeting()
    response = signed_in(first).get(f"/meetings/{event.pk}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_meeting_form_creates_edits_and_reports_errors():
    owner = UserFactory()
    club = ClubFactory(owner=owner, timezone="Europe/Paris")
    client = signed_in(owner)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    data = {"title": "Plan", "event_date": tomorrow, "event_time": "19:30", "duration_minutes": "90",
            "location": "Café", "book": "", "type": "planning", "max_attendees": "8", "description": ""}  # fmt: skip
    response = client.post(f"/clubs/{club.pk}/meetings/new/", {**data, "event_date": "2001-01-01"})
    assert response.status_code == 400
    assert "must not start in the past" in response.text
    response = client.post(f"/clubs/{club.pk}/meetings/new/", {**data, "max_attendees": "0", "title": ""})
    assert response.status_code == 400 and "This field is required." in response.text
    response = client.post(f"/clubs/{club.pk}/meetings/new/", data)
    event = Event.objects.get(club=club)
    assert response["Location"] == f"/meetings/{event.pk}/"
    assert (event.event_time, event.max_attendees, event.book) == (dt.time(19, 30), 8, None)
    page = client.get(f"/meetings/{event.pk}/").text
    assert "19:30" in page and "Europe/Paris" in page
    response = client.post(f"/meetings/{event.pk}/edit/", {**data, "title": "Plan B"})
    event.refresh_from_db()
    assert (event.title, event.sequence) == ("Plan B", 1)


def test_leaving_a_private_club_goes_home_and_hides_it():
    club = ClubFactory(is_public=False)
    member = ClubMemberFactory(club=club, role=ClubRole.MEMBER).user
    client = signed_in(member)
    assert client.post(f"/clubs/{club.pk}/leave/")["Location"] == "/"
    assert client.get(f"/clubs/{club.pk}/").status_code == 404


def test_every_page_sends_a_strict_csp_and_lax_cookies(user):
    client = Client()
    response = client.get("/signin/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.cookies["csrftoken"]["samesite"] == "Lax"
    client.post("/signin/", {"username": user.email, "password": "correct-horse-battery-staple"})
    assert client.cookies["sessionid"]["samesite"] == "Lax"
    assert client.cookies["sessionid"]["httponly"]
    assert "<script>" not in client.get("/").text.replace('<script src="', "")
    assert "Content-Security-Policy" not in client.get("/api/v1/").headers  # the API (and admin) are left out


def test_forms_need_the_csrf_token(user):
    club = ClubFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(f"/clubs/{club.pk}/join/")
    assert response.status_code == 403
    assert not club.memberships.filter(user=user).exists()


def test_user_text_is_escaped(user):
    club = ClubFactory(name="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    text = signed_in(user).get(f"/clubs/{club.pk}/").text
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_api_errors_stay_json_and_admin_view_site_is_the_web_app(client):
    response = client.get("/api/v1/clubs/00000000-0000-0000-0000-000000000000/")
    assert response["Content-Type"].startswith("application/json")
    assert str(site.site_url) == "/"


def test_adding_a_member_by_email_sends_an_invite_even_without_an_account():
    owner = UserFactory()
    club = ClubFactory(owner=owner)
    page = (
        signed_in(owner)
        .post(f"/clubs/{club.pk}/members/", {"email": "ghost@example.com", "role": "member"}, follow=True)
        .text
    )
    assert "ghost@example.com is invited; they become a member when they accept." in page
    assert club.memberships.count() == 1
    assert Invite.objects.get(club=club).email == "ghost@example.com"


def test_the_invite_page_shows_the_club_and_accepting_joins():
    owner = UserFactory()
    club = ClubFactory(owner=owner, is_public=False, description="We read Eliot.")
    invite = invites.invite_create(actor=owner, club_id=club.pk, role="guest")
    guest = UserFactory()
    client = signed_in(guest)
    page = client.get(f"/invites/{invite.code}/")
    assert page.status_code == 200 and "We read Eliot." in page.text and "Accept and join" in page.text
    response = client.post(f"/invites/{invite.code}/", follow=True)
    assert f"You joined {club.name}." in response.text
    assert club.memberships.get(user=guest).role == "guest"
    assert signed_in(UserFactory()).get(f"/invites/{invite.code}x/").status_code == 404


def test_organizer_cancels_a_meeting_and_it_takes_no_more_answers():
    event, first, second = _full_meeting()
    availability_set(event_id=event.pk, user=first, status="available")
    refused = signed_in(second).post(f"/meetings/{event.pk}/cancel/", {"reason": "nope"}, follow=True).text
    assert "Only club moderators and admins may cancel meetings." in refused
    owner = signed_in(event.club.owner)
    owner.post(f"/meetings/{event.pk}/cancel/", {"reason": "The library is closed"})
    event.refresh_from_db()
    assert (event.status, event.cancel_reason) == ("cancelled", "The library is closed")
    page = signed_in(second).get(f"/meetings/{event.pk}/").text
    assert "This meeting is cancelled: The library is closed" in page
    assert 'value="available"' not in page  # no RSVP buttons
    late = signed_in(second).post(f"/meetings/{event.pk}/rsvp/", {"status": "available"}, follow=True).text
    assert "cancelled" in late.lower()
    assert not Availability.objects.filter(event=event, user=second).exists()
    again = owner.post(f"/meetings/{event.pk}/cancel/", follow=True).text
    assert "cancelled" in again.lower()
    assert "Meeting cancelled" in signed_in(first).get("/").text


def test_home_reads_a_fixed_number_of_queries_whatever_the_number_of_clubs(user, django_assert_max_num_queries):
    client = signed_in(user)
    for _ in range(2):
        club = ClubMemberFactory(user=user).club
        EventFactory(club=club)
    with django_assert_max_num_queries(6) as few:
        assert client.get("/").status_code == 200
    for _ in range(5):
        club = ClubMemberFactory(user=user).club
        EventFactory(club=club)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/").status_code == 200


def test_discover_and_the_club_page_follow_the_join_policy():
    open_club = ClubFactory(is_public=True, join_policy="open", name="Open Readers")
    approval = ClubFactory(is_public=True, join_policy="approval", name="Careful Readers")
    closed = ClubFactory(is_public=True, join_policy="invite", name="Closed Readers")
    user = UserFactory()
    client = signed_in(user)
    page = client.get("/clubs/").text
    assert "Join Open Readers" in page and "Ask to join Careful Readers" in page
    assert "Closed Readers" in page and "Join Closed Readers" not in page
    assert "Ask to join" in client.get(f"/clubs/{approval.pk}/").text
    assert "Join this club" not in client.get(f"/clubs/{closed.pk}/").text
    response = client.post(f"/clubs/{approval.pk}/join/", follow=True)
    assert "You asked to join Careful Readers" in response.text
    assert not approval.memberships.filter(user=user).exists()
    assert "You joined Open Readers." in client.post(f"/clubs/{open_club.pk}/join/", follow=True).text
