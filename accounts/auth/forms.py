"""allauth's forms with the names this site's pages and scripts already post."""

from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from django.http import QueryDict


class LoginForm(allauth_forms.LoginForm):
    """One field takes a mobile number or a user name (staff and demo accounts). It is
    allauth's `login`; a POST that names it `username`, as the sign-in form did before
    allauth and as scripts still do (chaos/backup.py), is read the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data")
        if isinstance(data, QueryDict) and "username" in data and "login" not in data:
            data = data.copy()
            data["login"] = str(data["username"])
            kwargs["data"] = data
        super().__init__(*args, **kwargs)
