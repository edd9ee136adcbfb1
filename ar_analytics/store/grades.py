"""The effective credit grade of stored customer figures: a valid override, else the computed
grade (the refresh after it writes the computed grades, an override when it is set or removed)."""

from odoo.tools import SQL

from . import writer

EFFECTIVE_GRADE = SQL(
    "CASE WHEN grade_override IS NOT NULL AND (grade_override_expiry IS NULL"
    " OR grade_override_expiry >= CURRENT_DATE) THEN grade_override ELSE computed_grade END"
)


def apply_grades(env, scope):
    """Set the effective grade (a valid override, else the computed grade) of the customer
    figures of ``scope`` (an SQL condition on ``ar_customer_stat``). Returns the changes as
    (partner id, old grade, new grade)."""
    env["ar.customer.stat"].flush_model()
    changes = env.execute_query(
        SQL(
            """
        WITH changed AS (
            SELECT id, grade AS old_grade, %(effective)s AS new_grade
              FROM ar_customer_stat WHERE %(scope)s AND grade IS DISTINCT FROM %(effective)s
        )
        UPDATE ar_customer_stat s SET grade = changed.new_grade
          FROM changed WHERE s.id = changed.id
        RETURNING s.partner_id, changed.old_grade, changed.new_grade
        """,
            effective=EFFECTIVE_GRADE,
            scope=scope,
        )
    )
    writer.invalidate(env, "ar.customer.stat", ["grade"])
    return changes
