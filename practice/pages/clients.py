"""Clients for the front desk: the searchable list, a record's page, create and edit, the care team.

Scope and role gates are the API's (practice.apis.ClientViewSet, CareTeamViewSet): every staff role reads
through `client_list` (a clinician: their caseload only), the front desk creates and edits, the front desk
and admins keep the care team. A record outside the caller's scope is the same 404 as a missing one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from backend.web.access import page
from backend.web.forms import SERVICE_ERRORS, apply_errors
from backend.web.panels import client_panels
from core.errors import DomainError
from practice import roles, selectors
from practice.apis import CareTeamViewSet, ClientViewSet
from practice.filters import ClientFilter
from practice.models import CareTeamMember, Client
from practice.pages._common import paginate
from practice.services.clients import care_team_add, care_team_remove, client_create, client_update

if TYPE_CHECKING:
    from practice.models import Clinician

CLIENT_READERS = frozenset(ClientViewSet.read_roles) & frozenset(roles.STAFF_ROLES)  # clients use the portal
CLIENT_CREATORS = frozenset(ClientViewSet.action_roles["create"])
CLIENT_EDITORS = frozenset(ClientViewSet.write_roles) & frozenset(roles.STAFF_ROLES)
CARE_TEAM_READERS = frozenset(CareTeamViewSet.read_roles)
CARE_TEAM_WRITERS = frozenset(CareTeamViewSet.write_roles)

CLIENT_FIELDS = [
    "first_name",
    "last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "email",
    "phone",
    "preferred_channel",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "time_zone",
    "language",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "email_consent",
    "sms_consent",
]
FIELDSETS = [
    ("Name", ["first_name", "last_name", "preferred_name", "pronouns", "date_of_birth"]),
    ("Contact", ["email", "phone", "preferred_channel", "time_zone", "language"]),
    ("Address", ["address_line1", "address_line2", "city", "region", "postal_code", "country"]),
    ("Emergency contact", ["emergency_contact_name", "emergency_contact_phone", "emergency_contact_relationship"]),
    ("Consents", ["email_consent", "sms_consent"]),
]


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = CLIENT_FIELDS
        labels = {
            "address_line1": "Address line 1",
            "address_line2": "Address line 2",
            "region": "State or region",
            "country": "Country (two letters)",
            "time_zone": "Time zone",
            "emergency_contact_name": "Name",
            "emergency_contact_phone": "Phone",
            "emergency_contact_relationship": "Relationship",
            "email_consent": "Agrees to email (reminders and forms)",
            "sms_consent": "Agrees to text messages (SMS)",
        }
        help_texts = {"time_zone": "An IANA zone, for example America/Chicago: reminders use it."}
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in FIELDSETS]


class CareTeamForm(forms.Form):
    clinician: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(queryset=None)
    role = forms.ChoiceField(choices=CareTeamMember.Role.choices, initial=CareTeamMember.Role.PRIMARY)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = (
            selectors.clinician_list(actor=actor).filter(is_active=True).order_by("membership__user__full_name", "pk")
        )


def _client(request, pk: int) -> Client:
    return get_object_or_404(selectors.client_list(actor=request.membership), pk=pk)


@page(roles=CLIENT_READERS)
def client_list(request):
    actor = request.membership
    query = request.GET.get("q", "").strip()
    found = selectors.client_list(actor=actor)
    if query:
        found = ClientFilter({"q": query}, queryset=found).qs
    page_obj = paginate(request, found.order_by("last_name", "first_name", "pk"))
    page_obj.object_list = selectors.client_list_read(actor=actor, clients=list(page_obj.object_list))  # audited
    context = {"page_obj": page_obj, "query": query, "can_create": actor.has_role(*CLIENT_CREATORS)}
    return render(request, "practice/clients/list.html", context)


@page(roles=CLIENT_CREATORS)
@require_http_methods(["GET", "POST"])
def client_new(request):
    form = ClientForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(actor=request.membership, **form.cleaned_data)
        except SERVICE_ERRORS as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{client} added.")
            return redirect("practice_pages:client", pk=client.pk)
    return render(request, "practice/clients/edit.html", {"form": form}, status=400 if form.errors else 200)


@page(roles=CLIENT_READERS)
def client_detail(request, pk: int):
    actor = request.membership
    client = selectors.client_read(actor=actor, pk=pk)  # 404 outside the caller's scope; the read audited
    care_team = selectors.care_team_list(actor=actor).filter(client=client).order_by("role", "pk")
    context = {
        "client": client,
        "care_team": list(care_team) if actor.has_role(*CARE_TEAM_READERS) else [],
        "can_edit": actor.has_role(*CLIENT_EDITORS) and actor.has_role(roles.FRONT_DESK),
        "can_keep_team": actor.has_role(*CARE_TEAM_WRITERS),
    }
    context["panels"] = client_panels(actor=actor, client=client)  # other apps' sections (intake's packets)
    if context["can_keep_team"]:
        context["team_form"] = CareTeamForm(actor=actor)
    return render(request, "practice/clients/detail.html", context)


@page(roles=CLIENT_EDITORS & {roles.FRONT_DESK})
@require_http_methods(["GET", "POST"])
def client_edit(request, pk: int):
    client = _client(request, pk)
    form = ClientForm(
        request.POST if request.method == "POST" else None, instance=client
    )  # the service re-reads the row locked
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            client_update(actor=request.membership, client=client, **changes)
        except SERVICE_ERRORS as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Saved." if changes else "Nothing changed.")
            return redirect("practice_pages:client", pk=client.pk)
    context = {"form": form, "client": client}
    return render(request, "practice/clients/edit.html", context, status=400 if form.errors else 200)


@require_POST
@page(roles=CARE_TEAM_WRITERS)
def care_team_add_page(request, pk: int):
    actor = request.membership
    client = _client(request, pk)
    form = CareTeamForm(request.POST, actor=actor)
    if not form.is_valid():
        messages.error(request, "Choose a clinician and a role.")
        return redirect("practice_pages:client", pk=client.pk)
    try:
        care_team_add(actor=actor, client=client, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{form.cleaned_data['clinician']} added to the care team.")
    return redirect("practice_pages:client", pk=client.pk)


@require_POST
@page(roles=CARE_TEAM_WRITERS)
def care_team_remove_page(request, pk: int):
    member = get_object_or_404(selectors.care_team_list(actor=request.membership), pk=pk)
    care_team_remove(actor=request.membership, member=member)
    messages.success(request, f"{member.clinician} removed from the care team.")
    return redirect("practice_pages:client", pk=member.client_id)
