"""The signed note's fingerprint: what a signature covers (`note_hash_payload`) and its SHA-256
(`content_hash`). Signing stores it (notes.services.progress_notes); the integrity check recomputes it
(notes.selectors.note_integrity_ok). Below both, so a selector never imports a service."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from notes.models import ProgressNote


def note_hash_payload(note: ProgressNote) -> dict[str, Any]:
    ruptures = [
        {
            "minute": r.minute,
            "family": r.family,
            "intensity": r.intensity,
            "outcome": r.outcome,
            "markers": sorted(m.code for m in r.markers.all()),
            "strategies": sorted(s.code for s in r.strategies.all()),
            "therapist_contribution": r.therapist_contribution,
            "client_response": r.client_response,
        }
        for r in note.ruptures.all()
    ]
    follow_ups = [
        {
            "rupture": f.rupture_id,
            "outcome": f.outcome,
            "client_response": f.client_response,
            "strategies": sorted(s.code for s in f.strategies.all()),
        }
        for f in sorted(note.follow_ups.all(), key=lambda f: f.rupture_id)
    ]
    return {
        "note": note.pk,
        "practice": note.practice_id,
        "client": note.client_id,
        "author": note.author_id,
        "appointment": note.appointment_id,
        "template": note.template.code,
        "session_at": note.session_at,
        "content": note.content,
        "risk_level": note.risk_level,
        "risk_rationale": note.risk_rationale,
        "ruptures": ruptures,
        "follow_ups": follow_ups,
        "signed_by": note.signed_by_id,
        "signed_at": note.signed_at,
    }


def content_hash(payload: Any) -> str:
    canonical = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
