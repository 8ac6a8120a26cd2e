"""Intake forms and measures: the list, one form's latest version, and publishing a new version from its
JSON definition (edited in a textarea; the definition's errors are shown next to it)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from backend.web.access import page
from core.errors import DomainError
from intake import selectors
from intake.apis.forms import FormViewSet
from intake.services.forms import form_edit, form_publish


class DefinitionForm(forms.Form):
    content = forms.CharField(
        label="Definition (JSON)",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text="The questions and their rules: see docs/intake.md. Publishing freezes this version; "
        "packets already sent keep the version they were sent with.",
    )

    def clean_content(self):
        try:
            value = json.loads(self.cleaned_data["content"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"This is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError("The definition must be a JSON object ({ ... }).")
        return value


@page(roles=FormViewSet.read_roles)
def form_list(request):
    rows = selectors.form_list(actor=request.membership).prefetch_related("versions").order_by("name", "pk")
    return render(request, "intake/form_list.html", {"rows": rows, "can_edit": _can_edit(request)})


def _can_edit(request) -> bool:
    return request.membership.has_role(*FormViewSet.write_roles)


def _latest(form):
    versions = sorted(form.versions.all(), key=lambda v: v.number)
    return versions[-1] if versions else None


@page(roles=FormViewSet.read_roles)
@require_http_methods(["GET", "POST"])
def form_detail(request, pk: int):
    form_definition = get_object_or_404(
        selectors.form_list(actor=request.membership).prefetch_related("versions"), pk=pk
    )
    latest = _latest(form_definition)
    initial = {"content": json.dumps(latest.content, indent=2, ensure_ascii=False)} if latest else {}
    form = DefinitionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not _can_edit(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Your role may read forms but not publish them.")
        if form.is_valid():
            try:
                with transaction.atomic():  # the new draft and its publication, or neither
                    form_edit(actor=request.membership, form=form_definition, content=form.cleaned_data["content"])
                    version = form_publish(actor=request.membership, form=form_definition)
            except DomainError as exc:
                form.add_error(None, exc.message)
                for path, reasons in (exc.fields or {}).items():
                    for reason in reasons:
                        form.add_error("content", f"{path}: {reason}" if path not in ("content", "") else reason)
            else:
                messages.success(request, f"Version {version.number} of {form_definition.name} is published.")
                return redirect("intake_pages:form", pk=form_definition.pk)
    context = {"form_definition": form_definition, "latest": latest, "form": form, "can_edit": _can_edit(request)}
    return render(request, "intake/form_detail.html", context)
