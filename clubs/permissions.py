"""The one place that decides who may do what in a club (the role table of the API contract).

Services ask a `ClubAccess` (built once per request by `clubs.selectors.club_access`, from the
role that the read of the club returns) instead of comparing role names themselves
(docs/architecture.md, "Authorization"). Deny by default: every ability is False unless a rule
below grants it. Visibility (404 versus 403) is not decided here: it is SQL, `clubs/sql.py`, and
a caller who may not see a club or an event never reaches these checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Role
from clubs.models import ClubRole

MANAGER_ROLES = frozenset({ClubRole.ADMIN, ClubRole.MODERATOR})
CONTRIBUTOR_ROLES = frozenset({ClubRole.ADMIN, ClubRole.MODERATOR, ClubRole.MEMBER})
# Roles a moderator may give or take away; only club admins touch admins and moderators.
MODERATOR_ASSIGNABLE_ROLES = frozenset({ClubRole.MEMBER, ClubRole.GUEST})


def is_site_admin(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.role == Role.ADMIN or user.is_superuser)
    )


def can_create_club(user) -> bool:
    """Any active signed-in user except site guests."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.role != Role.GUEST)


@dataclass(frozen=True)
class ClubAccess:
    """What one user may do in one club. `role` is the user's ACTIVE club role, or None."""

    user_id: object
    club_id: object
    owner_id: object
    club_is_public: bool
    role: str | None
    site_admin: bool

    # --- reading ---------------------------------------------------------------------------
    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def is_owner(self) -> bool:
        return self.owner_id is not None and self.owner_id == self.user_id

    def can_see_member_contacts(self) -> bool:
        """Emails and phones of other members: club admins and site admins only."""
        return self.site_admin or self.role == ClubRole.ADMIN

    def can_see_contacts_of(self, *, member_user_id, member_is_active: bool) -> bool:
        """Email and phone of one membership row: always the user's own; a club admin sees those of
        the club's ACTIVE members (people who no longer belong to the club are not theirs to see);
        site admins see all."""
        if member_user_id is not None and member_user_id == self.user_id:
            return True
        if self.site_admin:
            return True
        return member_is_active and self.can_see_member_contacts()

    # --- membership ------------------------------------------------------------------------
    def can_join(self) -> bool:
        return self.club_is_public and not self.is_member

    def can_leave(self) -> bool:
        return self.is_member

    def can_add_member_with_role(self, role: str) -> bool:
        if self.site_admin or self.role == ClubRole.ADMIN:
            return True
        return self.role == ClubRole.MODERATOR and role in MODERATOR_ASSIGNABLE_ROLES

    def can_add_member_directly(self) -> bool:
        """Make someone a member without their consent: site admins only (staff). Club moderators
        and admins invite instead (`can_invite_with_role`)."""
        return self.site_admin

    def can_invite_with_role(self, role: str) -> bool:
        """Create an invite (personal or link) that grants `role`: moderators `member`/`guest`,
        club admins and site admins any club role (the owner is not a role: never by invite)."""
        return self.can_add_member_with_role(role)

    def can_manage_invites(self) -> bool:
        """List and revoke the club's invites (a moderator revokes those of members and guests)."""
        return self.can_manage_members()

    def can_review_join_requests(self) -> bool:
        """List, approve and decline the club's join requests."""
        return self.can_manage_members()

    def can_remove_member_with_role(self, role: str) -> bool:
        return self.can_add_member_with_role(role)

    def can_manage_members(self) -> bool:
        """May add, edit or remove at least some members (moderators: members and guests only)."""
        return self.site_admin or self.role in MANAGER_ROLES

    def can_change_roles(self) -> bool:
        return self.site_admin or self.role == ClubRole.ADMIN

    def can_set_books_read(self) -> bool:
        return self.site_admin or self.role == ClubRole.ADMIN

    # --- the club itself -------------------------------------------------------------------
    def can_edit_club(self) -> bool:
        return self.site_admin or self.role == ClubRole.ADMIN

    def can_delete_club(self) -> bool:
        return self.site_admin or self.is_owner

    def can_transfer_ownership(self) -> bool:
        return self.site_admin or self.is_owner

    def can_view_activity(self) -> bool:
        """The club's change history (`GET /clubs/{id}/activity/`): club admins and site admins."""
        return self.site_admin or self.role == ClubRole.ADMIN

    def can_manage_webhooks(self) -> bool:
        """The club's webhooks (`/clubs/{id}/webhooks/`): club admins and site admins."""
        return self.site_admin or self.role == ClubRole.ADMIN

    # --- events, RSVPs and items -------------------------------------------------------------
    def can_manage_events(self) -> bool:
        return self.site_admin or self.role in MANAGER_ROLES

    def can_rsvp(self, event_is_public: bool) -> bool:
        return self.is_member or (self.club_is_public and event_is_public) or self.site_admin

    def can_set_others_rsvp(self) -> bool:
        return self.can_manage_events()

    def can_create_items(self) -> bool:
        return self.site_admin or self.role in CONTRIBUTOR_ROLES

    def can_edit_any_item(self) -> bool:
        return self.can_manage_events()

    def item_edit_scope(self, *, created_by_id, assigned_to_id) -> str | None:
        """'all' (every field), 'status_notes' (assignee only), or None (no edit)."""
        if self.can_edit_any_item() or (created_by_id is not None and created_by_id == self.user_id):
            return "all"
        if assigned_to_id is not None and assigned_to_id == self.user_id:
            return "status_notes"
        return None

    def can_delete_item(self, *, created_by_id) -> bool:
        return self.can_edit_any_item() or (created_by_id is not None and created_by_id == self.user_id)

    # --- books, reading and polls (books/, books/polls/) --------------------------------------
    def can_manage_books(self) -> bool:
        """Add, edit, delete and start books of the reading list."""
        return self.site_admin or self.role in MANAGER_ROLES

    def can_keep_reading_entry(self) -> bool:
        """Keep one's own reading entries: any active member, guests included."""
        return self.is_member

    def can_manage_polls(self) -> bool:
        """Create, close and delete polls."""
        return self.site_admin or self.role in MANAGER_ROLES

    def can_vote(self) -> bool:
        """Vote in the club's polls: active members other than guests (site admins only as members)."""
        return self.role in CONTRIBUTOR_ROLES
