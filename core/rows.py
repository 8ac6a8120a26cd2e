"""Model instances from the rows of a statement composed once, as the ORM's compiler would make them.

For the few hot reads whose SQL is written out with `psycopg.sql` from the models' metadata instead of being
composed and compiled by the ORM on every request (the booking's clinician and clients: the selectors that own
them say why). Each model's columns are its concrete fields in the model's order, which is the order `from_db`
takes them in; each value goes through the converters the ORM's compiler applies (a JSON field's text parsed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import Field, Model
from psycopg import sql

M = TypeVar("M", bound=Model)


@cache
def concrete_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(model._meta.concrete_fields)


@cache
def _shape(model: type[Model]) -> tuple[int, list[str]]:
    """Where the primary key is among the columns, and the fields' attribute names (what `from_db` takes)."""
    fields = concrete_fields(model)
    return fields.index(model._meta.pk), [f.attname for f in fields]


@cache
def _converters(field: Field[Any, Any]) -> tuple[Callable[..., Any], ...]:
    """What the ORM's compiler runs on the field's column: the backend's converters, then the field's own."""
    col = field.cached_col
    return tuple(connection.ops.get_db_converters(col)) + tuple(col.get_db_converters(connection))


def columns(alias: str, model: type[Model]) -> sql.Composed:
    """`"alias"."column", ...` for every concrete field of the model, in `from_db`'s order."""
    return sql.SQL(", ").join(sql.Identifier(alias, cast(str, f.column)) for f in concrete_fields(model))


def column(model: type[Model], name: str) -> sql.Identifier:
    return sql.Identifier(cast(str, cast("Field[Any, Any]", model._meta.get_field(name)).column))


def table(model: type[Model]) -> sql.Identifier:
    return sql.Identifier(model._meta.db_table)


def split(row: Sequence[Any], models: Sequence[type[Model]]) -> list[Sequence[Any]]:
    """A row of several models' `columns`, one slice per model, in order."""
    parts, start = [], 0
    for model in models:
        width = len(concrete_fields(model))
        parts.append(row[start : start + width])
        start += width
    return parts


def instance_from_row(model: type[M], values: Sequence[Any]) -> M:
    """The instance the ORM would build from these values (`columns(alias, model)`'s)."""
    converted = list(values)
    for i, field in enumerate(concrete_fields(model)):
        for convert in _converters(field):
            converted[i] = convert(converted[i], field.cached_col, connection)
    return model.from_db(connection.alias, _shape(model)[1], converted)


def instance_or_none_from_row(model: type[M], values: Sequence[Any]) -> M | None:
    """`instance_from_row`, or None when the primary key is NULL (the missing side of a LEFT JOIN)."""
    return None if values[_shape(model)[0]] is None else instance_from_row(model, values)


@cache
def _insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The columns an insert writes: every concrete field but a primary key the database numbers."""
    return tuple(f for f in concrete_fields(model) if not (f.primary_key and f.db_returning))


@cache
def _insert_sql(model: type[Model], rows: int) -> str:
    fields = _insert_fields(model)
    one = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() for _ in fields))
    query = sql.SQL("INSERT INTO {table} ({names}) VALUES {values} ON CONFLICT DO NOTHING").format(
        table=table(model),
        names=sql.SQL(", ").join(sql.Identifier(cast(str, f.column)) for f in fields),
        values=sql.SQL(", ").join(one for _ in range(rows)),
    )
    return query.as_string()


def insert_ignoring_conflicts(objs: Sequence[Model]) -> None:
    """What `bulk_create(objs, ignore_conflicts=True)` writes (one statement; a row a unique constraint already
    holds is dropped, and no primary key is read back), for unsaved instances of one model with a database-numbered
    key: each field's value as the ORM prepares it (`pre_save`, so `auto_now` is stamped, then `get_db_prep_save`),
    in one statement composed once per model and row count. Through Django's cursor, so its execute wrappers (the
    history context) still see the statement."""
    if not objs:
        return
    model = type(objs[0])
    fields = _insert_fields(model)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, len(objs)), params)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
