"""The second-factor gate before a reveal, an export or a role grant (issue 17).

An actor holding a role in settings.LINLI_MFA_REQUIRED_ROLES must have a second factor
(allauth.mfa: an authenticator app, or a security key) AND have passed it within
ACCOUNT_REAUTHENTICATION_TIMEOUT seconds in this session, at sign-in or at allauth's
"reauthenticate" step. A resident, who holds no such role, is never asked.

Why here, and not in the services: whether the factor was passed "recently" is a fact of
the HTTP session (allauth keeps its authentication records there), and services are
request-free, shared by pages, the REST API and the socket. So the adapters that call a
guarded service ask this gate first, with the request, and the service stays as it was;
the gate raises a DomainError (403 with a stable code) before anything is read or written.
The page adapters turn it into a redirect to the setup or the reauthenticate step with
?next= back; the REST API answers the code.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request

from accounts.models import RoleGrant, User
from core.errors import Forbidden

# The kinds that are a second factor; recovery codes only stand in for a lost one.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


# The OpenAPI answer of every guarded endpoint (drf-spectacular), beside its own.
SCHEMA_403 = OpenApiResponse(
    description="`forbidden`; for a role in LINLI_MFA_REQUIRED_ROLES, `mfa_required` (no "
    "second factor set up) or `mfa_reauthentication_required` (not passed in this session "
    "within ACCOUNT_REAUTHENTICATION_TIMEOUT); nothing is read or written"
)


class MfaRequired(Forbidden):
    code = "mfa_required"


class MfaReauthenticationRequired(Forbidden):
    code = "mfa_reauthentication_required"


def required_for(user: User) -> bool:
    """Whether this user's roles ask for a second factor (one query)."""
    roles = settings.LINLI_MFA_REQUIRED_ROLES
    if not user.is_authenticated or not roles:
        return False
    return RoleGrant.objects.filter(user=user, role__in=roles).exists()


def has_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES).exists()


def passed_recently(request: HttpRequest) -> bool:
    """A second factor passed in this session within the timeout (sign-in or reauthenticate)."""
    since = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    records = get_authentication_records(request, request.user)
    return any(r.get("method") == "mfa" and float(r.get("at", 0)) >= since for r in records)


def require(request: HttpRequest | Request) -> None:
    """Raise MfaRequired / MfaReauthenticationRequired unless the actor may go on."""
    http = request._request if isinstance(request, Request) else request
    user = request.user  # DRF's, for the API: whoever its authentication found
    if not isinstance(user, User) or not required_for(user):
        return
    if not has_factor(user):
        raise MfaRequired(
            _(
                "Your role can see residents' personal data, so it needs two-step "
                "verification. Turn it on first: it takes a minute with an "
                "authenticator app."
            )
        )
    if not passed_recently(http):
        raise MfaReauthenticationRequired(
            _("Enter the code from your authenticator app again before you continue.")
        )


def page_gate(request: HttpRequest, back: str) -> HttpResponseRedirect | None:
    """For pages: None when the actor may go on, else where to go first (and back to `back`).

    The explanation travels as a message on the setup or reauthenticate page."""
    from django.contrib import messages

    try:
        require(request)
    except (MfaRequired, MfaReauthenticationRequired) as exc:
        messages.warning(request, exc.render())
        target = "mfa_activate_totp" if isinstance(exc, MfaRequired) else "mfa_reauthenticate"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({REDIRECT_FIELD_NAME: back})}")
    return None
