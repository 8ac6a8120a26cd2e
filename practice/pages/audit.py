"""The audit log, filtered by person, object, action and date, through the API's selector and filter set."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from typing import cast

from django import forms
from django.http import QueryDict
from django.shortcuts import render

from backend.web.access import page
from practice import selectors
from practice.apis import AuditEventViewSet
from practice.filters import AuditEventFilter
from practice.models import AuditEvent
from practice.pages._common import paginate


class AuditFilterForm(forms.Form):
    person = forms.TypedChoiceField(label="Person", required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any")] + AuditEvent.Action.choices)
    object_type = forms.CharField(
        label="Object type", required=False, max_length=60, help_text="For example practice.client"
    )
    object_id = forms.CharField(label="Object id", required=False, max_length=64)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["person"]).choices = [("", "Anyone")] + people
        for name in ("date_from", "date_to"):
            self.fields[name].help_text = f"In the practice's time zone ({zone})."


def _filter_params(data: dict, zone: str) -> QueryDict:
    """The page's fields as the API's AuditEventFilter parameters (dates become instants in the practice zone)."""
    tz = zoneinfo.ZoneInfo(zone)
    params = QueryDict(mutable=True)
    if data.get("person"):
        params["actor"] = data["person"]
    for name in ("action", "object_type", "object_id"):
        if data.get(name):
            params[name] = data[name]
    if data.get("date_from"):
        params["since"] = datetime.combine(data["date_from"], time.min, tz).isoformat()
    if data.get("date_to"):
        params["until"] = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz).isoformat()
    return params


@page(roles=AuditEventViewSet.read_roles)
def audit_log(request):
    zone = request.membership.practice.time_zone
    staff = selectors.staff_list(actor=request.membership).order_by("user__full_name", "pk")
    people = [(m.user_id, f"{m.user} ({m.user.email})") for m in staff]
    form = AuditFilterForm(request.GET or None, people=people, zone=zone)
    events = selectors.audit_event_list(actor=request.membership).order_by("-at", "-id")
    if form.is_bound and form.is_valid():
        events = AuditEventFilter(_filter_params(form.cleaned_data, zone), queryset=events).qs
    elif form.is_bound:
        events = events.none()
    context = {"form": form, "page_obj": paginate(request, events), "zone": zone}
    return render(request, "practice/audit_log.html", context)
