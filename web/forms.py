"""Forms of the web pages. They parse and label fields; the rules stay in the services (and, for
values, in the API's own serializers, which the pages reuse so both accept the same input)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms.renderers import Jinja2
from rest_framework.exceptions import ValidationError as ApiValidationError

from books.models import TITLE_MAX, ReadingStatus
from clubs.models import ClubRole
from events.items.models import ItemCategory
from events.models import EventType
from events.serializers import MAX_ATTENDEES_LIMIT, MAX_DURATION_MINUTES
from web.services import web_password_reset
from web.tasks import send_password_reset_email
from web.throttling import login_wait

# The widgets of the web app's forms are drawn by Django's own Jinja2 widget templates, like the
# pages around them (Django's engine took longer for two fields than Jinja2 for the whole page).
# One renderer for all of them: it holds the compiled templates. The admin keeps Django's.
RENDERER = Jinja2()


class Rendered:
    """Mixed into every web form (first, so it wins over Django's form classes)."""

    default_renderer = RENDERER


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [message for inner in value.values() for message in _messages(inner)]
    if isinstance(value, (list, tuple)):
        return [message for inner in value for message in _messages(inner)]
    return [str(value)]


def form_errors_from(form: forms.Form, error: Exception, *, rename: dict[str, str] | None = None) -> None:
    """Put the field errors of a service's ValidationError (DRF's or Django's) on `form`'s fields;
    errors of fields the form does not show become form-wide errors."""
    if isinstance(error, ApiValidationError):
        detail = error.detail
    elif isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    else:
        raise TypeError(error)
    if not isinstance(detail, dict):
        detail = {None: detail}
    rename = rename or {}
    for field, messages in detail.items():
        field = rename.get(field, field)
        for message in _messages(messages):
            form.add_error(field if field in form.fields else None, message)


class SignInForm(Rendered, AuthenticationForm):
    """Django's sign-in form behind the API's login throttles (per client IP and per account)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Wrong email or password.",
        "throttled": "Too many sign-in attempts. Try again in %(wait)s seconds.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})

    def clean(self):
        wait = login_wait(self.request, self.data.get("username"))
        if wait is not None:
            raise DjangoValidationError(self.error_messages["throttled"], code="throttled", params={"wait": wait})
        return super().clean()


class ResetRequestForm(Rendered, PasswordResetForm):
    """Django's reset request (the same users: active, with a usable password, by email), whose
    email is a worker job rather than a send inside the request (web/emails.py)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        send_password_reset_email.defer(
            user_id=str(context["user"].pk), domain=context["domain"], protocol=context["protocol"]
        )


class ResetPasswordSetForm(Rendered, SetPasswordForm):
    """The last step of the emailed reset: the password is stored by the accounts service, which
    also ends every session of the user (web and API)."""

    def save(self, commit=True):
        web_password_reset(user=self.user, new_password=self.cleaned_data["new_password1"])
        return self.user


class RegisterForm(Rendered, forms.Form):
    name = forms.CharField(max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        max_length=20, required=False, label="Phone", widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    password = forms.CharField(
        min_length=1,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password, not only digits.",
    )


class ProfileForm(Rendered, forms.Form):
    name = forms.CharField(max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(max_length=20, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    avatar = forms.URLField(
        max_length=500, required=False, label="Avatar URL", assume_scheme="https", help_text="A link to a picture."
    )


class PasswordChangeForm(Rendered, forms.Form):
    current_password = forms.CharField(
        strip=False, max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        strip=False, max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class DiscoverForm(Rendered, forms.Form):
    mark_optional = False  # a search form: every field is optional, saying so is noise

    q = forms.CharField(max_length=100, required=False, label="Search clubs")
    tag = forms.CharField(max_length=50, required=False, label="Tag")


class EventForm(Rendered, forms.Form):
    title = forms.CharField(max_length=255)
    event_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    event_time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=1, max_value=MAX_DURATION_MINUTES)
    location = forms.CharField(max_length=255, label="Place")
    book = forms.CharField(max_length=255, required=False)
    type = forms.ChoiceField(choices=EventType.choices)
    max_attendees = forms.IntegerField(
        label="Seats", min_value=1, max_value=MAX_ATTENDEES_LIMIT, required=False, help_text="Empty: no limit."
    )
    is_public = forms.BooleanField(required=False, label="Public (visible to non-members of a public club)")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["event_time"] = data["event_time"].replace(microsecond=0)
        data["title"] = data["title"].strip()
        data["book"] = data["book"] or None
        data["description"] = data["description"] or None
        return data


class ItemForm(Rendered, forms.Form):
    name = forms.CharField(max_length=255, label="New item")
    category = forms.ChoiceField(choices=ItemCategory.choices, initial=ItemCategory.MATERIAL)


class MemberAddForm(Rendered, forms.Form):
    email = forms.EmailField(max_length=255, label="Member's email")
    role = forms.ChoiceField(choices=ClubRole.choices, initial=ClubRole.MEMBER)


class MemberRoleForm(Rendered, forms.Form):
    role = forms.ChoiceField(choices=ClubRole.choices)


class BookForm(Rendered, forms.Form):
    """A book for the reading list; the ISBN is checked by the API's own field (books.isbn)."""

    title = forms.CharField(max_length=TITLE_MAX)
    author = forms.CharField(max_length=TITLE_MAX, required=False)
    isbn = forms.CharField(max_length=20, required=False, label="ISBN", help_text="ISBN-10 or ISBN-13.")


class ReadingForm(Rendered, forms.Form):
    """The member's reading entry of one book (prefixed by the book's id: one form per book)."""

    status = forms.ChoiceField(choices=ReadingStatus.choices, label="My reading")
    progress_percent = forms.IntegerField(min_value=0, max_value=100, required=False, label="Progress (%)")
    rating = forms.TypedChoiceField(
        choices=[("", "No rating"), *((n, "★" * n) for n in range(1, 6))],
        coerce=int,
        empty_value=None,
        required=False,
        label="Rating",
    )
