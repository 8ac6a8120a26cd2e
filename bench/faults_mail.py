"""Email backend for bench/faults_run.py: Django's file backend, one file per message, with a provider delay.

The delay (FAULTS_MAIL_DELAY seconds, before the message is written) stands for a provider's round
trip, so a worker killed during a send is killed before the hand-off, as it usually would be.
"""

from __future__ import annotations

import os
import time

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            time.sleep(float(os.environ.get("FAULTS_MAIL_DELAY", "0")))
            self._fname = None  # one file per message
            sent += super().send_messages([message])
            self.close()
        return sent
