"""HTTP layer of the auth endpoints (see docs/api.md, "Accounts and auth"). Views parse with a
serializer, call one service or selector, and shape the response; rules live in the services."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.authentication import PublicEndpointAuthentication
from accounts.serializers import (
    AuthErrorSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
    SessionSerializer,
    TokenPairSerializer,
    TokenRefreshResponseSerializer,
    UserSerializer,
)
from accounts.throttling import (
    LoginEmailRateThrottle,
    LoginIPRateThrottle,
    PasswordChangeRateThrottle,
    RegisterIPRateThrottle,
    client_ip,
)
from core import conditional
from core.pagination import PageNumberPagination
from core.throttling import UserRateThrottle

TAGS = ["auth"]


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(AuthErrorSerializer, description=description)


E400 = _error("Validation error: missing fields, wrong types, malformed JSON; `errors[].attr` names the field.")
E401 = _error(
    "Not signed in, or the access token is invalid, expired or revoked (`not_authenticated`, `token_not_valid`)."
)
E401_TOKEN = _error("The refresh token is forged, expired, spent, revoked or not a refresh token (`token_not_valid`).")
E401_LOGIN = _error("Wrong email or password, or an inactive account (`authentication_failed`).")
E404 = _error("No such session of the caller (`not_found`).")
E429 = _error("Too many requests (`throttled`); see the `Retry-After` header.")


def _client(request: Request) -> services.ClientInfo:
    return services.ClientInfo(user_agent=request.headers.get("User-Agent", "")[:512], ip=client_ip(request))


class NoStoreMixin:
    """Responses carrying tokens must never be cached by browsers or proxies."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class PublicAuthView(NoStoreMixin, APIView):
    authentication_classes = [PublicEndpointAuthentication]
    permission_classes = [AllowAny]


def _pair_body(pair: services.TokenPair) -> dict:
    return {"user": UserSerializer(pair.user).data, "access": pair.access, "refresh": pair.refresh}


class RegisterView(PublicAuthView):
    throttle_classes = [UserRateThrottle, RegisterIPRateThrottle]

    @extend_schema(
        tags=TAGS,
        auth=[],
        summary="Create an account and sign in",
        request=RegisterSerializer,
        responses={201: TokenPairSerializer, 400: E400, 429: E429},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.user_register(**serializer.validated_data, client=_client(request))
        return Response(_pair_body(pair), status=status.HTTP_201_CREATED)


class LoginView(PublicAuthView):
    throttle_classes = [UserRateThrottle, LoginIPRateThrottle, LoginEmailRateThrottle]

    @extend_schema(
        tags=TAGS,
        auth=[],
        summary="Sign in with email and password",
        description="Starts a new session. Throttled per client IP and per email.",
        request=LoginSerializer,
        responses={200: TokenPairSerializer, 400: E400, 401: E401_LOGIN, 429: E429},
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.user_login(**serializer.validated_data, client=_client(request))
        return Response(_pair_body(pair))


class RefreshView(PublicAuthView):
    @extend_schema(
        tags=TAGS,
        auth=[],
        summary="Exchange a refresh token for a new access and refresh token",
        description=(
            "The presented refresh token is spent. Presenting a spent token again revokes every token "
            "of its session (theft detection) and answers 401."
        ),
        request=RefreshSerializer,
        responses={200: TokenRefreshResponseSerializer, 400: E400, 401: E401_TOKEN, 429: E429},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.refresh_rotate(raw=serializer.validated_data["refresh"], client=_client(request))
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(NoStoreMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="Sign out of this session",
        description=(
            "Revokes the session of the given refresh token, which must belong to the caller. The "
            "caller's access tokens stop working too; other sessions get a new access token by refreshing."
        ),
        request=RefreshSerializer,
        responses={204: None, 400: E400, 401: E401, 429: E429},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.session_logout(user=request.user, raw=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(NoStoreMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="Sign out everywhere",
        description="Revokes every refresh token of the caller and invalidates every access token.",
        request=None,
        responses={204: None, 401: E401, 429: E429},
    )
    def post(self, request: Request) -> Response:
        services.user_logout_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(NoStoreMixin, APIView):
    throttle_classes = [UserRateThrottle, PasswordChangeRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Change password",
        description=(
            "Signs the caller out everywhere (all refresh and access tokens stop working). Throttled "
            "per account with the login limit (`login_email`), which it shares with login."
        ),
        request=PasswordChangeSerializer,
        responses={204: None, 400: E400, 401: E401, 429: E429},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_password_change(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(tags=TAGS, summary="The caller's account", responses={200: UserSerializer, 401: E401, 429: E429})
    def get(self, request: Request) -> Response:
        # The body is the authenticated user's row (read before the view, accounts.usercache):
        # its `updated_at` moves with every write of the row (a database trigger).
        user = request.user
        tag, answer = conditional.check(request, conditional.caller(user), user.updated_at)
        if answer is not None:
            return conditional.dated(answer, user.updated_at)
        return conditional.dated(conditional.tagged(Response(UserSerializer(user).data), tag), user.updated_at)

    @extend_schema(
        tags=TAGS,
        summary="Update the caller's name, phone or avatar",
        request=ProfileUpdateSerializer,
        responses={200: UserSerializer, 400: E400, 401: E401, 429: E429},
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(user=request.user, data=serializer.validated_data)
        return Response(UserSerializer(user).data)


class SessionListView(ListAPIView):
    serializer_class = SessionSerializer
    pagination_class = PageNumberPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.session_list(user=self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="The caller's live sessions",
        description="One entry per signed-in session (refresh-token family) that can still be refreshed.",
        responses={200: SessionSerializer(many=True), 401: E401, 429: E429},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        version = selectors.sessions_version(user=request.user)
        tag, answer = conditional.check(request, *version, conditional.caller(request.user))
        if answer is not None:
            return answer
        return conditional.tagged(super().get(request, *args, **kwargs), tag)


class SessionDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Revoke one of the caller's sessions",
        description="Its refresh token stops working; access tokens of the caller must be refreshed.",
        parameters=[OpenApiParameter("session_id", str, OpenApiParameter.PATH, description="Session id (UUID).")],
        responses={204: None, 401: E401, 404: E404, 429: E429},
    )
    def delete(self, request: Request, session_id: str) -> Response:
        services.session_revoke(user=request.user, family_id=_parse_uuid(session_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None
