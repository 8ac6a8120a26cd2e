"""Forms of the shell, and the one helper that puts a service's error next to the right field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError as DrfValidationError

from backend.api.errors import _flatten
from core.errors import DomainError

# What a service raises for input it refuses: show it on the form (apply_errors), never as an error page.
SERVICE_ERRORS = (DomainError, DjangoValidationError, DrfValidationError)

_NON_FIELD = {"non_field_errors", "__all__", ""}


def apply_errors(form: forms.BaseForm, exc: Exception, *, field_map: dict[str, str] | None = None) -> None:
    """Show a service's refusal on `form`: each named field's reasons next to that field, the rest (and a
    DomainError's message) at the top. Accepts DomainError, Django's and DRF's ValidationError."""
    field_map = field_map or {}
    fields: dict[str, list[str]] = {}
    top: list[str] = []
    if isinstance(exc, DomainError):
        fields = {k: list(v) for k, v in (exc.fields or {}).items()}
        top.append(exc.message)
    elif isinstance(exc, DjangoValidationError):
        fields = _flatten(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    elif isinstance(exc, DrfValidationError):
        fields = _flatten(exc.detail)
    else:
        raise TypeError(f"apply_errors cannot show {type(exc).__name__}") from exc
    if not form.is_bound:
        form.is_bound = True
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    # _errors is Django's cache of a form's errors (None until full_clean); django-stubs does not declare it.
    if form._errors is None:  # type: ignore[attr-defined]  # undeclared in django-stubs (see above)
        form._errors = forms.utils.ErrorDict()  # type: ignore[attr-defined]  # undeclared in django-stubs
    for name, reasons in fields.items():
        target = field_map.get(name, name.split(".")[0])
        if target in form.fields and target not in _NON_FIELD:
            for reason in reasons:
                form.add_error(target, reason)
        else:
            top.extend(reasons)
    for message in dict.fromkeys(top):  # once each, in order
        form.add_error(None, message)


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
    )
    recovery_code = forms.CharField(
        label="Or a recovery code",
        required=False,
        max_length=32,
        help_text="One of the codes you saved when you set up the second factor. Each works once.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("recovery_code"):
            raise DjangoValidationError("Enter the code from your authenticator app, or a recovery code.")
        return data


class ConfirmCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
    )
