"""`GET /api/v1/`: the API's front door, a map of its top-level resources and its documentation.

Public (no sign-in, a stale token is ignored) so that a browser or a new client can start here.
Every address is absolute, built from the request's host, and resolved from the URL names, so
the map cannot name a path that does not exist (tests/test_api_index.py follows each one).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PublicEndpointAuthentication
from core import conditional

# Field name -> URL name, per group. The collections are the starting points; nested resources
# (members, RSVPs, items) are reached from a club or an event (docs/api.md).
AUTH_LINKS = {
    "register": "auth-register",
    "login": "auth-login",
    "refresh": "auth-refresh",
    "logout": "auth-logout",
    "logout_all": "auth-logout-all",
    "password": "auth-password",
    "me": "auth-me",
    "sessions": "auth-sessions",
}
RESOURCE_LINKS = {"clubs": "club-list", "events": "events"}
DOCS_LINKS = {"swagger_ui": "docs", "schema": "schema"}


def _links_serializer(name: str, links: dict[str, str], help_text: str) -> type[serializers.Serializer]:
    fields = {field: serializers.URLField(read_only=True) for field in links}
    return type(name, (serializers.Serializer,), {**fields, "__doc__": help_text})


AuthLinksSerializer = _links_serializer("AuthLinksSerializer", AUTH_LINKS, "Sign-up, sign-in and session endpoints.")
ResourceLinksSerializer = _links_serializer(
    "ResourceLinksSerializer", RESOURCE_LINKS, "Top-level collections (each requires a signed-in user)."
)
DocsLinksSerializer = _links_serializer(
    "DocsLinksSerializer", DOCS_LINKS, "Interactive documentation (Swagger UI) and the OpenAPI 3 schema."
)


class ApiIndexSerializer(serializers.Serializer):
    """The shape of `GET /api/v1/`."""

    version = serializers.CharField(read_only=True)
    auth = AuthLinksSerializer(read_only=True)
    resources = ResourceLinksSerializer(read_only=True)
    docs = DocsLinksSerializer(read_only=True)


class ApiIndexView(APIView):
    authentication_classes = [PublicEndpointAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="api_index",
        summary="Index of the API's top-level resources and documentation",
        tags=["index"],
        auth=[],
        responses={200: ApiIndexSerializer},
    )
    def get(self, request: Request) -> Response:
        # A function of the code and of the address the client used (the links are absolute).
        tag, answer = conditional.check(request, request.scheme, request.get_host())
        if answer is not None:
            return answer

        def absolute(links: dict[str, str]) -> dict[str, str]:
            return {field: request.build_absolute_uri(reverse(name)) for field, name in links.items()}

        body = {
            "version": "v1",
            "auth": absolute(AUTH_LINKS),
            "resources": absolute(RESOURCE_LINKS),
            "docs": absolute(DOCS_LINKS),
        }
        return conditional.tagged(Response(body), tag)
