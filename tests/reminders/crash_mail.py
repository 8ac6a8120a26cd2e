"""Email backend for the worker-crash test's worker process: one file per message in CRASH_MAIL_DIR (the
"provider"), then, if CRASH_MAIL_HOLD is set, a pause of that many seconds before returning, so that a worker
killed in it dies after the provider took the message and before the send recorded it."""

from __future__ import annotations

import os
import time
import uuid

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("file_path", os.environ["CRASH_MAIL_DIR"])
        super().__init__(*args, **kwargs)

    def _get_filename(self):
        """A name no other message takes. Django's is the second and `id(self)`, which two forked pool processes
        share: two sends in the same second appended to one file, and the test saw one email where two were."""
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{os.getpid()}-{uuid.uuid4().hex}.log")
        return self._fname

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            self._fname = None  # one file per message
            sent += super().send_messages([message])
            self.close()
        time.sleep(float(os.environ.get("CRASH_MAIL_HOLD", "0")))
        return sent
