"""Intake's pages: a client's packets, from the client's page (packets.py), and the admin's forms and measures
under /manage/forms/ (forms.py)."""
