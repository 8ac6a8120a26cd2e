"""Starting a real practice from the browser: the first-run page, open while the server has no practice or
with an operator's one-time link (manage.py practice_first_run_link). The work is practice_create's, the
same as manage.py practice_create."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from backend.web.forms import SERVICE_ERRORS, apply_errors
from backend.web.throttle import throttle_anon_auth
from practice.services.practices import first_run_allowed, practice_create

COMMON_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Berlin",
    "Australia/Sydney",
]


def time_zone_choices() -> list[tuple[str, str]]:
    rest = sorted(zoneinfo.available_timezones() - set(COMMON_ZONES) - {"localtime"})
    return [(z, z) for z in COMMON_ZONES] + [(z, z) for z in rest]


class FirstRunForm(forms.Form):
    name = forms.CharField(label="Practice name", max_length=200)
    slug = forms.SlugField(
        label="Short name",
        max_length=60,
        required=False,
        help_text="Letters, digits and hyphens, used by apps (the X-Practice header). Left empty: made from the name.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone", initial="America/New_York", help_text="Where the practice sees its calendar."
    )
    admin_name = forms.CharField(label="Administrator's name", max_length=200)
    admin_email = forms.EmailField(
        label="Administrator's email", help_text="The invitation to set a password goes here."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


@require_http_methods(["GET", "POST"])
def first_run(request):
    token = request.GET.get("token", "")
    if not first_run_allowed(token=token):
        raise Http404
    form = FirstRunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        throttle_anon_auth(request)
        if form.is_valid():
            try:
                practice, invitation = practice_create(**form.cleaned_data)
            except SERVICE_ERRORS as exc:
                apply_errors(form, exc)
            else:
                context = {"practice": practice, "invitation": invitation, "local_mail": settings.DEBUG}
                return render(request, "web/first_run_done.html", context)
    return render(request, "web/first_run.html", {"form": form})
