"""The one way figures reach the database: set-based statements on whole columns, the audit
columns filled the way the ORM fills them, and the ORM's cache of the model invalidated after
each write (rows written in SQL are otherwise read stale in the same transaction).

``columns`` are ``{column name: (values, SQL type)}``, values as lists of equal length
(``arrays.sql_values`` turns a frame's column into one)."""

from odoo.tools import SQL

from .arrays import array, sql_values, unnest

_NOW = SQL("NOW() AT TIME ZONE 'UTC'")
INSERT_ROWS = 20000
#: field type -> SQL type of the array its values are written from (a Float field's
#: numeric column, when it has digits, casts the float8 values)
ARRAY_TYPES = {
    "monetary": "numeric",
    "float": "float8",
    "integer": "int4",
    "date": "date",
    "selection": "varchar",
    "char": "varchar",
    "boolean": "bool",
}


def _names(names, alias=None):
    return SQL(", ").join(SQL.identifier(*((alias,) if alias else ()), name) for name in names)


def audit_columns(env):
    """(audit column names, their values) of a row the current user inserts now."""
    return (
        SQL("create_uid, create_date, write_uid, write_date"),
        SQL("%s, %s, %s, %s", env.uid, _NOW, env.uid, _NOW),
    )


def field_columns(env, model, frame):
    """``columns`` of every column of ``frame`` named after a stored field of ``model``
    (other columns are the engine's intermediate figures), typed by the field."""
    fields = env[model]._fields
    columns = {}
    for name in frame.columns:
        field = fields.get(name)
        if field is not None and field.store and field.type in ARRAY_TYPES:
            sql_type = ARRAY_TYPES[field.type]
            columns[name] = (sql_values(frame[name], sql_type), sql_type)
    return columns


def typed_columns(frame, types):
    """``columns`` of the ``frame``'s columns named in ``types`` ({name: SQL type})."""
    return {name: (sql_values(frame[name], sql_type), sql_type) for name, sql_type in types.items()}


def invalidate(env, model, columns=None):
    """Drop the ORM's cache of ``model`` (of ``columns`` only when given) after a write."""
    fields = None if columns is None else [n for n in columns if n in env[model]._fields]
    env[model].invalidate_model(fields)


def upsert(env, model, keys, columns, compare):
    """Insert the rows, or update those whose ``keys`` exist and whose ``compare`` columns
    changed (a refresh that changes nothing writes nothing). Returns the ids written."""
    table = env[model]._table
    names = list(columns)
    audit_names, audit_values = audit_columns(env)
    ids = env.execute_query(
        SQL(
            """
        INSERT INTO %(table)s (%(names)s, %(audit_names)s)
        SELECT %(values)s, %(audit_values)s FROM %(unnest)s
        ON CONFLICT (%(keys)s) DO UPDATE SET %(set)s,
               write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
         WHERE (%(old)s) IS DISTINCT FROM (%(new)s)
        RETURNING id
        """,
            table=SQL.identifier(table),
            names=_names(names),
            audit_names=audit_names,
            values=_names(names, "v"),
            audit_values=audit_values,
            unnest=unnest(columns),
            keys=_names(keys),
            set=SQL(", ").join(
                SQL("%s = EXCLUDED.%s", SQL.identifier(n), SQL.identifier(n))
                for n in names
                if n not in keys
            ),
            old=SQL(", ").join(SQL.identifier(table, n) for n in compare),
            new=SQL(", ").join(SQL("EXCLUDED.%s", SQL.identifier(n)) for n in compare),
        )
    )
    invalidate(env, model)
    return [row[0] for row in ids]


def replace(env, model, scope, columns, constants=None):
    """Replace the rows of ``scope`` (an SQL condition on the table) with ``columns``, each
    row completed with the ``constants`` ({column: value}, e.g. the company)."""
    replace_frame(env, model, scope, None, lambda _part: columns, constants)


def replace_frame(env, model, scope, frame, to_columns, constants=None):
    """:func:`replace` with the rows of ``frame``, turned into ``columns`` by ``to_columns``
    INSERT_ROWS rows at a time: the values of a statement are Python objects, about 30
    bytes each, which a company's every customer month would make hundreds of MB."""
    table = SQL.identifier(env[model]._table)
    env.execute_query(SQL("DELETE FROM %s WHERE %s", table, scope))
    constants = constants or {}
    audit_names, audit_values = audit_columns(env)
    values = [SQL("%s", value) for value in constants.values()]
    starts = [0] if frame is None else range(0, len(frame), INSERT_ROWS)
    for start in starts:
        columns = to_columns(None if frame is None else frame.iloc[start : start + INSERT_ROWS])
        if not columns or not len(next(iter(columns.values()))[0]):
            continue
        env.execute_query(
            SQL(
                "INSERT INTO %s (%s, %s) SELECT %s, %s FROM %s",
                table,
                _names([*constants, *columns]),
                audit_names,
                SQL(", ").join([*values, _names(columns, "v")]),
                audit_values,
                unnest(columns),
            )
        )
    invalidate(env, model)


def update(env, model, columns, key="id", audit=True, extra=None, changed_only=False):
    """Update the rows whose ``key`` column is in ``columns[key]`` with the other columns;
    ``extra``: SQL assignments added as they are (``ar_computed = TRUE``); ``audit``: stamp
    write_uid and write_date (figures on documents leave them as the users left them);
    ``changed_only``: leave the rows whose columns hold these values already (no row lock,
    no new row version). Returns the number of rows updated."""
    table = env[model]._table
    names = [n for n in columns if n != key]
    changed = SQL()
    if changed_only:
        changed = SQL(
            " AND (%s) IS DISTINCT FROM (%s)",
            SQL(", ").join(SQL.identifier("t", n) for n in names),
            _names(names, "v"),
        )
    assignments = [SQL("%s = v.%s", SQL.identifier(n), SQL.identifier(n)) for n in names]
    if audit:
        assignments += [SQL("write_uid = %s", env.uid), SQL("write_date = %s", _NOW)]
    assignments += list(extra or ())
    env.execute_query(
        SQL(
            "UPDATE %s t SET %s FROM %s WHERE t.%s = v.%s%s",
            SQL.identifier(table),
            SQL(", ").join(assignments),
            unnest(columns),
            SQL.identifier(key),
            SQL.identifier(key),
            changed,
        )
    )
    invalidate(env, model, [*names, *(["write_uid", "write_date"] if audit else [])])
    return env.cr.rowcount


def clear(env, model, fields, ids, extra=None):
    """Set ``fields`` to NULL on the rows ``ids`` (figures of documents that left the
    scope); ``extra`` as in :func:`update`."""
    if not len(ids):
        return
    env.execute_query(
        SQL(
            "UPDATE %s SET %s WHERE id = ANY(%s)",
            SQL.identifier(env[model]._table),
            SQL(", ").join(
                [*(SQL("%s = NULL", SQL.identifier(n)) for n in fields), *(extra or ())]
            ),
            array([int(i) for i in ids], "int4"),
        )
    )
    invalidate(env, model, fields)


def delete(env, model, scope):
    """Delete the rows of ``scope`` (an SQL condition on the table)."""
    env.execute_query(SQL("DELETE FROM %s WHERE %s", SQL.identifier(env[model]._table), scope))
    invalidate(env, model)
