"""The reminders outbox: writing rows, claiming them, sending them. Rules in docs/reliability.md.

1. `reminders_sync_for_appointment` runs inside the scheduling service's transaction: the rows
   appear, move or disappear together with the appointment change, or not at all.
2. `reminders_dispatch` (beat, every ~30 s) claims due rows with SELECT … FOR UPDATE SKIP LOCKED
   and enqueues one send task per row after commit. Rows claimed longer than the claim timeout
   (a worker killed mid-task) are claimed again.
3. `reminder_send` holds an advisory lock on the row's id, asks the kind's handler (reminders/registry.py,
   registered by the app that queued it) whether the subject still wants it (for an appointment: still
   active, same start) and the recipient can get it (the client's consent), hands the message to the
   provider and records the outcome; each write applies only to the row as it was read, so two deliveries
   of the same task send once.

Modules: `outbox` (rows written in the caller's transaction: the appointment hook, intake and clinician
messages), `dispatch` (claiming due rows, the dispatcher kick), `send` (delivering one row), `policy`,
`consent`, `frontdesk` (resend). The nudges are intake's (intake/services/nudges.py), the confirm/cancel link
services scheduling's (scheduling/services/links.py; the signed tokens are reminders/links.py).
"""
