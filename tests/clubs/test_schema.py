"""The OpenAPI schema documents every clubs endpoint with its errors, and generates without warnings."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

EXPECTED = {
    ("get", "/api/v1/clubs/"): {"200", "400", "401"},
    ("post", "/api/v1/clubs/"): {"201", "400", "401", "403"},
    ("get", "/api/v1/clubs/{id}/"): {"200", "401", "404"},
    ("patch", "/api/v1/clubs/{id}/"): {"200", "400", "401", "403", "404"},
    ("delete", "/api/v1/clubs/{id}/"): {"204", "401", "403", "404"},
    ("post", "/api/v1/clubs/{club_id}/join/"): {"200", "201", "202", "400", "401", "403", "404", "409"},
    ("post", "/api/v1/clubs/{id}/leave/"): {"204", "401", "403", "404", "409"},
    ("post", "/api/v1/clubs/{id}/transfer-ownership/"): {"200", "400", "401", "403", "404"},
    ("get", "/api/v1/clubs/{club_id}/members/"): {"200", "400", "401", "404"},
    ("post", "/api/v1/clubs/{club_id}/members/"): {"200", "201", "202", "400", "401", "403", "404", "409"},
    ("get", "/api/v1/clubs/{club_id}/members/{user_id}/"): {"200", "401", "404"},
    ("patch", "/api/v1/clubs/{club_id}/members/{user_id}/"): {"200", "400", "401", "403", "404", "409"},
    ("delete", "/api/v1/clubs/{club_id}/members/{user_id}/"): {"204", "401", "403", "404", "409"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        # --fail-on-warn: any warning (ours or another app's) fails the suite.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize(("method", "path"), list(EXPECTED))
def test_every_clubs_operation_documents_its_responses(schema, method, path):
    operation = schema["paths"][path][method]
    assert EXPECTED[(method, path)] <= set(operation["responses"])
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            assert parameter["schema"] == {"type": "string", "format": "uuid"}, parameter


def test_club_and_member_components(schema):
    components = schema["components"]["schemas"]
    assert set(components["Club"]["properties"]) == {
        "id", "name", "description", "owner", "is_public", "join_policy", "max_members", "meeting_frequency", "current_book",
        "location", "tags", "timezone", "reminder_hours", "member_count", "my_role", "created_at", "updated_at",
    }  # fmt: skip
    assert set(components["Member"]["properties"]) == {"user", "role", "joined_date", "books_read", "is_active"}
    user = components["MemberUser"]
    assert {"email", "phone"}.isdisjoint(user["required"])  # only shown to some callers
    list_params = {p["name"] for p in schema["paths"]["/api/v1/clubs/"]["get"]["parameters"]}
    assert {"search", "tags", "is_public", "member", "ordering", "page", "page_size"} <= list_params
