"""Email through Django's configured email backend (SMTP, file, console, locmem, or anymail)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from reminders.backends.errors import PermanentSendError, TransientSendError

# SMTP answers that say the message can never be delivered as addressed.
PERMANENT_SMTP = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError)


def send_email(*, to: str, subject: str, body: str, message_key: str) -> str:
    """Send one email; return its Message-ID. `message_key` makes the Message-ID stable per outbox row,
    so a rare second hand-off of the same row (see docs/reliability.md) can be recognised downstream."""
    domain = getattr(settings, "REMINDERS_MESSAGE_ID_DOMAIN", "attune.local")
    message_id = f"<{message_key}@{domain}>"
    email = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], headers={"Message-ID": message_id}
    )
    try:
        email.send(fail_silently=False)
    except PERMANENT_SMTP as exc:
        raise PermanentSendError(f"smtp refused: {type(exc).__name__}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentSendError(f"smtp {exc.smtp_code}") from exc
        raise TransientSendError(f"smtp {exc.smtp_code}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientSendError(f"smtp: {type(exc).__name__}") from exc
    except Exception as exc:
        # anymail and other provider backends: their error classes say which kind.
        name = type(exc).__name__
        if name in ("AnymailRecipientsRefused", "AnymailInvalidAddress"):
            raise PermanentSendError(f"provider: {name}") from exc
        if name.startswith("Anymail"):
            raise TransientSendError(f"provider: {name}") from exc
        raise
    return message_id
