"""Regression tests for what Schemathesis found (see bench/fuzz-baseline.json).

Each defect lives in another area and was reported to its owner; the tests are `xfail(strict=True)`
so they turn into failures (XPASS) the moment the fix lands: then drop the marker and the
baseline entry. The behaviour checks without a marker pass today and must keep passing.
"""

from __future__ import annotations

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import client_for
from tests.factories import ClubFactory, EventFactory, EventItemFactory


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(openapi: dict, node, depth: int = 0):
    """`node` with every $ref inlined (a few levels deep), for text checks on a response schema."""
    if depth > 16:
        return node
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _resolve(openapi, openapi["components"]["schemas"][name], depth + 1)
        return {key: _resolve(openapi, value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(openapi, item, depth + 1) for item in node]
    return node


def _response(openapi: dict, path: str, method: str, status: str) -> dict:
    responses = openapi["paths"][path][method]["responses"]
    assert status in responses, f"{method.upper()} {path} does not document {status}: {sorted(responses)}"
    return _resolve(openapi, responses[status]["content"]["application/json"]["schema"])


@pytest.mark.parametrize("path", ["/api/v1/events/", "/api/v1/clubs/{club_id}/events/"])
def test_event_lists_document_their_pagination(openapi, path):
    schema = _response(openapi, path, "get", "200")
    assert schema.get("type") == "object" and "results" in schema.get("properties", {})


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/clubs/", "post"),
        ("/api/v1/clubs/{id}/", "patch"),
        ("/api/v1/clubs/{club_id}/members/", "post"),
        ("/api/v1/clubs/{id}/transfer-ownership/", "post"),
        ("/api/v1/clubs/{club_id}/events/", "post"),
    ],
)
def test_malformed_json_answer_is_documented(openapi, path, method):
    documented = json.dumps(_response(openapi, path, method, "400"))
    assert "client_error" in documented and "parse_error" in documented


def test_malformed_json_is_a_400_parse_error(db, user):
    response = client_for(user).generic(
        "POST", "/api/v1/clubs/", data=b"\x05\xff{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_revoked_token_answer_is_documented(openapi):
    documented = json.dumps(_response(openapi, "/api/v1/clubs/", "get", "401"))
    assert "token_not_valid" in documented


# Found by the fuzzer (page_size=null answered 200); fixed in core/pagination.py.
@pytest.mark.parametrize("value", ["null", "abc", "-1"])
def test_malformed_page_size_is_rejected(db, user, value):
    ClubFactory(owner=user)
    response = client_for(user).get(f"/api/v1/clubs/?page_size={value}")
    assert response.status_code == 400


def test_sessions_list_documents_its_404(openapi):
    assert "404" in openapi["paths"]["/api/v1/auth/sessions/"]["get"]["responses"]


# Found by the fuzzer: `?type=` (an empty enum value) answered 200 as if no filter were given.
@pytest.mark.parametrize("query", ["type=", "ordering=", "date_from=", "club=", "upcoming=", "attending="])
def test_empty_event_filter_value_is_rejected(db, user, query):
    club = ClubFactory(owner=user)
    for path in ("/api/v1/events/", f"/api/v1/clubs/{club.pk}/events/"):
        response = client_for(user).get(f"{path}?{query}")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["errors"][0]["attr"] == query.rstrip("=")


# Found by the fuzzer: `"avatar": ""` clears the avatar, so the schema must not say `format: uri` alone.
def test_avatar_blank_clears_and_is_documented(db, user, openapi):
    user.avatar = "https://img.example.com/a.png"
    user.save(update_fields=["avatar"])
    response = client_for(user).patch("/api/v1/auth/me/", {"avatar": ""}, format="json")
    assert response.status_code == 200 and response.json()["avatar"] is None
    assert client_for(user).patch("/api/v1/auth/me/", {"avatar": "not a url"}, format="json").status_code == 400
    avatar = openapi["components"]["schemas"]["PatchedProfileUpdateRequest"]["properties"]["avatar"]
    assert avatar.get("format") != "uri" and {"enum": [""]} in avatar["anyOf"] and avatar["nullable"]


# Found by the fuzzer: `page_size=101` is capped (contract), so the schema must not document a maximum.
def test_page_size_above_the_cap_is_capped_and_documented(db, user, openapi):
    ClubFactory(owner=user)
    assert client_for(user).get("/api/v1/clubs/?page_size=101").status_code == 200
    parameters = openapi["paths"]["/api/v1/clubs/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert "maximum" not in page_size["schema"]


def test_paginated_lists_document_400_and_404(openapi):
    for path, operation in ((p, ops.get("get")) for p, ops in openapi["paths"].items()):
        names = {parameter["name"] for parameter in (operation or {}).get("parameters", [])}
        if "page_size" in names:
            assert {"400", "404"} <= set(operation["responses"]), path


def test_every_body_and_authenticated_operation_documents_parse_and_token_errors(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "parse_error" in json.dumps(_response(openapi, path, method, "400")), (method, path)
            if any(operation.get("security") or []):
                assert "token_not_valid" in json.dumps(
                    _response(openapi, path, method, "401")
                ) or "token_not_valid" in (operation["responses"]["401"].get("description", "")), (method, path)


# Found by the fuzzer: "10:00:00" is not an RFC 3339 `time` (no offset), yet that is what we answer.
def test_response_times_are_documented_as_what_we_send(openapi):
    event_time = openapi["components"]["schemas"]["Event"]["properties"]["event_time"]
    assert "format" not in event_time
    assert re.fullmatch(event_time["pattern"], "10:00:00") and not re.fullmatch(event_time["pattern"], "25:00")


# Found by the fuzzer: the 400 for a malformed page_size must match the documented body.
def test_sessions_list_documents_its_page_size_400(openapi):
    assert "page_size" in json.dumps(_response(openapi, "/api/v1/auth/sessions/", "get", "400"))


# Found by the fuzzer: `?member=` (an empty enum value) answered 200 as if no filter were given.
@pytest.mark.parametrize("query", ["member=", "search=", "tags=", "is_public=", "member=me&member="])
def test_empty_club_filter_value_is_rejected(db, user, query):
    ClubFactory(owner=user)
    response = client_for(user).get(f"/api/v1/clubs/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["attr"] == query.split("=")[0]
    assert client_for(user).get("/api/v1/clubs/?member=me").status_code == 200


@pytest.mark.parametrize("query", ["role=", "is_active="])
def test_empty_member_filter_value_is_rejected(db, user, query):
    club = ClubFactory(owner=user)
    response = client_for(user).get(f"/api/v1/clubs/{club.pk}/members/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["attr"] == query.rstrip("=")


def test_strict_filter_strings_document_min_length(openapi):
    parameters = openapi["paths"]["/api/v1/clubs/"]["get"]["parameters"]
    for name in ("member", "search", "tags"):
        assert next(p for p in parameters if p["name"] == name)["schema"]["minLength"] == 1, name


# Found by the fuzzer: numbers were accepted for string fields and stored as strings ("0").
@pytest.mark.parametrize("value", [0, 1.5, True, [], {}])
def test_non_string_for_a_string_field_is_rejected(db, user, value):
    client = client_for(user)
    event = EventFactory(club=ClubFactory(owner=user))
    cases = [
        ("patch", "/api/v1/auth/me/", {"phone": value}, "phone"),
        ("put", f"/api/v1/events/{event.pk}/availability/me/", {"status": "maybe", "notes": value}, "notes"),
        ("post", "/api/v1/clubs/", {"name": value}, "name"),
        ("post", f"/api/v1/events/{event.pk}/items/", {"name": value}, "name"),
        ("patch", f"/api/v1/events/{event.pk}/", {"location": value}, "location"),
    ]
    for method, path, body, attr in cases:
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == 400, (path, response.content)
        error = response.json()["errors"][0]
        assert (error["attr"], error["code"]) == (attr, "invalid"), (path, error)
    user.refresh_from_db()
    assert user.phone in (None, "")


def test_string_fields_still_accept_strings(db, user):
    client = client_for(user)
    event = EventFactory(club=ClubFactory(owner=user))
    assert client.patch("/api/v1/auth/me/", {"phone": "0123"}, format="json").json()["phone"] == "0123"
    response = client.put(
        f"/api/v1/events/{event.pk}/availability/me/", {"status": "maybe", "notes": "0"}, format="json"
    )
    assert response.status_code == 201 and response.json()["notes"] == "0"


# Found by the fuzzer: `"assigned_to": ""` was taken as null although documented as a UUID.
def test_item_assigned_to_blank_is_rejected_and_null_unassigns(db, user):
    client = client_for(user)
    event = EventFactory(club=ClubFactory(owner=user))
    items = f"/api/v1/events/{event.pk}/items/"
    response = client.post(items, {"name": "Snacks", "assigned_to": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "assigned_to"
    assert client.post(items, {"name": "Snacks", "assigned_to": 0}, format="json").status_code == 400
    item = EventItemFactory(event=event, assigned_to=user)
    assert client.patch(f"{items}{item.pk}/", {"assigned_to": ""}, format="json").status_code == 400
    item.refresh_from_db()
    assert item.assigned_to_id == user.pk
    response = client.patch(f"{items}{item.pk}/", {"assigned_to": None}, format="json")
    assert response.status_code == 200 and response.json()["assigned_to"] is None


# Found by the fuzzer: a name of 256 characters with a leading space passed `maxLength: 255`.
def test_max_length_holds_for_the_string_as_sent(db, user, openapi):
    client = client_for(user)
    response = client.post("/api/v1/clubs/", {"name": " " + "a" * 255}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "max_length",
        "detail": "Ensure this field has no more than 255 characters.",
        "attr": "name",
    }
    response = client.post("/api/v1/clubs/", {"name": " " + "a" * 254}, format="json")
    assert response.status_code == 201 and response.json()["name"] == "a" * 254
    assert openapi["components"]["schemas"]["ClubWriteRequest"]["properties"]["name"]["maxLength"] == 255


# Found by the fuzzer: the RSVP list is paginated but did not document `page`/`page_size`.
def test_availability_list_documents_and_applies_pagination(db, user, openapi):
    operation = openapi["paths"]["/api/v1/events/{event_id}/availability/"]["get"]
    assert {"page", "page_size"} <= {parameter["name"] for parameter in operation["parameters"]}
    assert {"400", "404"} <= set(operation["responses"])
    event = EventFactory(club=ClubFactory(owner=user))
    path = f"/api/v1/events/{event.pk}/availability/"
    assert client_for(user).get(f"{path}?page_size=abc").status_code == 400
    assert client_for(user).get(f"{path}?page=2").status_code == 404


# Found by the fuzzer: `?page=` (also the last of several `page` values) answered the first page.
@pytest.mark.parametrize("query", ["page=", "page=j&page=0.0&page=", "page=last", "page=0", "page=1.0"])
def test_malformed_page_is_a_404(db, user, query):
    club = ClubFactory(owner=user)
    for path in ("/api/v1/clubs/", f"/api/v1/clubs/{club.pk}/events/", f"/api/v1/clubs/{club.pk}/members/"):
        assert client_for(user).get(f"{path}?{query}").status_code == 404, path
    assert client_for(user).get(f"/api/v1/clubs/{club.pk}/members/?page=1").status_code == 200


def test_event_boolean_filters_are_documented_as_booleans_not_null(openapi):
    for name in ("upcoming", "attending"):
        parameter = next(p for p in openapi["paths"]["/api/v1/events/"]["get"]["parameters"] if p["name"] == name)
        assert parameter["schema"] == {"type": "boolean"}, parameter
