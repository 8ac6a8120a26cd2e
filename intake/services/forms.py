"""Authoring forms and measures: create, edit (a new draft version once one is published), publish; the built-ins."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, InvalidTransition
from intake import builtins, definitions
from intake.models import FormDefinition, FormVersion
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership, Practice
from practice.services.access import require_role
from practice.settings_schema import practice_group_setting

FORM_EDITORS = {roles.ADMIN, roles.CLINICIAN}


def _check_content(content: dict, *, kind: str) -> None:
    errors = definitions.validate_definition(content, is_measure=kind == FormDefinition.Kind.MEASURE)
    if errors:
        raise DomainError("The definition is not valid.", code="invalid_definition", fields=errors)


@transaction.atomic
def form_create(
    *, actor: Membership, name: str, slug: str, kind: str, content: dict, publish: bool = False
) -> FormDefinition:
    require_role(actor, FORM_EDITORS)
    _check_content(content, kind=kind)
    try:
        with transaction.atomic():
            form = FormDefinition.objects.create(
                practice=actor.practice, name=name, slug=slug, kind=kind, created_by=actor
            )
    except IntegrityError as exc:
        raise Conflict("A form with this slug exists.", code="slug_taken", fields={"slug": ["Already used."]}) from exc
    FormVersion.objects.create(practice=actor.practice, form=form, number=1, content=content, created_by=actor)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=form)
    if publish:
        form_publish(actor=actor, form=form)
    return form


@transaction.atomic
def form_edit(
    *, actor: Membership, form: FormDefinition, content: dict | None = None, name: str | None = None
) -> FormVersion:
    """Change the draft; if the latest version is published, the change opens a new draft version."""
    require_role(actor, FORM_EDITORS)
    form = FormDefinition.objects.select_for_update().get(pk=form.pk)
    if name:
        form.name = name
        form.save(update_fields=["name"])
    draft = form.versions.filter(status=FormVersion.Status.DRAFT).first()
    if content is not None:
        _check_content(content, kind=form.kind)
        if draft is None:
            last = form.versions.order_by("-number").first()
            draft = FormVersion.objects.create(
                practice=form.practice,
                form=form,
                content=content,
                created_by=actor,
                number=(last.number if last else 0) + 1,
            )
        else:
            draft.content = content
            draft.save(update_fields=["content"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=form, detail={"version": draft.number if draft else None}
    )
    return draft or form.latest_published


@transaction.atomic
def form_publish(*, actor: Membership, form: FormDefinition) -> FormVersion:
    require_role(actor, FORM_EDITORS)
    draft = FormVersion.objects.select_for_update().filter(form=form, status=FormVersion.Status.DRAFT).first()
    if draft is None:
        raise InvalidTransition("There is no draft to publish: edit the form first.")
    _check_content(draft.content, kind=form.kind)
    draft.status = FormVersion.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=form, detail={"published": draft.number})
    return draft


@transaction.atomic
def builtins_seed(*, practice: Practice, slugs: list[str] | None = None) -> list[FormDefinition]:
    """Create the built-in forms and measures a practice lacks (by slug), each with a published v1. Idempotent.
    `slugs` limits it to those built-ins (the session check-in seeds its own measure when missing)."""
    cutoff = practice_group_setting(practice, "intake", "alliance_cutoff")
    created = []
    for spec in builtins.builtin_definitions(alliance_cutoff=cutoff):
        if slugs is not None and spec["slug"] not in slugs:
            continue
        form, was_created = FormDefinition.objects.get_or_create(
            practice=practice, slug=spec["slug"], defaults={"name": spec["name"], "kind": spec["kind"], "builtin": True}
        )
        if was_created:
            _check_content(spec["content"], kind=spec["kind"])
            FormVersion.objects.create(
                practice=practice,
                form=form,
                number=1,
                content=spec["content"],
                status=FormVersion.Status.PUBLISHED,
                published_at=timezone.now(),
            )
            created.append(form)
    return created
