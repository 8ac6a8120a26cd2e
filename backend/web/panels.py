"""Sections an app adds to another app's page, registered in its AppConfig.ready, so the page's app need not
import it: the client's page (practice/pages/clients.py) shows intake's packets without practice importing intake.

    from backend.web.panels import ClientPanel, client_panel_register
    client_panel_register(ClientPanel("intake-packets", "intake/client_packets.html", packets_panel, order=100))

`context(actor, client)` answers the panel's own values (its template reads them as `panel.<name>`), or None when
the actor may not see the section. It reads through the panel's app's selectors, like any page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from practice.models import Client, Membership


@dataclass(frozen=True)
class ClientPanel:
    key: str
    template: str
    context: Callable[[Membership, Client], dict[str, Any] | None]
    order: int = 100


_CLIENT_PANELS: dict[str, ClientPanel] = {}  # by key: registering twice (a reloaded module) replaces


def client_panel_register(panel: ClientPanel) -> None:
    _CLIENT_PANELS[panel.key] = panel


def client_panels(*, actor: Membership, client: Client) -> list[dict[str, Any]]:
    """The client page's sections from other apps, in `order`: each its values and its `template`."""
    panels = []
    for panel in sorted(_CLIENT_PANELS.values(), key=lambda p: (p.order, p.key)):
        values = panel.context(actor, client)
        if values is not None:
            panels.append({**values, "template": panel.template})
    return panels
