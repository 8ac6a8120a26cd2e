"""A small SMS backend interface, chosen by `REMINDERS_SMS_BACKEND` (a dotted path).

- `ConsoleSmsBackend` (default): writes to the log, for development and the embedded run.
- `LocmemSmsBackend`: keeps messages in `LocmemSmsBackend.outbox`, for tests; it can be
  told to fail next (`LocmemSmsBackend.fail_next`) to exercise retries.
- `reminders.backends.twilio_sms.TwilioSmsBackend`: the official `twilio` package.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "reminders.backends.sms.ConsoleSmsBackend"


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> str:
        """Hand the message to the provider; return the provider's message id.

        Raise `TransientSendError` or `PermanentSendError` (reminders.backends.errors).
        """
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    _ids = itertools.count(1)

    def send(self, message: SmsMessage) -> str:
        ident = f"console-{next(self._ids)}"
        logger.info("SMS %s to %s: %s", ident, message.to, message.body)
        return ident


class LocmemSmsBackend(BaseSmsBackend):
    outbox: list[SmsMessage] = []
    fail_next: list[Exception] = []  # exceptions raised, in order, by the next sends
    _ids = itertools.count(1)

    def send(self, message: SmsMessage) -> str:
        if LocmemSmsBackend.fail_next:
            raise LocmemSmsBackend.fail_next.pop(0)
        LocmemSmsBackend.outbox.append(message)
        return f"locmem-{next(self._ids)}"

    @classmethod
    def reset(cls) -> None:
        cls.outbox.clear()
        cls.fail_next.clear()


def get_sms_backend() -> BaseSmsBackend:
    return import_string(getattr(settings, "REMINDERS_SMS_BACKEND", DEFAULT_BACKEND))()
