"""Locations, rooms and appointment types, the admin's settings of the schedule (under /manage/, beside the
practice's own settings pages): one list-and-form page per kind, with an edit page per row, through the
scheduling app's selectors and save services (the API's LocationViewSet & co.)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from backend.web.access import page
from backend.web.forms import SERVICE_ERRORS, apply_errors
from scheduling import selectors
from scheduling.apis.resources import AppointmentTypeViewSet, LocationViewSet, RoomViewSet
from scheduling.models import AppointmentType, Location, Room
from scheduling.services import resources


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["name", "address", "time_zone", "is_active"]


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["location", "name", "is_active"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = selectors.location_list(actor=actor)  # scope at the door


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = [
            "name",
            "duration_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "allows_in_person",
            "allows_telehealth",
            "client_bookable",
            "is_intake",
            "min_notice_hours",
            "max_advance_days",
            "is_active",
        ]


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    singular: str
    form: type[forms.ModelForm[Any]]
    selector: Callable[..., QuerySet[Any]]
    save: Callable[..., Any]
    instance_kwarg: str
    write_roles: AbstractSet[str]  # the API view's (LocationViewSet & co.): they gate the page
    columns: tuple[str, ...]


KINDS = {
    "locations": Kind(
        "locations",
        "Locations",
        "location",
        LocationForm,
        selectors.location_list,
        resources.location_save,
        "location",
        LocationViewSet.write_roles,
        ("name", "address", "time_zone"),
    ),
    "rooms": Kind(
        "rooms",
        "Rooms",
        "room",
        RoomForm,
        selectors.room_list,
        resources.room_save,
        "room",
        RoomViewSet.write_roles,
        ("name", "location"),
    ),
    "appointment-types": Kind(
        "appointment-types",
        "Appointment types",
        "appointment type",
        AppointmentTypeForm,
        selectors.appointment_type_list,
        resources.appointment_type_save,
        "appointment_type",
        AppointmentTypeViewSet.write_roles,
        ("name", "duration_minutes", "client_bookable"),
    ),
}


def _form(kind: Kind, request, instance=None):
    data = request.POST if request.method == "POST" else None
    extra = {"actor": request.membership} if kind.form is RoomForm else {}
    # The form only reads and checks the input: the save service writes (instance for initial values only).
    return kind.form(data, instance=instance, **extra)


def _save(kind: Kind, request, form, instance=None):
    fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
    if instance is not None:
        fields[kind.instance_kwarg] = instance
    return kind.save(actor=request.membership, **fields)


def _rows(kind: Kind, request):
    queryset = kind.selector(actor=request.membership).order_by("-is_active", "name", "pk")
    return queryset.select_related("location") if kind is KINDS["rooms"] else queryset


def _list_page(kind: Kind):
    @page(roles=kind.write_roles)
    @require_http_methods(["GET", "POST"])
    def view(request):
        form = _form(kind, request)
        if request.method == "POST" and form.is_valid():
            try:
                obj = _save(kind, request, form)
            except SERVICE_ERRORS as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Added the {kind.singular} {obj.name}.")
                return redirect(f"scheduling_pages:{kind.slug}")
        return render(request, "scheduling/setup_list.html", {"kind": kind, "form": form, "rows": _rows(kind, request)})

    view.__name__ = f"{kind.slug.replace('-', '_')}_list"
    return view


def _edit_page(kind: Kind):
    @page(roles=kind.write_roles)
    @require_http_methods(["GET", "POST"])
    def view(request, pk: int):
        obj = get_object_or_404(kind.selector(actor=request.membership), pk=pk)
        form = _form(kind, request, instance=obj)
        if request.method == "POST" and form.is_valid():
            try:
                # A fresh copy: the form has already written its cleaned values onto `obj`.
                _save(kind, request, form, instance=get_object_or_404(kind.selector(actor=request.membership), pk=pk))
            except SERVICE_ERRORS as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Saved the {kind.singular}.")
                return redirect(f"scheduling_pages:{kind.slug}")
        return render(request, "scheduling/setup_edit.html", {"kind": kind, "form": form, "obj": obj})

    view.__name__ = f"{kind.slug.replace('-', '_')}_edit"
    return view


LIST_PAGES = {slug: _list_page(kind) for slug, kind in KINDS.items()}
EDIT_PAGES = {slug: _edit_page(kind) for slug, kind in KINDS.items()}
