"""The therapist's and the supervisor's pages (notes/pages/), under /clinical/: nothing clinical in a URL."""

from django.urls import path

from notes.pages import note, process, room, supervision, timeline

app_name = "notes_pages"

urlpatterns = [
    path("clinical/today/", room.day, name="day"),
    path("clinical/week/", room.week, name="week"),
    path("clinical/attention/", room.attention, name="attention"),
    path("clinical/clients/", room.clients, name="clients"),
    path("clinical/clients/<int:pk>/", room.client_detail, name="client"),
    path("clinical/clients/<int:pk>/prep/", room.prep, name="prep"),
    path("clinical/clients/<int:pk>/timeline/", timeline.timeline, name="timeline"),
    path("clinical/risk-flags/<int:pk>/acknowledge/", room.risk_flag_ack, name="risk-flag-ack"),
    path("clinical/sessions/<int:pk>/note/", note.note_start, name="note-start"),
    path("clinical/notes/<int:pk>/", note.note_detail, name="note"),
    path("clinical/notes/<int:pk>/save/", note.note_save, name="note-save"),
    path("clinical/notes/<int:pk>/sign/", note.note_sign, name="note-sign"),
    path("clinical/notes/<int:pk>/addenda/", note.note_addendum, name="note-addendum"),
    path("clinical/notes/<int:pk>/cosign/", note.note_cosign, name="note-cosign"),
    path("clinical/ruptures/<int:pk>/close/", note.rupture_close, name="rupture-close"),
    path("clinical/process-notes/", process.process_notes, name="process-notes"),
    path("clinical/process-notes/<int:pk>/", process.process_note, name="process-note"),
    path("clinical/cosign/", supervision.cosign_queue, name="cosign-queue"),
    path("clinical/supervision/", supervision.supervision, name="supervision"),
    path("clinical/supervision/<int:pk>/", supervision.supervisee, name="supervisee"),
]
