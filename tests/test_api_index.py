"""`GET /api/v1/` maps the API: every address it names exists, and the schema documents it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import yaml
from django.urls import resolve

pytestmark = pytest.mark.django_db


def test_index_lists_resources_and_docs_for_anonymous_callers(api_client):
    response = api_client.get("/api/v1/", HTTP_AUTHORIZATION="Bearer stale-or-forged")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "v1"
    assert body["resources"] == {
        "clubs": "http://testserver/api/v1/clubs/",
        "events": "http://testserver/api/v1/events/",
    }
    assert body["docs"] == {
        "swagger_ui": "http://testserver/api/v1/docs/",
        "schema": "http://testserver/api/v1/schema/",
    }
    assert body["auth"]["login"] == "http://testserver/api/v1/auth/login/"
    assert set(body["auth"]) == {"register", "login", "refresh", "logout", "logout_all", "password", "me", "sessions"}


def test_every_address_in_the_index_answers(api_client, auth_client):
    body = api_client.get("/api/v1/").json()
    urls = [url for group in ("auth", "resources", "docs") for url in body[group].values()]
    for url in urls:
        path = urlsplit(url).path
        resolve(path)  # raises Resolver404 for an address that does not exist
    for url in [*body["resources"].values(), *body["docs"].values(), body["auth"]["me"], body["auth"]["sessions"]]:
        assert auth_client.get(urlsplit(url).path).status_code == 200, url


def test_index_is_in_the_openapi_schema(api_client):
    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)
    operation = schema["paths"]["/api/v1/"]["get"]
    assert operation["operationId"] == "api_index"
    assert not operation.get("security")  # public, like register and login
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    index = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(index["properties"]) == {"version", "auth", "resources", "docs"}
