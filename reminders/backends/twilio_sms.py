"""SMS through Twilio's official package. Configured by settings, never called by the tests.

REMINDERS_SMS_BACKEND = "reminders.backends.twilio_sms.TwilioSmsBackend"
TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, and TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID

`twilio` is the optional `sms` extra (in requirements/runtime.lock, so in the image): it is imported here only,
when this backend is built, so an install without it runs everything else and fails clearly on choosing it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reminders.backends.errors import PermanentSendError, TransientSendError
from reminders.backends.sms import BaseSmsBackend, SmsMessage

# Twilio error codes that no retry can fix (invalid/unreachable number, opted out, not SMS-capable).
PERMANENT_CODES = {21211, 21214, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006, 30007}


class TwilioSmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        try:
            from twilio.rest import Client  # the optional `sms` extra: imported only when this backend is chosen
        except ImportError as exc:
            raise ImproperlyConfigured(
                "TwilioSmsBackend needs the twilio package, which is not installed: install the `sms` extra "
                "(pip install 'attune[sms]'; requirements/runtime.lock and the production image carry it)."
            ) from exc

        sid = getattr(settings, "TWILIO_ACCOUNT_SID", "")
        token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
        if not sid or not token:
            raise ImproperlyConfigured("TwilioSmsBackend needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
        self.client = Client(sid, token)
        self.from_number = getattr(settings, "TWILIO_FROM_NUMBER", "")
        self.messaging_service_sid = getattr(settings, "TWILIO_MESSAGING_SERVICE_SID", "")

    def send(self, message: SmsMessage) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        try:
            sent = self.client.messages.create(to=message.to, body=message.body, **sender)
        except TwilioRestException as exc:
            # 4xx with a known code: the request itself is wrong; 429 and 5xx: try again later.
            if exc.code in PERMANENT_CODES or (400 <= (exc.status or 0) < 500 and exc.status != 429):
                raise PermanentSendError(f"twilio {exc.status} code {exc.code}") from exc
            raise TransientSendError(f"twilio {exc.status} code {exc.code}") from exc
        except (TwilioException, OSError) as exc:
            raise TransientSendError(f"twilio: {type(exc).__name__}") from exc
        return sent.sid
