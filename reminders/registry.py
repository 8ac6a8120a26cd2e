"""The outbox's registry of message kinds: the outbox knows a kind only through the handler an app registers.

The outbox (reminders) writes rows, claims them and delivers them; what a row is about belongs to the app that
queued it. Each app registers, in its AppConfig.ready(), one `Handler` per kind it sends:

- `check(message, now)`: at send time, on the claimed row as read (the send writes its verdict only on the row
  unchanged since), does the subject still want the message (else `stale`: the row is cancelled with that
  reason) and can the recipient get it (else `problem`: skipped with that reason)? It returns the loaded
  subject for `render` and the address on the row's channel;
- `render(message, checked)`: the text, written at send time and never stored (the minimum of ACCESS.md);
- `on_sent(message)` (optional): what the app records once the message is `sent` (an intake packet's
  invitation time), called in the transaction that records it;
- `related`: the row's foreign keys `check` reads (`"client"`, `"appointment__practice"`), loaded with the
  claimed row in its one query (`select_related`), so a send reads its subject without more round trips.

So reminders imports no domain app (the import contract in pyproject.toml), and a domain app imports reminders'
outbox at module level. A row whose kind has no handler (an app removed, a kind renamed) is cancelled with the
reason `no_handler`, never a crash of the send task.

Registered today: scheduling/messages.py (appointment messages), intake/messages.py (invitations, nudges,
check-ins, risk-flag notices), notes/messages.py (overdue-note notices), practice/messages.py (staff invitation,
password reset, portal sign-in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from reminders.models import OutboundMessage

NO_HANDLER = "no_handler"  # the skip reason of a row whose kind no app registered


@dataclass(frozen=True)
class Check:
    stale: str = ""  # the subject no longer wants the message: the row becomes cancelled with this reason
    problem: str = ""  # the recipient cannot get it: the row becomes skipped with this reason
    subject: object = None  # what `render` needs, loaded by `check`
    to: str = ""  # the address on the row's channel: an email address, or a phone number for SMS


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str  # the email body
    sms: str = ""  # the text message, for a kind that may go by SMS


@dataclass(frozen=True)
class Handler:
    check: Callable[[OutboundMessage, datetime], Check]
    render: Callable[[OutboundMessage, Check], Rendered]
    on_sent: Callable[[OutboundMessage], None] | None = None
    related: tuple[str, ...] = ()


_handlers: dict[str, Handler] = {}


def register(kinds: Iterable[str], handler: Handler) -> None:
    """Register `handler` for each kind (from an AppConfig.ready()). A kind has one handler: registering a
    second one for it is a programming error (two apps claiming the same message)."""
    for kind in kinds:
        existing = _handlers.get(str(kind))
        if existing is not None and existing != handler:
            raise ValueError(f"The outbox kind {kind!r} already has a handler.")
        _handlers[str(kind)] = handler


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(str(kind))


def registered_kinds() -> frozenset[str]:
    return frozenset(_handlers)


def claim_related() -> list[str]:
    """Every handler's `related`: what the send task's locking query joins (the kind is known only once the row
    is read, and the joins are outer joins on the row's own foreign keys: cheap when null)."""
    return sorted({field for handler in _handlers.values() for field in handler.related})
