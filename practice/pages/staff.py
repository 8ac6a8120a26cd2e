"""Staff: the list, roles and active state, the second factor's reset; invitations; supervision pairs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from backend.web.access import page
from backend.web.forms import SERVICE_ERRORS, apply_errors
from core.errors import DomainError
from practice import roles, selectors
from practice.apis import InvitationViewSet, StaffViewSet, SupervisionViewSet
from practice.auth import MfaResetView
from practice.pages._common import paginate
from practice.services.members import (
    invitation_create,
    invitation_revoke,
    membership_set_roles,
    supervision_create,
    supervision_end,
)
from practice.services.mfa import mfa_reset

if TYPE_CHECKING:
    from practice.models import Clinician

STAFF_ROLES = [(r, label) for r, label in roles.ROLE_CHOICES if r != roles.CLIENT]
STAFF_ADMIN = StaffViewSet.write_roles
INVITERS = InvitationViewSet.write_roles
SUPERVISION_ADMIN = SupervisionViewSet.write_roles


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=STAFF_ROLES,
        widget=forms.CheckboxSelectMultiple,
        help_text="A supervisor must also be a clinician.",
    )


class InviteForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=200, required=False)
    email = forms.EmailField(max_length=254)
    roles = forms.MultipleChoiceField(choices=STAFF_ROLES, widget=forms.CheckboxSelectMultiple)


class SupervisionForm(forms.Form):
    supervisor: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(
        queryset=None, help_text="Holds the supervisor role."
    )
    supervisee: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(queryset=None)
    requires_cosign = forms.BooleanField(label="Notes need the supervisor's co-signature", required=False, initial=True)

    def __init__(self, *args, clinicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = clinicians
        self.fields["supervisee"].queryset = clinicians


@page(roles=STAFF_ADMIN)
def staff_list(request):
    staff = selectors.staff_list(actor=request.membership).order_by("-is_active", "user__full_name", "pk")
    return render(request, "practice/staff_list.html", {"page_obj": paginate(request, staff)})


@page(roles=STAFF_ADMIN)
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk: int):
    member = get_object_or_404(selectors.staff_list(actor=request.membership), pk=pk)
    form = RolesForm(request.POST if request.method == "POST" else None, initial={"roles": member.roles})
    if request.method == "POST" and form.is_valid():
        try:
            membership_set_roles(actor=request.membership, membership=member, roles_=form.cleaned_data["roles"])
        except SERVICE_ERRORS as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Roles of {member.user} saved.")
            return redirect("practice_pages:staff-list")
    return render(request, "practice/staff_edit.html", {"member": member, "form": form})


@require_POST
@page(roles=STAFF_ADMIN)
def staff_set_active(request, pk: int):
    member = get_object_or_404(selectors.staff_list(actor=request.membership), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        membership_set_roles(actor=request.membership, membership=member, roles_=member.roles, is_active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{member.user} {'reactivated' if active else 'deactivated'}.")
    return redirect("practice_pages:staff-list")


@require_POST
@page(roles=MfaResetView.write_roles)
def staff_mfa_reset(request, pk: int):
    member = get_object_or_404(selectors.staff_list(actor=request.membership), pk=pk)
    mfa_reset(actor=request.membership, membership=member)
    messages.success(request, f"The second factor of {member.user} was removed; they set up a new one at sign-in.")
    return redirect("practice_pages:staff-edit", pk=member.pk)


@page(roles=INVITERS)
@require_http_methods(["GET", "POST"])
def invitations(request):
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                actor=request.membership,
                email=form.cleaned_data["email"],
                roles_=form.cleaned_data["roles"],
                full_name=form.cleaned_data["full_name"],
            )
        except SERVICE_ERRORS as exc:
            apply_errors(form, exc, field_map={"roles_": "roles"})
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("practice_pages:invitations")
    pending = selectors.invitation_filter_status(selectors.invitation_list(actor=request.membership), "pending")
    pending = pending.order_by("-created_at")
    return render(request, "practice/invitations.html", {"form": form, "page_obj": paginate(request, pending)})


@require_POST
@page(roles=INVITERS)
def invitation_revoke_page(request, pk):
    invitation = get_object_or_404(selectors.invitation_list(actor=request.membership), pk=pk)
    try:
        invitation_revoke(actor=request.membership, invitation=invitation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked; its link no longer works.")
    return redirect("practice_pages:invitations")


@page(roles=SUPERVISION_ADMIN)
@require_http_methods(["GET", "POST"])
def supervision(request):
    clinicians = selectors.clinician_list(actor=request.membership).order_by("membership__user__full_name")
    form = SupervisionForm(request.POST if request.method == "POST" else None, clinicians=clinicians)
    if request.method == "POST" and form.is_valid():
        try:
            supervision_create(actor=request.membership, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Supervision added.")
            return redirect("practice_pages:supervision")
    pairs = selectors.supervision_list(actor=request.membership).order_by("ended_on", "-started_on", "pk")
    return render(request, "practice/supervision.html", {"form": form, "pairs": pairs})


@require_POST
@page(roles=SUPERVISION_ADMIN)
def supervision_end_page(request, pk: int):
    pair = get_object_or_404(selectors.supervision_list(actor=request.membership), pk=pk)
    supervision_end(actor=request.membership, supervision=pair)
    messages.success(request, "Supervision ended.")
    return redirect("practice_pages:supervision")
