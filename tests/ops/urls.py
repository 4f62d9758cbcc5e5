"""A test-only URLconf: the real routes plus views that fail on purpose (never in production code)."""

import logging

from django.db import OperationalError
from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from bookwork.urls import handler400, handler403, handler404, handler500
from bookwork.urls import urlpatterns as real_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

SECRET_TEXT = "SELECT password_hash FROM users WHERE secret = 'hunter2'"


class _Open(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class DrfBoom(_Open):
    def get(self, request):
        raise RuntimeError(SECRET_TEXT)


class DrfDatabaseDown(_Open):
    def get(self, request):
        raise OperationalError("connection to server at 10.0.0.1 failed: " + SECRET_TEXT)


class DrfEcho(_Open):
    def post(self, request):
        return Response({"received": request.data})


class _Never(BasePermission):
    def has_permission(self, request, view):
        return False


class DrfForbidden(_Open):
    permission_classes = [_Never]

    def get(self, request):
        return Response({})


class DrfWhoAmI(APIView):
    """Default authentication and permissions (a JWT is required)."""

    def get(self, request):
        logging.getLogger("bookwork.test").warning("inside an authenticated view")
        return Response({"id": str(request.user.pk)})


def plain_boom(request):
    raise RuntimeError(SECRET_TEXT)


def plain_database_down(request):
    raise OperationalError("server closed the connection unexpectedly " + SECRET_TEXT)


def plain_logs(request):
    logging.getLogger("bookwork.test").warning("inside the view")
    return JsonResponse({"ok": True})


urlpatterns = [
    *real_urlpatterns,
    path("test/drf-boom/", DrfBoom.as_view()),
    path("test/drf-db-down/", DrfDatabaseDown.as_view()),
    path("test/drf-echo/", DrfEcho.as_view()),
    path("test/drf-forbidden/", DrfForbidden.as_view()),
    path("test/whoami/", DrfWhoAmI.as_view()),
    path("test/plain-boom/", plain_boom),
    path("test/plain-db-down/", plain_database_down),
    path("test/plain-logs/", plain_logs, name="plain-logs"),
]
