"""The date on which each posted receivable line was settled in full: the index through which
the aged receivables find the items open at a past date (docs/dev/closing_dates.md).

A line open at a date D is a line dated up to D that is not reconciled today, or that a partial
reconciliation dated after D settled: the lines whose closing date (the latest date of their
partials once they are reconciled, NULL before) is NULL or after D. PostgreSQL triggers on the
lines, the partials and the accounts keep the table in step with every write, whoever makes it
(the ORM, an import in SQL, another addon); the report still computes each candidate's residual
at D from the partials, so the table only narrows the lines it reads."""

from odoo import api, models
from odoo.tools import SQL

TABLE = "ar_item_closing"

# (re)computes the rows of the given lines from their current state: present for a posted
# receivable line, with its closing date; absent otherwise
SYNC_FUNCTION = """
CREATE FUNCTION ar_item_closing_sync(ids int4[]) RETURNS void
LANGUAGE plpgsql AS $body$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM ar_item_closing c
     WHERE c.line_id = ANY(ids)
       AND NOT EXISTS (SELECT FROM account_move_line l
                         JOIN account_account a ON a.id = l.account_id
                        WHERE l.id = c.line_id AND l.parent_state = 'posted'
                          AND a.account_type = 'asset_receivable');
    INSERT INTO ar_item_closing (line_id, company_id, date, closed_on)
    SELECT l.id, l.company_id, l.date,
           CASE WHEN l.reconciled THEN
               (SELECT max(p.max_date) FROM account_partial_reconcile p
                 WHERE p.debit_move_id = l.id OR p.credit_move_id = l.id)
           END
      FROM account_move_line l
      JOIN account_account a ON a.id = l.account_id
     WHERE l.id = ANY(ids) AND l.parent_state = 'posted'
       AND a.account_type = 'asset_receivable'
        ON CONFLICT (line_id) DO UPDATE
       SET company_id = EXCLUDED.company_id, date = EXCLUDED.date,
           closed_on = EXCLUDED.closed_on
     WHERE (ar_item_closing.company_id, ar_item_closing.date, ar_item_closing.closed_on)
           IS DISTINCT FROM (EXCLUDED.company_id, EXCLUDED.date, EXCLUDED.closed_on);
END
$body$
"""

# statement triggers (one call per statement, with the rows it wrote): their PL/pgSQL bodies
TRIGGER_FUNCTIONS = {
    "ar_item_closing_lines_inserted": """
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(SELECT id FROM ar_new WHERE parent_state = 'posted'));
    RETURN NULL;
END""",
    # only the lines whose state, account, date, company or reconciliation changed
    "ar_item_closing_lines_updated": """
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(
        SELECT n.id FROM ar_new n JOIN ar_old o ON o.id = n.id
         WHERE (n.parent_state, n.account_id, n.date, n.company_id, n.reconciled)
               IS DISTINCT FROM
               (o.parent_state, o.account_id, o.date, o.company_id, o.reconciled)));
    RETURN NULL;
END""",
    "ar_item_closing_partials_written": """
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(
        SELECT debit_move_id FROM ar_new UNION SELECT credit_move_id FROM ar_new));
    RETURN NULL;
END""",
    "ar_item_closing_partials_deleted": """
BEGIN
    PERFORM ar_item_closing_sync(ARRAY(
        SELECT debit_move_id FROM ar_old UNION SELECT credit_move_id FROM ar_old));
    RETURN NULL;
END""",
    # an account that becomes (or stops being) receivable: its lines, looked up only then
    "ar_item_closing_account_retyped": """
DECLARE
    retyped int4[] := ARRAY(
        SELECT n.id FROM ar_new n JOIN ar_old o ON o.id = n.id
         WHERE n.account_type IS DISTINCT FROM o.account_type);
BEGIN
    IF cardinality(retyped) > 0 THEN
        PERFORM ar_item_closing_sync(ARRAY(
            SELECT id FROM account_move_line WHERE account_id = ANY(retyped)));
    END IF;
    RETURN NULL;
END""",
}

TRIGGERS = (
    # (trigger, event, table, transition tables, function)
    ("ar_item_closing_line_insert", "INSERT", "account_move_line", "NEW TABLE AS ar_new",
     "ar_item_closing_lines_inserted"),
    ("ar_item_closing_line_update", "UPDATE", "account_move_line",
     "NEW TABLE AS ar_new OLD TABLE AS ar_old", "ar_item_closing_lines_updated"),
    ("ar_item_closing_partial_insert", "INSERT", "account_partial_reconcile",
     "NEW TABLE AS ar_new", "ar_item_closing_partials_written"),
    ("ar_item_closing_partial_update", "UPDATE", "account_partial_reconcile",
     "NEW TABLE AS ar_new", "ar_item_closing_partials_written"),
    ("ar_item_closing_partial_delete", "DELETE", "account_partial_reconcile",
     "OLD TABLE AS ar_old", "ar_item_closing_partials_deleted"),
    ("ar_item_closing_account_update", "UPDATE", "account_account",
     "NEW TABLE AS ar_new OLD TABLE AS ar_old", "ar_item_closing_account_retyped"),
)  # fmt: skip

# every posted receivable line with its closing date, in one pass over the lines and one over
# the partials (install, upgrade, rebuild; the tests' computation from scratch)
CLOSING_ROWS = """
SELECT l.id, l.company_id, l.date, CASE WHEN l.reconciled THEN closing.closed_on END
  FROM account_move_line l
  JOIN account_account a ON a.id = l.account_id
  LEFT JOIN (SELECT side.line_id, max(p.max_date) AS closed_on
               FROM account_partial_reconcile p
              CROSS JOIN LATERAL (VALUES (p.debit_move_id), (p.credit_move_id))
                    AS side(line_id)
              GROUP BY side.line_id) closing ON closing.line_id = l.id
 WHERE l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
"""


class ArItemClosing(models.AbstractModel):
    _name = "ar.item.closing"
    _description = "Closing dates of receivable items"

    @api.private
    def init(self):
        """At install and upgrade: the table, its function and triggers, and its rows
        computed anew (an upgrade also repairs what bypassed the triggers)."""
        self._drop()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            CREATE TABLE ar_item_closing (
                line_id int4 PRIMARY KEY
                        REFERENCES account_move_line (id) ON DELETE CASCADE,
                company_id int4 NOT NULL,
                date date NOT NULL,
                closed_on date
            );
            COMMENT ON TABLE ar_item_closing IS
                'ar_analytics: closing date of each posted receivable line (kept by triggers)'
            """
            )
        )
        cr.execute(SQL(SYNC_FUNCTION))
        for name, body in TRIGGER_FUNCTIONS.items():
            cr.execute(
                SQL(
                    "CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $body$ %s $body$",
                    SQL.identifier(name),
                    SQL(body),
                )
            )
        self._fill()
        cr.execute(
            SQL(
                "CREATE INDEX ar_item_closing_open "
                "ON ar_item_closing (company_id, closed_on, date) INCLUDE (line_id)"
            )
        )
        for trigger, event, table, transition, function in TRIGGERS:
            cr.execute(
                SQL(
                    "CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s "
                    "FOR EACH STATEMENT EXECUTE FUNCTION %s()",
                    SQL.identifier(trigger),
                    SQL(event),
                    SQL.identifier(table),
                    SQL(transition),
                    SQL.identifier(function),
                )
            )

    def _fill(self):
        """Every row, into the empty table (the caller flushed the ORM's writes)."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO ar_item_closing (line_id, company_id, date, closed_on) %s",
                SQL(CLOSING_ROWS),
            )
        )
        self.env.cr.execute(SQL("ANALYZE ar_item_closing"))

    @api.model
    def _rebuild(self):
        """Every row computed anew (after writes that bypassed the triggers, e.g. an import
        with ``session_replication_role = replica``)."""
        self.env.flush_all()  # pending writes reach the triggers before the table is emptied
        self.env.cr.execute(SQL("TRUNCATE ar_item_closing"))
        self._fill()

    @api.model
    def _drop(self):
        """The table, triggers and functions (upgrade, and the uninstall hook: Odoo removes
        an addon's models' tables, not this one nor functions and triggers)."""
        cr = self.env.cr
        for trigger, _event, table, _transition, _function in TRIGGERS:
            cr.execute(
                SQL(
                    "DROP TRIGGER IF EXISTS %s ON %s",
                    SQL.identifier(trigger),
                    SQL.identifier(table),
                )
            )
        for name in TRIGGER_FUNCTIONS:
            cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(name)))
        cr.execute(SQL("DROP FUNCTION IF EXISTS ar_item_closing_sync(int4[])"))
        cr.execute(SQL("DROP TABLE IF EXISTS ar_item_closing"))

    @api.model
    def _open_at(self, company, as_of):
        """The ids of the company's posted receivable lines that may be open at ``as_of``
        (dated up to it, not closed by then): a superset of the open items, whose residual
        at ``as_of`` the caller computes."""
        for model in ("account.move.line", "account.partial.reconcile", "account.account"):
            self.env[model].flush_model()  # what the triggers have not seen yet
        rows = self.env.execute_query(
            SQL(
                "SELECT line_id FROM ar_item_closing WHERE company_id = %s AND date <= %s "
                "AND (closed_on IS NULL OR closed_on > %s) ORDER BY line_id",
                company.id,
                as_of,
                as_of,
            )
        )
        return [row[0] for row in rows]
