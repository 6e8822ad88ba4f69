"""Forms anyone may post without signing in (the public complaint form, the consultation form):
the anti-abuse mechanism they share.

- a signed, timed form token issued with the page: a post made too fast (a robot) or from a
  page too old is refused;
- a field people never see (``website``): only robots fill it;
- a keyed hash of the sender's address (:func:`source_key`), so a service can count what one
  address sent in the last hour without storing the address.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core import signing

from changhu.core import clock, crypto

FORM_SALT = "feedback.public-form"  # kept: tokens issued before the move stay valid
TOKEN_MAX_AGE = 2 * 3600
HONEYPOT = "website"


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def source_key(request, *, purpose: str) -> str:
    """A keyed hash of the sender's address for ``purpose``: counts what they sent."""
    return crypto.blind_index(client_ip(request), purpose=purpose)


def issue_token() -> str:
    """The signed time the page was drawn, for its form's hidden ``token`` field."""
    return signing.dumps(clock.now().timestamp(), salt=FORM_SALT)


def token_problem(token: str) -> str:
    """Why a posted form token is refused (a message for the person), or "" when it is fine."""
    try:
        issued = float(signing.loads(token, salt=FORM_SALT, max_age=TOKEN_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError):
        return "页面已过期，请重新填写后提交"
    if clock.now().timestamp() - issued < settings.PUBLIC_FORM_MIN_SECONDS:
        return "提交过快，请核对内容后再提交"
    return ""


def honeypot_field() -> forms.CharField:
    """The field only robots fill (hidden from people and from screen readers)."""
    return forms.CharField(
        label="请勿填写", required=False, max_length=100, widget=forms.HiddenInput
    )


def guard_problem(request, form) -> str:
    """Why a valid public form's post is refused before it reaches the service: its token, or
    the hidden field filled; "" when it may go on."""
    problem = token_problem(request.POST.get("token", ""))
    if problem:
        return problem
    if form.cleaned_data.get(HONEYPOT):
        return "提交未成功，请刷新页面后重试"
    return ""
