"""Template tags of the shell: times in a named zone, query strings that keep the filters."""

from __future__ import annotations

import zoneinfo

from django import template
from django.utils.html import format_html

from practice import roles

register = template.Library()


@register.simple_tag
def local_time(value, zone: str, fmt: str = "%a %-d %b %Y, %H:%M"):
    """<time> in `zone` with the zone's abbreviation and name: "Tue 1 Dec 2026, 09:00 EST (America/New_York)"."""
    if value is None:
        return ""
    tz = zoneinfo.ZoneInfo(zone)
    local = value.astimezone(tz)
    return format_html(
        '<time datetime="{}">{} {} <span class="muted">({})</span></time>',
        value.isoformat(),
        local.strftime(fmt),
        local.tzname(),
        zone,
    )


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with `changes` applied (pagination links that keep the filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def role_names(value) -> str:
    """["admin", "front_desk"] -> "Administrator, Front desk"."""

    labels = dict(roles.ROLE_CHOICES)
    return ", ".join(labels.get(r, r) for r in value or [])
