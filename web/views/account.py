"""Sign in, register, sign out, forgotten password, and the member's profile and sessions."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError as ApiValidationError

from accounts.selectors import session_list
from accounts.serializers import ProfileUpdateSerializer
from accounts.services import user_create, user_profile_update
from web.forms import (
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordSetForm,
    ResetRequestForm,
    SignInForm,
    form_errors_from,
)
from web.selectors import web_sessions_of
from web.services import sessions_end_others, web_password_change
from web.sessions import USER_AGENT_KEY
from web.throttling import login_wait, password_check_wait, register_wait
from web.views.common import member_required
from web.views.notifications import email_choices

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _remember_agent(request) -> None:
    request.session[USER_AGENT_KEY] = request.headers.get("User-Agent", "")[:256]


class SignInView(auth_views.LoginView):
    template_name = "web/signin.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("web:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        _remember_agent(self.request)
        return response


def register(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = register_wait(request)
        if wait is not None:
            form.add_error(None, f"Too many sign-ups from your network. Try again in {wait} seconds.")
        else:
            try:
                user = user_create(**form.cleaned_data)
            except ApiValidationError as error:
                form_errors_from(form, error)
            else:
                login(request, user, backend=BACKEND)
                _remember_agent(request)
                messages.success(request, f"Welcome to Bookwork, {user.name}! Find a club to join below.")
                return redirect("web:discover")
    return render(request, "web/register.html", {"form": form}, status=400 if form.errors else 200)


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET): a link cannot sign anyone out."""

    next_page = reverse_lazy("web:login")


class PasswordResetView(auth_views.PasswordResetView):
    """Without email (EMAIL_ENABLED off) the page says so and sends nothing: the console backend
    would otherwise write reset links into the logs."""

    template_name = "web/password_reset.html"
    form_class = ResetRequestForm
    success_url = reverse_lazy("web:password_reset_done")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "email_enabled": settings.EMAIL_ENABLED}

    def form_valid(self, form):
        if not settings.EMAIL_ENABLED:
            return self.form_invalid(form)
        wait = login_wait(self.request, form.cleaned_data["email"])
        if wait is not None:
            form.add_error(None, f"Too many attempts. Try again in {wait} seconds.")
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password_reset_confirm.html"
    form_class = ResetPasswordSetForm
    success_url = reverse_lazy("web:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"


def _profile_page(request, *, profile_form=None, password_form=None, status=200):
    user = request.user
    profile_form = profile_form or ProfileForm(
        initial={"name": user.name, "phone": user.phone or "", "avatar": user.avatar or ""}
    )
    context = {
        "profile_form": profile_form,
        "password_form": password_form or PasswordChangeForm(),
        "web_sessions": web_sessions_of(user=user)[:50],
        "api_sessions": session_list(user=user)[:50],
        "current_session_key": request.session.session_key,
        "email_choices": email_choices(user),
        "email_enabled": settings.EMAIL_ENABLED,
    }
    return render(request, "web/profile.html", context, status=status)


@member_required
def profile(request):
    if request.method != "POST":
        return _profile_page(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        # The API's own rules for these values (blank phone and avatar clear them).
        body = ProfileUpdateSerializer(data=form.cleaned_data)
        if body.is_valid():
            user_profile_update(user=request.user, data=body.validated_data)
            messages.success(request, "Your profile is saved.")
            return redirect("web:profile")
        form_errors_from(form, ApiValidationError(body.errors))
    return _profile_page(request, profile_form=form, status=400)


@member_required
@require_POST
def password_change(request):
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        wait = password_check_wait(request)
        if wait is not None:
            form.add_error(None, f"Too many attempts. Try again in {wait} seconds.")
        else:
            try:
                web_password_change(
                    user=request.user, keep_session_key=request.session.session_key, **form.cleaned_data
                )
            except ApiValidationError as error:
                form_errors_from(form, error)
            else:
                # The new password ends every other session; this one stays signed in.
                update_session_auth_hash(request, request.user)
                messages.success(request, "Your password is changed. Your other sessions are signed out.")
                return redirect("web:profile")
    return _profile_page(request, password_form=form, status=400)


@member_required
@require_POST
def sessions_end(request):
    """Sign out every other session (web and API); with `everywhere`, this one too."""
    everywhere = request.POST.get("everywhere") == "1"
    ended = sessions_end_others(user=request.user, keep_session_key=request.session.session_key)
    if everywhere:
        logout(request)
        messages.success(request, "You are signed out everywhere.")
        return redirect("web:login")
    messages.success(
        request, f"Signed out of {ended} other web session{'s' if ended != 1 else ''} and every app session."
    )
    return redirect("web:profile")
