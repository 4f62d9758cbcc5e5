"""Home, discover, and a club's page with its member management. Reads go through the clubs and
events selectors (so a hidden club is a 404 page), writes through the clubs services."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clubs import services as club_services
from clubs.joining import invites
from clubs.joining import services as joining
from clubs.joining.selectors import invite_preview
from clubs.joining.serializers import MemberInviteSerializer
from clubs.models import ClubRole
from clubs.selectors import ClubRows, club_get_visible_with_access, club_member_get, parse_uuid
from core import time
from events.selectors import EventRows, events_next_per_club
from web.forms import DiscoverForm, MemberAddForm, MemberRoleForm
from web.selectors import club_member_cards
from web.views.common import REFUSALS, allowed, member_required, refuse

HOME_CLUBS = 50
PAGE = 20


@member_required
def home(request):
    """My clubs, each with its next meeting and my answer, and my upcoming meetings."""
    user = request.user
    clubs = list(ClubRows(user=user, member_only=True)[0:HOME_CLUBS])
    by_id = {str(club.id): club for club in clubs}  # event rows carry ids as text
    upcoming, next_of = [], {}
    for row in events_next_per_club(user=user, club_ids=list(by_id), per_club=3):
        club = by_id[row.club_id]
        next_of.setdefault(row.club_id, row)
        upcoming.append({"event": row, "club": club, "starts_at": time.event_starts_at(row, club)})
    cards = [{"club": club, "next": next_of.get(str(club.id))} for club in clubs]
    upcoming.sort(key=lambda item: item["starts_at"])
    return render(request, "web/home.html", {"cards": cards, "upcoming": upcoming[:PAGE]})


@member_required
def discover(request):
    """Public clubs (and mine), searched by name or description and filtered by a tag."""
    form = DiscoverForm(request.GET or None)
    search = tag = None
    if form.is_valid():
        search = form.cleaned_data["q"].strip() or None
        tag = form.cleaned_data["tag"].strip().lower() or None
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows = ClubRows(user=request.user, search=search, tags=[tag] if tag else None, is_public=True)
    start = (page - 1) * PAGE
    clubs = list(rows[start : start + PAGE + 1])
    context = {
        "form": form,
        "clubs": clubs[:PAGE],
        "page": page,
        "has_next": len(clubs) > PAGE,
        "search": search or "",
        "tag": tag or "",
    }
    return render(request, "web/discover.html", context)


@member_required
def club_detail(request, club_id):
    club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
    members = club_member_cards(club=club, access=access)
    upcoming = list(EventRows(user=request.user, access=access, upcoming=True)[0:PAGE])
    upcoming_ids = {row.id for row in upcoming}
    today = timezone.now().astimezone(time.club_zone(club)).date()
    past = [
        row
        for row in EventRows(user=request.user, access=access, date_to=today, ordering="-event_date")[0 : PAGE + 5]
        if row.id not in upcoming_ids and not time.is_upcoming(row, club)
    ][:PAGE]
    context = {
        "club": club,
        "access": access,
        "members": members,
        "upcoming": upcoming,
        "past": past,
        "add_form": MemberAddForm() if allowed(club_services.member_add_check, access=access) else None,
        "roles": ClubRole.choices,
        "can_change_roles": allowed(club_services.member_role_change_check, access=access),
    }
    return render(request, "web/club.html", context)


@member_required
@require_POST
def club_join(request, club_id):
    club, _ = club_get_visible_with_access(user=request.user, club_id=club_id)
    try:
        outcome = joining.join_ask(actor=request.user, club_id=club.pk)
    except REFUSALS as error:
        refuse(request, error)
    else:
        if outcome.member is not None:
            messages.success(request, f"You joined {club.name}.")
        else:
            messages.success(request, f"You asked to join {club.name}; its moderators will decide.")
    return redirect("web:club", club_id=club.pk)


@member_required
@require_POST
def club_leave(request, club_id):
    club, _ = club_get_visible_with_access(user=request.user, club_id=club_id)
    try:
        club_services.club_leave(actor=request.user, club_id=club.pk)
    except REFUSALS as error:
        refuse(request, error)
        return redirect("web:club", club_id=club.pk)
    messages.success(request, f"You left {club.name}.")
    # A private club is no longer visible to a former member.
    return redirect("web:club", club_id=club.pk) if club.is_public else redirect("web:home")


@member_required
@require_POST
def member_add(request, club_id):
    club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
    form = MemberAddForm(request.POST)
    if not allowed(club_services.member_add_check, access=access):
        messages.error(request, "Only club moderators and admins may add members.")
    elif not form.is_valid():
        messages.error(request, "Give a valid email and a role.")
    else:
        # The API's own reading of the body: a user with this email, or an invitation by email.
        body = MemberInviteSerializer(data=form.cleaned_data)
        try:
            body.is_valid(raise_exception=True)
            data = body.validated_data
            member, invite, _ = invites.member_add_or_invite(
                actor=request.user, club_id=club.pk, user=data["user"], email=data["email"], role=data["role"]
            )
        except REFUSALS as error:
            refuse(request, error)
        else:
            if member is not None:
                messages.success(request, f"{data['user'].name} is now a member.")
            else:
                messages.success(request, f"{invite.email} is invited; they become a member when they accept.")
    return redirect("web:club", club_id=club.pk)


@member_required
def invite(request, code):
    """The page an invite's link opens: what the club is, and a button to accept (404 page for any
    code that is not usable by the signed-in person, as the API answers)."""
    found = invites.invite_for(user=request.user, code=code)
    if request.method == "POST":
        try:
            invites.invite_accept(actor=request.user, code=code)
        except REFUSALS as error:
            refuse(request, error)
        else:
            messages.success(request, f"You joined {found.club.name}.")
        return redirect("web:club", club_id=found.club_id)
    return render(request, "web/invite.html", {"preview": invite_preview(invite=found)})


@member_required
@require_POST
def member_change(request, club_id, user_id):
    """`action=remove` removes the member; otherwise `role` is their new club role."""
    club, _ = club_get_visible_with_access(user=request.user, club_id=club_id)
    member = club_member_get(club=club, user_id=parse_uuid(user_id))
    try:
        if request.POST.get("action") == "remove":
            club_services.member_remove(actor=request.user, club_id=club.pk, user_id=member.user_id)
            messages.success(request, f"{member.user.name} was removed from the club.")
        else:
            form = MemberRoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a valid role.")
            else:
                club_services.member_update(
                    actor=request.user, club_id=club.pk, user_id=member.user_id, role=form.cleaned_data["role"]
                )
                messages.success(request, f"{member.user.name} is now {ClubRole(form.cleaned_data['role']).label}.")
    except REFUSALS as error:
        refuse(request, error)
    return redirect("web:club", club_id=club.pk)
