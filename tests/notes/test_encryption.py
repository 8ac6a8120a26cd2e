import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from notes.models import ProgressNote, PsychotherapyNote
from notes.services import psychotherapy_note_create
from tests.factories.notes import draft_note

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed names
        return cursor.fetchone()[0]


def test_first_key_encrypts_all_keys_decrypt_and_rotation_reencrypts(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [old]
    note = draft_note(world.p.clinician, world.p.client_a, content={"focus": "under the old key"})
    pnote = psychotherapy_note_create(actor=world.p.clinician.membership, client=world.p.client_a, body="old body")
    token = _raw("notes_progressnote", "content", note.pk)
    Fernet(old).decrypt(token.encode())

    settings.NOTES_ENCRYPTION_KEYS = [new, old]  # new key first: reads still work before rotation
    assert ProgressNote.objects.get(pk=note.pk).content == {"focus": "under the old key"}
    call_command("notes_rotate_keys", stdout=open("/dev/null", "w"))
    rotated = _raw("notes_progressnote", "content", note.pk)
    Fernet(new).decrypt(rotated.encode())
    Fernet(new).decrypt(_raw("notes_psychotherapynote", "body", pnote.pk).encode())

    settings.NOTES_ENCRYPTION_KEYS = [new]  # old key retired
    assert ProgressNote.objects.get(pk=note.pk).content == {"focus": "under the old key"}
    assert PsychotherapyNote.objects.get(pk=pnote.pk).body == "old body"


def test_missing_or_wrong_key_is_a_configuration_error_not_plaintext(world, settings):
    note = draft_note(world.p.clinician, world.p.client_a, content={"focus": "secret"})
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        ProgressNote.objects.get(pk=note.pk)
    settings.NOTES_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        draft_note(world.p.clinician, world.p.client_a)


def test_production_settings_require_the_key_variable(monkeypatch):
    import importlib
    import sys

    monkeypatch.delenv("NOTES_ENCRYPTION_KEYS", raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "example.test")
    sys.modules.pop("backend.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="NOTES_ENCRYPTION_KEYS"):
        importlib.import_module("backend.settings.production")
    sys.modules.pop("backend.settings.production", None)
