"""Field-level encryption at rest (clinical text of notes and intake): Fernet tokens in text columns, keys from
the environment.

`settings.NOTES_ENCRYPTION_KEYS` is a list of Fernet keys (urlsafe base64, 32 bytes). The first
key encrypts; every key decrypts (MultiFernet), so a new key is put first, `manage.py
notes_rotate_keys` re-encrypts every row with it, and only then is the old key removed.

The database never sees plaintext: a dump of the table holds Fernet tokens only. The price is
that encrypted columns cannot be searched or sorted in SQL, which suits clinical text (it must
not be searchable anyway). An empty string is stored as itself so constraints can require
"not empty" without decrypting.

Why our own field: django-fernet-encrypted-fields (the maintained one, Jazzband) derives its keys
from SECRET_KEY and a SALT_KEY with PBKDF2, which ties clinical data to the Django secret and
does not take independent keys; django-fernet-fields is unmaintained since 2019.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


@functools.lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("NOTES_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from exc


def fernet() -> MultiFernet:
    keys = tuple(getattr(settings, "NOTES_ENCRYPTION_KEYS", None) or ())
    if not keys:
        raise ImproperlyConfigured("Set NOTES_ENCRYPTION_KEYS (a comma-separated list of Fernet keys).")
    return _multifernet(keys)


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        # Never fall back to returning the stored value: it could be plaintext written around the field.
        raise ImproperlyConfigured("An encrypted value cannot be decrypted with NOTES_ENCRYPTION_KEYS.") from exc


class EncryptedTextField(models.TextField):
    """A TextField whose value is a Fernet token in the database. Not usable in lookups (except = "")."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_text(value)


class EncryptedJSONField(models.TextField):
    """JSON, serialised then encrypted into a text column."""

    if TYPE_CHECKING:  # what django-stubs reads for the attribute's type: JSON, not the column's text
        _pyi_private_set_type: Any
        _pyi_private_get_type: Any

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_text(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return json.loads(decrypt_text(value))

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)
