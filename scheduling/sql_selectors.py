"""Two hot reads of the schedule written out in SQL, composed once per process with `psycopg.sql` from the
models' metadata: the slot search's type and clinicians (`slot_search_subjects`) and a staff booking's clinician
with what the booking holds on it (`booking_clinician_read`).

Selectors as those of scheduling/selectors.py are (scoped by the acting membership, ACCESS.md), for the two paths
where Django composing and compiling the same reads on every request cost more than the work itself
(docs/performance.md, issue 17). Each writes out the scope of the ORM selectors it stands for
(`appointment_type_list`, `bookable_clinicians`, `clinician_list`): a change of those scopes is made here too,
and tests/scheduling/test_slot_scope.py and test_booking_reads.py hold the answers equal for every role.
The instances are built as the ORM's compiler builds them (core.rows).
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Model
from psycopg import sql

from core import rows
from core.lookups import BIGINT_MAX
from practice import roles
from practice.models import CareTeamMember, Client, Clinician, Membership, Practice, User
from scheduling.models import AppointmentType


def slot_search_subjects(
    *, actor: Membership, appointment_type_id: int, clinician_ids: list[int] | None = None
) -> tuple[AppointmentType | None, list[Clinician]]:
    """The active appointment type `appointment_type_id` in `appointment_type_list(actor)` (None if it is not
    there) and the clinicians of `bookable_clinicians(actor)` (only `clinician_ids`, if given), in one statement.

    The slot search's reads, which as two ORM querysets cost more to build and compile than the search of a
    month of one clinician's slots. The scope is those two selectors' (practice, then role: staff every active
    type and clinician; a client the client-bookable types and their care team's clinicians; anyone else the
    client-bookable types and no clinician), written out in SQL here; tests/scheduling/test_slot_scope.py holds
    the answer equal to the selectors' for every role. A clinician comes with its id and zone alone (the rest
    deferred), the type whole.
    """
    if clinician_ids is not None:  # an id beyond bigint names no row (and would not go into a bigint[])
        clinician_ids = [pk for pk in clinician_ids if -BIGINT_MAX <= pk <= BIGINT_MAX]
    if not -BIGINT_MAX <= appointment_type_id <= BIGINT_MAX:
        return None, []
    if actor.is_staff_member:
        scope = _STAFF
    elif actor.has_role(roles.CLIENT):
        scope = _CLIENT
    else:
        scope = _NEITHER
    params = {
        "practice": actor.practice_id,
        "type": appointment_type_id,
        "ids": clinician_ids,
        "actor": actor.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(_slot_search_subjects_sql(scope, named=clinician_ids is not None), params)
        found = cursor.fetchall()
    if not found:
        return None, []
    kind = rows.instance_from_row(AppointmentType, found[0][: len(rows.concrete_fields(AppointmentType))])
    clinicians = [
        Clinician.from_db(connection.alias, ["id", "time_zone"], (pk, tz)) for *_, pk, tz in found if pk is not None
    ]
    return kind, clinicians


_STAFF, _CLIENT, _NEITHER = "staff", "client", "neither"


# clinician_list's client branch: the clinicians on the care team of a client whose portal membership is the actor.
_CARE_TEAM_OF_PORTAL_MEMBERSHIP = sql.SQL(
    "c.{id} IN (SELECT m.{m_clinician} FROM {care_team} AS m JOIN {client} AS cl ON cl.{client_id} = m.{m_client} "
    "WHERE cl.{portal_membership} = %(actor)s)"
).format(
    id=rows.column(Clinician, "id"),
    m_clinician=rows.column(CareTeamMember, "clinician"),
    care_team=rows.table(CareTeamMember),
    client=rows.table(Client),
    client_id=rows.column(Client, "id"),
    m_client=rows.column(CareTeamMember, "client"),
    portal_membership=rows.column(Client, "portal_membership"),
)


@cache
def _slot_search_subjects_sql(scope: str, *, named: bool) -> str:
    """The type's row joined to each clinician in scope (a single row of NULL clinician if none is): no row at
    all when the type is out of scope. psycopg's composition quotes each name; every value is a parameter."""
    type_columns = rows.columns("t", AppointmentType)
    clinician_filter: list[sql.Composable] = [sql.SQL("c.{} = %(practice)s").format(rows.column(Clinician, "practice"))]
    clinician_filter.append(sql.SQL("c.{}").format(rows.column(Clinician, "is_active")))
    clinician_filter.append(
        {_STAFF: sql.SQL("TRUE"), _CLIENT: _CARE_TEAM_OF_PORTAL_MEMBERSHIP, _NEITHER: sql.SQL("FALSE")}[scope]
    )
    if named:
        clinician_filter.append(sql.SQL("c.{} = ANY(%(ids)s::bigint[])").format(rows.column(Clinician, "id")))
    type_filter = [
        sql.SQL("t.{} = %(type)s").format(rows.column(AppointmentType, "id")),
        sql.SQL("t.{} = %(practice)s").format(rows.column(AppointmentType, "practice")),
        sql.SQL("t.{}").format(rows.column(AppointmentType, "is_active")),
    ]
    if scope != _STAFF:
        type_filter.append(sql.SQL("t.{}").format(rows.column(AppointmentType, "client_bookable")))
    query = sql.SQL(
        "SELECT {type_columns}, c.{c_id}, c.{c_zone} FROM {types} AS t LEFT JOIN {clinicians} AS c ON {on} "
        "WHERE {where} ORDER BY c.{c_id}"
    ).format(
        type_columns=type_columns,
        c_id=rows.column(Clinician, "id"),
        c_zone=rows.column(Clinician, "time_zone"),
        types=rows.table(AppointmentType),
        clinicians=rows.table(Clinician),
        on=sql.SQL(" AND ").join(clinician_filter),
        where=sql.SQL(" AND ").join(type_filter),
    )
    return query.as_string()


def booking_clinician_read(*, actor: Membership, pk: int, appointment_type_pk: int | None) -> Clinician | None:
    """For staff: `clinician_list(actor=actor).get(pk=pk)` with what booking needs held on it, in one statement
    written once (`_booking_clinician_sql`); None when the clinician is not in scope (or the actor is not staff:
    the caller then asks `clinician_list` itself, whose refusal it answers with).

    Held on the clinician, as `select_related` would: its membership and user (is it bookable), the practice and
    the practice's reminder policy (the outbox hook). `clinician.booked_type` is the appointment type of
    `appointment_type_pk` when it is in `appointment_type_list(actor=actor)`, else None (and
    `clinician.booked_type_in_scope` says which, as in the ORM's read).

    The scope is staff's, as the two selectors above say it: a staff member sees every clinician and every
    appointment type of their own practice (`practice_id = %(practice)s` on both rows in the SQL below).
    tests/scheduling/test_booking_reads.py holds this read to the selectors' answers for every role.
    Why it is written out: Django composing the ORM's version (five joins, a `FilteredRelation` and an `EXISTS`)
    cost about a sixth of a booking's app CPU, on every booking.
    """
    if not actor.is_staff_member:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            _booking_clinician_sql(),
            {"practice": actor.practice_id, "pk": pk, "type": appointment_type_pk},
        )
        row = cursor.fetchone()
    if row is None:
        return None
    c, m, u, p, rp, t = rows.split(row, _booking_read_models())
    policy_model = _booking_read_models()[4]
    clinician, membership = rows.instance_from_row(Clinician, c), rows.instance_from_row(Membership, m)
    practice = rows.instance_from_row(Practice, p)
    policy = rows.instance_or_none_from_row(policy_model, rp)
    # Kept as Django's select_related keeps them, so `clinician.membership.user` and `practice.reminder_policy`
    # read nothing (a practice without a policy yet holds None, as after select_related: the hook then makes it).
    Membership.user.field.set_cached_value(membership, rows.instance_from_row(User, u))
    Clinician.membership.field.set_cached_value(clinician, membership)
    Clinician.practice.field.set_cached_value(clinician, practice)
    Practice.reminder_policy.related.set_cached_value(practice, policy)
    if policy is not None:
        Practice.reminder_policy.related.field.set_cached_value(policy, practice)
    # read by AppointmentBookInput's type field (_TypeReadWithClinician), as the ORM's read annotates them; not model
    # fields, so not typed. The join holds a type only when it is in scope.
    booked_type = rows.instance_or_none_from_row(AppointmentType, t)
    setattr(clinician, "booked_type", booked_type)  # noqa: B010
    setattr(clinician, "booked_type_in_scope", booked_type is not None)  # noqa: B010
    return clinician


@cache
def _booking_read_models() -> tuple[type[Model], ...]:
    """The models of the read, in the SELECT's order (each with all its columns: core.rows)."""
    policy_model = Practice.reminder_policy.related.related_model  # reminders' model, named by practice's relation
    return (Clinician, Membership, User, Practice, policy_model, AppointmentType)


@cache
def _booking_clinician_sql() -> str:
    """The clinician, its membership and user, the practice with its reminder policy, and the booked type, joined
    by their keys; the names come from the models' metadata, quoted by psycopg as identifiers."""
    aliases = ("c", "m", "u", "p", "rp", "t")
    read = _booking_read_models()
    select = sql.SQL(", ").join(rows.columns(alias, model) for alias, model in zip(aliases, read, strict=True))
    table = {alias: rows.table(model) for alias, model in zip(aliases, read, strict=True)}
    col = rows.column
    policy_model = read[4]
    query = sql.SQL(
        "SELECT {select} FROM {c_table} c "
        "JOIN {m_table} m ON m.{m_pk} = c.{c_membership} "
        "JOIN {u_table} u ON u.{u_pk} = m.{m_user} "
        "JOIN {p_table} p ON p.{p_pk} = c.{c_practice} "
        "LEFT JOIN {rp_table} rp ON rp.{rp_practice} = p.{p_pk} "
        # staff: every type of their practice is in scope (appointment_type_list)
        "LEFT JOIN {t_table} t ON t.{t_practice} = %(practice)s AND t.{t_pk} = %(type)s "
        # staff: every clinician of their practice is in scope (clinician_list)
        "WHERE c.{c_practice} = %(practice)s AND c.{c_pk} = %(pk)s"
    ).format(
        select=select,
        c_table=table["c"],
        m_table=table["m"],
        u_table=table["u"],
        p_table=table["p"],
        rp_table=table["rp"],
        t_table=table["t"],
        c_pk=col(Clinician, "id"),
        c_membership=col(Clinician, "membership"),
        c_practice=col(Clinician, "practice"),
        m_pk=col(Membership, "id"),
        m_user=col(Membership, "user"),
        u_pk=col(User, User._meta.pk.name),
        p_pk=col(Practice, "id"),
        rp_practice=col(policy_model, "practice"),
        t_practice=col(AppointmentType, "practice"),
        t_pk=col(AppointmentType, "id"),
    )
    return query.as_string()
