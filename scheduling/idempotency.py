"""`Idempotency-Key` for booking and series creation: a client that retries (a timeout, a 503) books once.

The header (Stripe's, and the IETF draft "The Idempotency-Key HTTP Header Field") names one request per
membership. The view's work, reading its reply included, runs in one transaction that first takes the key
(inserting its record) and stores the reply in it before the commit: the booking and its record commit
together or not at all. A retry with the same key, body and path answers the stored status and body with
`Idempotent-Replayed: true` and books nothing; with another body or path it is 422
`idempotency_key_reused`. Only successful replies are kept: an error rolls the key back with everything
else, so the client may correct the request and send it again under the same key.

Two requests with one key at once: the second one's insert waits on the unique constraint until the first
commits (then it answers the first's reply) or rolls back (then it does the work itself).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.contention import retry_on_contention
from core.errors import Conflict, DomainError
from scheduling.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = 255

HEADER_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Optional, 1 to 255 printable ASCII characters, unique per request (a UUID). A retry with the "
    "same key and body answers the first reply (with `Idempotent-Replayed: true`) and books nothing; another "
    "body under the same key is 422 `idempotency_key_reused`; while the first is still being answered, 409 "
    f"`idempotency_key_in_progress`. Replies are kept {settings.IDEMPOTENCY_KEY_TTL_HOURS} hours; errors are "
    "not kept.",
)
RESPONSES = {
    422: OpenApiResponse(description="`idempotency_key_reused`: this `Idempotency-Key` was sent with another body."),
}


class IdempotencyKeyReused(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_LENGTH or not all(" " <= char <= "~" for char in key):
        raise DomainError(
            "The Idempotency-Key header is not valid.",
            fields={HEADER: [f"1 to {MAX_LENGTH} printable ASCII characters."]},
        )
    return key


def _fingerprint(data) -> str:
    if hasattr(data, "lists"):  # a form body (QueryDict): every value of every field
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _in_progress() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being answered; try again shortly.",
        code="idempotency_key_in_progress",
        fields={HEADER: ["In progress; retry after a moment."]},
    )


def _stored_reply(record: IdempotencyRecord | None, *, path: str, fingerprint: str) -> Response | None:
    if record is None:
        return None
    if record.request_path != path or record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for another request.",
            fields={HEADER: ["Already used with another body or endpoint; send a new key for a new request."]},
        )
    if record.status_code is None:
        raise _in_progress()
    return Response(record.response_body, status=record.status_code, headers={REPLAYED_HEADER: "true"})


@retry_on_contention
def reply_once(
    request, work: Callable[[], Response], *, still_in_scope: Callable[[dict], bool] | None = None
) -> Response:
    """`work()` (validate, call the service, read the reply) in one transaction, at most once per key; run
    again whole when PostgreSQL aborts it for a deadlock, its commit included.

    A replay is a read of what the first request made: `still_in_scope(body)` asks the caller's selectors
    whether the caller may still see it (their roles or caseload may have changed since); if not, 404, as for
    any object outside the caller's scope, never the stored body."""
    key = _key(request)
    if key is None:
        # The reply is read before the commit: a database lost right after it cannot answer 503 for a
        # booking that was made (a retry would then meet its own appointment as a conflict).
        with transaction.atomic():
            return work()
    membership = request.membership
    path, fingerprint = request.path, _fingerprint(request.data)
    records = IdempotencyRecord.objects.filter(membership=membership, key=key)
    with transaction.atomic():
        replay = _stored_reply(records.first(), path=path, fingerprint=fingerprint)
        if replay is not None:
            return _in_scope_or_404(replay, still_in_scope)
        try:
            with transaction.atomic():  # a savepoint: the insert waits while another request holds the key
                record = IdempotencyRecord.objects.create(
                    practice_id=membership.practice_id,
                    membership=membership,
                    key=key,
                    request_method=request.method,
                    request_path=path,
                    request_fingerprint=fingerprint,
                )
        except IntegrityError:  # that request committed: its reply (or, not readable, 409 in progress)
            replay = _stored_reply(records.first(), path=path, fingerprint=fingerprint)
            if replay is None:
                raise _in_progress() from None
            return _in_scope_or_404(replay, still_in_scope)
        response = work()
        if status.is_success(response.status_code):
            record.status_code, record.response_body = response.status_code, response.data
            record.save(update_fields=["status_code", "response_body"])
        else:
            record.delete()
        return response


def _in_scope_or_404(replay: Response, still_in_scope: Callable[[dict], bool] | None) -> Response:
    if still_in_scope is not None and not still_in_scope(replay.data):
        raise NotFound()
    return replay
