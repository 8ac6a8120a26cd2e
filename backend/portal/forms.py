from __future__ import annotations

import zoneinfo

from django import forms

from practice.models import CommunicationChannel


class EmailForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)


class TokenForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=2000)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Anything the practice should know?", required=False, max_length=300)


class RequestForm(forms.Form):
    slot = forms.CharField(label="Time", max_length=120)  # "<clinician id>|<ISO start>"

    def clean_slot(self):
        from datetime import datetime

        value = self.cleaned_data["slot"]
        try:
            clinician, starts = value.split("|", 1)
            return int(clinician), datetime.fromisoformat(starts)
        except ValueError:
            raise forms.ValidationError("Choose one of the times shown.") from None


def _zones():
    return [(z, z.replace("_", " ")) for z in sorted(zoneinfo.available_timezones()) if "/" in z]


class DetailsForm(forms.Form):
    preferred_name = forms.CharField(label="Preferred name", required=False, max_length=100)
    pronouns = forms.CharField(label="Pronouns", required=False, max_length=40)
    email = forms.EmailField(label="Email", required=False)
    phone = forms.CharField(
        label="Mobile phone", required=False, max_length=32, help_text="With the country code: +14155550123."
    )
    address_line1 = forms.CharField(label="Address", required=False, max_length=200)
    address_line2 = forms.CharField(label="Address, second line", required=False, max_length=200)
    city = forms.CharField(label="City", required=False, max_length=100)
    region = forms.CharField(label="State or region", required=False, max_length=100)
    postal_code = forms.CharField(label="Postal code", required=False, max_length=20)
    time_zone = forms.ChoiceField(label="My time zone", help_text="Times in the portal and in messages use it.")
    preferred_channel = forms.ChoiceField(label="How the practice reaches me", choices=CommunicationChannel.choices)
    email_consent = forms.BooleanField(label="I agree to appointment messages by email", required=False)
    sms_consent = forms.BooleanField(label="I agree to appointment messages by text (SMS)", required=False)
    wants_session_checkins = forms.BooleanField(label="Send me a short check-in after each session", required=False)

    FIELDS = (
        "preferred_name",
        "pronouns",
        "email",
        "phone",
        "address_line1",
        "address_line2",
        "city",
        "region",
        "postal_code",
        "time_zone",
        "preferred_channel",
        "email_consent",
        "sms_consent",
        "wants_session_checkins",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zones()

    def changes(self, client) -> dict:
        return {f: v for f, v in self.cleaned_data.items() if getattr(client, f) != v}
