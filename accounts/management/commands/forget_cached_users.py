"""`manage.py forget_cached_users ID... | --all`: drop the shared cache's copy of user rows
(accounts/usercache.py) after they were changed outside the application, e.g. with `psql`
(deactivating someone, bumping `token_version`), so the very next request reads the row. The
application's own writes, the admin's included, forget their users by themselves."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.usercache import user_cache_forget, user_cache_forget_all


class Command(BaseCommand):
    help = "Forget the cached rows of these users (or of every user) after a change made outside the application."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=uuid.UUID, help="User ids.")
        parser.add_argument("--all", action="store_true", dest="every", help="Every cached user row.")

    def handle(self, *args, ids: list[uuid.UUID], every: bool, **options) -> None:
        if bool(ids) == every:
            raise CommandError("give user ids or --all (not both)")
        if every:
            dropped = user_cache_forget_all()
            message = "no shared cache (REDIS_URL unset): every request reads its user" if dropped is None else ""
            self.stdout.write(message or f"forgot {dropped} cached user rows")
            return
        user_cache_forget(ids)
        self.stdout.write(f"forgot the cached rows of {len(ids)} users")
