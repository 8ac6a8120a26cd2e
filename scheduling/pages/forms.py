"""The schedule's forms. Every choice comes from the caller's selectors, so an id outside their scope is
"not one of the choices", exactly like an id that does not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django import forms

from practice.models import Membership
from practice.selectors import client_list
from scheduling import selectors
from scheduling.models import Mode

if TYPE_CHECKING:
    from practice.models import Client, Clinician
    from scheduling.models import AppointmentType, Location, Room

MODE_CHOICES = Mode.choices


def _label(clinician) -> str:
    return str(clinician)


class ScopedForm(forms.Form):
    """A form whose model choices are the acting membership's scope."""

    def __init__(self, *args, actor: Membership, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        for name, queryset in self.scoped_querysets().items():
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
                field.queryset = queryset

    def scoped_querysets(self) -> dict:
        actor = self.actor
        return {
            "clinician": selectors.bookable_clinicians(actor=actor).select_related("membership__user"),
            "client": client_list(actor=actor).filter(is_active=True),
            "appointment_type": selectors.appointment_type_list(actor=actor).filter(is_active=True),
            "room": selectors.room_list(actor=actor).select_related("location").filter(is_active=True),
            "location": selectors.location_list(actor=actor),
        }


class CalendarFilterForm(ScopedForm):
    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(choices=[("clinician", "Clinician"), ("room", "Room")], required=False, label="Columns")
    clinician: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All clinicians"
    )
    location: forms.ModelChoiceField[Location] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All locations"
    )
    room: forms.ModelChoiceField[Room] = forms.ModelChoiceField(queryset=None, required=False, empty_label="All rooms")
    free_for: forms.ModelChoiceField[AppointmentType] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Don't show", label="Show free times for"
    )
    tz = forms.CharField(required=False, label="Time zone", max_length=64)

    def scoped_querysets(self) -> dict:
        querysets = super().scoped_querysets()
        querysets["free_for"] = querysets["appointment_type"]
        return querysets


class BookForm(ScopedForm):
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": "Find the client and choose them.",
            "invalid_choice": "Find the client and choose them.",
        },
    )
    clinician: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(queryset=None)
    appointment_type: forms.ModelChoiceField[AppointmentType] = forms.ModelChoiceField(queryset=None, label="Type")
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    mode = forms.ChoiceField(choices=MODE_CHOICES, widget=forms.RadioSelect, initial=Mode.IN_PERSON)
    room: forms.ModelChoiceField[Room] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No room", help_text="In person only."
    )
    video_link = forms.URLField(required=False, max_length=500, help_text="Telehealth only.", assume_scheme="https")
    outside_availability = forms.BooleanField(
        required=False, label="Book even outside the clinician's working hours or during time off"
    )

    def scoped_querysets(self) -> dict:
        querysets = super().scoped_querysets()
        # The practice's reminder policy with the chosen clinician: the booking's outbox rows need it (one query).
        querysets["clinician"] = querysets["clinician"].select_related("practice__reminder_policy")
        return querysets


class SlotSearchForm(ScopedForm):
    appointment_type: forms.ModelChoiceField[AppointmentType] = forms.ModelChoiceField(queryset=None, label="Type")
    clinician: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any clinician"
    )
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial=Mode.IN_PERSON)
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    tz = forms.CharField(label="Show times in (the client's time zone)", max_length=64, required=False)
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Must not be before the first date.")
        elif start and end and end - start > timedelta(days=31):
            self.add_error("date_to", "Search at most 31 days at a time.")
        return data


class SeriesForm(ScopedForm):
    client = BookForm.base_fields["client"]
    clinician: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(queryset=None)
    appointment_type: forms.ModelChoiceField[AppointmentType] = forms.ModelChoiceField(queryset=None, label="Type")
    start_date = forms.DateField(label="First session", widget=forms.DateInput(attrs={"type": "date"}))
    local_time = forms.TimeField(label="Start time", widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    every = forms.ChoiceField(choices=[("1", "Every week"), ("2", "Every other week")], label="Repeats")
    ends = forms.ChoiceField(
        choices=[("count", "After a number of sessions"), ("until", "On a date")],
        widget=forms.RadioSelect,
        initial="count",
        label="Ends",
    )
    count = forms.IntegerField(min_value=1, max_value=104, required=False, initial=10, label="Number of sessions")
    until_date = forms.DateField(required=False, label="Last date", widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(choices=MODE_CHOICES, widget=forms.RadioSelect, initial=Mode.IN_PERSON)
    room: forms.ModelChoiceField[Room] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No room", help_text="In person only."
    )
    video_link = forms.URLField(required=False, max_length=500, help_text="Telehealth only.", assume_scheme="https")

    def clean(self):
        data = super().clean()
        if data.get("ends") == "until" and not data.get("until_date"):
            self.add_error("until_date", "Give the last date, or end after a number of sessions.")
        if data.get("ends") == "count" and not data.get("count"):
            self.add_error("count", "Give the number of sessions, or a last date.")
        return data

    def service_kwargs(self, tz_name: str) -> dict:
        d = self.cleaned_data
        return {
            "clinician": d["clinician"],
            "clients": [d["client"]],
            "appointment_type": d["appointment_type"],
            "mode": d["mode"],
            "room": d.get("room") if d["mode"] == Mode.IN_PERSON else None,
            "video_link": d.get("video_link") or "" if d["mode"] == Mode.TELEHEALTH else "",
            "time_zone": tz_name,
            "start_date": d["start_date"],
            "local_time": d["local_time"],
            "rrule": "FREQ=WEEKLY" if d["every"] == "1" else "FREQ=WEEKLY;INTERVAL=2",
            "count": d.get("count") if d["ends"] == "count" else None,
            "until_date": d.get("until_date") if d["ends"] == "until" else None,
        }


class RescheduleForm(ScopedForm):
    day = forms.DateField(label="New date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="New start time", widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    reason = forms.CharField(label="Reason for the move", required=False, max_length=300)
    outside_availability = BookForm.base_fields["outside_availability"]


class PlaceForm(ScopedForm):
    mode = forms.ChoiceField(choices=MODE_CHOICES, widget=forms.RadioSelect)
    room: forms.ModelChoiceField[Room] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No room", help_text="In person only."
    )
    video_link = forms.URLField(required=False, max_length=500, help_text="Telehealth only.", assume_scheme="https")


class CancelForm(forms.Form):
    by = forms.ChoiceField(
        choices=[("practice", "The practice cancels"), ("client", "The client cancelled (by phone or in person)")],
        widget=forms.RadioSelect,
        initial="practice",
        label="Who cancels",
    )
    reason = forms.CharField(
        label="Reason for cancelling", max_length=300, help_text="Kept in the appointment's history."
    )
