"""`manage.py create_db_roles [--print]`: the seed's least-privilege database roles.

- The application role (DB_APP_ROLE, default `bookwork_app`): connect, and SELECT/INSERT/UPDATE/
  DELETE on the tables and use of the sequences, nothing more (no DDL: it cannot create, alter or
  drop tables, so migrations run as the owner role that runs this command).
- The read-only role (DB_READONLY_ROLE, default `bookwork_readonly`): connect and SELECT.

Both get the same rights on tables that later migrations create (default privileges of the role
running this command, the tables' owner). Passwords come from DB_APP_PASSWORD and
DB_READONLY_PASSWORD; without one the role's password is left as it is (a new role then has none
and can sign in only where pg_hba.conf allows it without one). Idempotent: running it again
changes nothing but the passwords. `--print` shows the SQL (passwords masked) without running it.
Exit status 0 on success, 1 on failure.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from psycopg import sql

MASK = "********"


def role_statements(
    *, role: str, password: str | None, database: str, table_privileges: str, sequence_privileges: str, mask: bool
) -> list[sql.Composable]:
    name = sql.Identifier(role)
    statements: list[sql.Composable] = [
        sql.SQL(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal}) "
            "THEN CREATE ROLE {name} LOGIN; END IF; END $$"
        ).format(literal=sql.Literal(role), name=name),
        sql.SQL("ALTER ROLE {name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS").format(
            name=name
        ),
    ]
    if password:
        statements.append(
            sql.SQL("ALTER ROLE {name} WITH PASSWORD {password}").format(
                name=name, password=sql.Literal(MASK if mask else password)
            )
        )
    statements += [
        sql.SQL("GRANT CONNECT ON DATABASE {db} TO {name}").format(db=sql.Identifier(database), name=name),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {name}").format(name=name),
        sql.SQL("GRANT " + table_privileges + " ON ALL TABLES IN SCHEMA public TO {name}").format(name=name),
        sql.SQL("GRANT " + sequence_privileges + " ON ALL SEQUENCES IN SCHEMA public TO {name}").format(name=name),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT " + table_privileges + " ON TABLES TO {name}").format(
            name=name
        ),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT " + sequence_privileges + " ON SEQUENCES TO {name}"
        ).format(name=name),
    ]
    return statements


def all_statements(*, app_role: str, readonly_role: str, mask: bool) -> list[sql.Composable]:
    database = connection.settings_dict["NAME"]
    return [
        # Nobody but the owner creates objects in the schema (PostgreSQL 15+ already says so).
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
        *role_statements(
            role=app_role,
            password=settings.DB_APP_PASSWORD,
            database=database,
            table_privileges="SELECT, INSERT, UPDATE, DELETE",
            sequence_privileges="USAGE, SELECT",
            mask=mask,
        ),
        *role_statements(
            role=readonly_role,
            password=settings.DB_READONLY_PASSWORD,
            database=database,
            table_privileges="SELECT",
            sequence_privileges="SELECT",
            mask=mask,
        ),
    ]


class Command(BaseCommand):
    help = "Create or update the least-privilege roles: application (DML only) and read-only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print", action="store_true", dest="print_only", help="Print the SQL, run nothing.")
        parser.add_argument("--app-role", default=None, help="Application role name (default DB_APP_ROLE).")
        parser.add_argument("--readonly-role", default=None, help="Read-only role name (default DB_READONLY_ROLE).")

    def handle(self, *args, print_only: bool, app_role: str | None, readonly_role: str | None, **options) -> None:
        app_role = app_role or settings.DB_APP_ROLE
        readonly_role = readonly_role or settings.DB_READONLY_ROLE
        if app_role == readonly_role:
            raise CommandError("the application role and the read-only role must differ")
        try:
            connection.ensure_connection()
            owner = connection.settings_dict.get("USER") or ""
            if owner in {app_role, readonly_role}:
                raise CommandError(f"run this as the owner role, not as {owner!r}")
            raw = connection.connection
            statements = all_statements(app_role=app_role, readonly_role=readonly_role, mask=print_only)
            if print_only:
                for statement in statements:
                    self.stdout.write(statement.as_string(raw) + ";")
                return
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement.as_string(raw))
        except DatabaseError as error:
            raise CommandError(f"could not create the roles: {error.__class__.__name__}: {error}".strip()) from error
        for role, variable in ((app_role, "DB_APP_PASSWORD"), (readonly_role, "DB_READONLY_PASSWORD")):
            if not getattr(settings, variable):
                self.stdout.write(f"note: {variable} is not set; the password of {role} was left unchanged")
        self.stdout.write(self.style.SUCCESS(f"roles ready: {app_role} (read/write data), {readonly_role} (read only)"))
