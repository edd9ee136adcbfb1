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

from ..store import ddl


class ArItemClosing(models.AbstractModel):
    _name = "ar.item.closing"
    _description = "Closing dates of receivable items"

    @api.private
    def init(self):
        """At install and upgrade: the table, its function and triggers, and its rows
        computed anew (an upgrade also repairs what bypassed the triggers)."""
        self._drop()
        self.env.flush_all()
        ddl.run(self.env.cr, "item_closing_create")
        self._fill()
        ddl.run(self.env.cr, "item_closing_triggers")

    def _fill(self):
        """Every row, into the empty table (the caller flushed the ORM's writes)."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO ar_item_closing (line_id, company_id, date, closed_on) %s",
                SQL(ddl.script("item_closing_rows")),
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
        ddl.run(self.env.cr, "item_closing_drop")

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
