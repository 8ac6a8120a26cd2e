"""Whether a client may be sent a message on a channel, and which channel a one-off notice takes."""

from __future__ import annotations

from practice.models import Client, CommunicationChannel
from reminders.models import Channel


def consent_problem(client: Client, channel: str) -> str:
    """Why this client may not get a message on this channel ("" when they may)."""
    if not client.is_active:
        return "client_inactive"
    if client.preferred_channel == CommunicationChannel.NONE:
        return "client_opted_out"
    if channel == Channel.SMS:
        if not client.sms_consent:
            return "no_sms_consent"
        if not client.phone:
            return "no_phone_number"
    elif channel == Channel.EMAIL:
        if not client.email_consent:
            return "no_email_consent"
        if not client.email:
            return "no_email_address"
    return ""


def _notice_channel(client: Client) -> str:
    """One-off notices go on the client's preferred channel, else on any channel they consented to."""
    preferred = client.preferred_channel if client.preferred_channel in Channel.values else Channel.EMAIL
    for channel in (preferred, *[c for c in Channel.values if c != preferred]):
        if not consent_problem(client, channel):
            return channel
    return preferred
