"""The Jinja2 environment of the web app's templates (`web/jinja2/web/`, engine "web" in
`settings.TEMPLATES`; the admin and everything else stay on Django's engine).

Jinja2 renders the pages several times faster than Django's engine (the member home and meeting
pages are the hot paths, docs/performance.md). What the templates need of Django is here, with
Django's meaning: `url()` is `{% url %}`, `static()` is `{% static %}`, `htmx_script()` is
django-htmx's `{% htmx_script %}`; `csrf_input` (the hidden CSRF field), `request`, and, from the
context processor `page_context`, `user` and `messages` are in every page's context. The filters are Django's
own, so a date or a plural reads exactly as before: `date` and `time` first convert an aware
datetime to the current time zone, as Django's engine does for them.

Some of Django's helpers cost more than the rest of a page: `reverse()` and the date formats (a
page calls each a dozen times or more), and the static files' hashed names. Each is a pure
function of its arguments and of what else its key names (URL configuration and script prefix,
language), so their results are kept in bounded LRU caches under those keys.
"""

from __future__ import annotations

import datetime as dt
import functools

import jinja2
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters, engines
from django.template.backends.utils import csrf_input
from django.templatetags.static import static as static_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django_htmx import jinja as django_htmx
from markupsafe import Markup

CACHE_SIZE = 4096


@functools.lru_cache(maxsize=CACHE_SIZE)
def _reverse(prefix: str, urlconf: str, viewname: str, args: tuple, kwargs: tuple) -> str:
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def url(viewname: str, *args, **kwargs) -> str:
    """`{% url %}`: the path of a named URL, with positional or keyword arguments."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reverse(get_script_prefix(), urlconf, viewname, args, tuple(sorted(kwargs.items())))


@functools.lru_cache(maxsize=CACHE_SIZE)
def static(path: str) -> str:
    """`{% static %}`: the URL of a static file (its hashed name in production)."""
    return static_url(path)


@functools.cache
def htmx_script() -> str:
    """django-htmx's `{% htmx_script %}`: the script tag of the htmx it ships."""
    return django_htmx.htmx_script()


@functools.lru_cache(maxsize=CACHE_SIZE)
def _format(kind: str, value, arg, language: str) -> str:
    return defaultfilters.date(value, arg) if kind == "date" else defaultfilters.time(value, arg)


def _formatted(kind: str, value, arg) -> str:
    # Only dates and times: a datetime's text depends on its time zone too, which its hash ignores.
    if type(value) in (dt.date, dt.time):
        return _format(kind, value, arg, get_language())
    value = template_localtime(value)
    return defaultfilters.date(value, arg) if kind == "date" else defaultfilters.time(value, arg)


def date(value, arg=None) -> str:
    return _formatted("date", value, arg)


def time(value, arg=None) -> str:
    return _formatted("time", value, arg)


# What the cached results depend on besides their arguments; tests change these settings.
CACHED_ON = frozenset({"DEBUG", "ROOT_URLCONF", "FORCE_SCRIPT_NAME", "STATIC_URL", "STORAGES", "LANGUAGE_CODE"})


@receiver(setting_changed)
def _clear_caches(*, setting: str, **kwargs) -> None:
    if setting in CACHED_ON or setting.endswith("_FORMAT"):
        for cached in (_reverse, static, htmx_script, _format, _cached_fields_html):
            cached.cache_clear()


FILTERS = {
    "date": date,
    "time": time,
    "pluralize": defaultfilters.pluralize,
    "linebreaksbr": defaultfilters.linebreaksbr,
    "truncatewords": defaultfilters.truncatewords,
    "truncatechars": defaultfilters.truncatechars,
    # Django's (quote with "/" safe), not Jinja2's (which would also encode a dict as a query).
    "urlencode": defaultfilters.urlencode,
}


def _fields_html(form_class: type, language: str) -> Markup:
    form_field = engines["web"].env.get_template("web/_field.html").module.form_field
    return Markup("").join(form_field(field) for field in form_class())


_cached_fields_html = functools.lru_cache(maxsize=64)(_fields_html)


def empty_form_fields(form_class: type) -> Markup:
    """The fields of an empty `form_class` form as `form_field` draws them (web/jinja2/web/
    _field.html): the same HTML on every page that offers it, so drawn once per process and
    language (every time with DEBUG on, so that template edits show at once)."""
    if settings.DEBUG:
        return _fields_html(form_class, get_language())
    return _cached_fields_html(form_class, get_language())


def page_context(request) -> dict:
    """The context processor of the web pages: `user` and `messages` as Django's `auth` and
    `messages` processors give them, and one CSRF field per page, made when a form first asks for
    it (Django's `csrf_input` makes a new masked token for every form of a page; any is valid)."""
    return {
        "user": request.user if hasattr(request, "user") else AnonymousUser(),
        "messages": get_messages(request),
        "csrf_input": SimpleLazyObject(lambda: csrf_input(request)),
    }


def environment(**options) -> jinja2.Environment:
    """The environment Django's Jinja2 backend builds from the engine's OPTIONS."""
    # A missing value renders as nothing, as in Django's engine, in development too (Django's
    # backend would print `{{ name }}` for it with DEBUG on): the same page in both.
    options["undefined"] = jinja2.Undefined
    options["keep_trailing_newline"] = True  # as Django's engine: a page ends as its file does
    # Every value is escaped (the plain-text emails turn it off in an `autoescape false` block).
    options.pop("autoescape", None)
    env = jinja2.Environment(autoescape=True, **options)
    env.globals.update(url=url, static=static, htmx_script=htmx_script)
    env.filters.update(FILTERS)
    return env
