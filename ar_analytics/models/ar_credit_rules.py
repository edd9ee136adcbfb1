import dataclasses
from typing import NamedTuple

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, formatLang

from ..engine import credit_rules

MANAGER_GROUP = "ar_analytics.group_ar_analytics_credit_manager"
#: who reads receivables figures (scores, behaviour, aging) and prints the reports
FIGURE_GROUPS = (
    "account.group_account_invoice,account.group_account_readonly,"
    "ar_analytics.group_ar_analytics_user"
)
#: who sees grades, tiers and credit verdicts (every internal user, salespeople included)
VERDICT_GROUPS = "base.group_user"
#: who may recompute stored figures (the "Recompute receivables figures" actions)
REFRESH_GROUPS = "account.group_account_invoice,ar_analytics.group_ar_analytics_user"


#: What the credit rules read of the customers of some contacts, in one call of a database
#: function: PL/pgSQL keeps the plan of its statement for the database session
#: (``force_generic_plan``), which saves the planning of a statement of this size (about
#: 1 ms, most of the check's time on the database) at every confirmation, and works
#: behind connection poolers (unlike a prepared statement). Parameters: the contacts, the
#: company, the company's tree (core's ``credit`` counts the branches), today, the JSON key
#: and default of the company-dependent credit limit, whether the limit rule applies, and
#: whether to serialise the customers with a limit (Odoo's transactions run in REPEATABLE
#: READ: a concurrent confirmation for the same customer must not read an exposure that
#: misses this one; writing the same ``ar_credit_lock`` row makes the second transaction
#: wait for the first, then fail with a serialization error, and Odoo retries it with a
#: fresh snapshot in which the first order counts).
FIGURES_FUNCTION = """
CREATE FUNCTION ar_credit_figures(
    p_contacts int4[], p_company int4, p_companies int4[], p_today date,
    p_limit_key text, p_limit_default float8, p_limits bool, p_lock bool)
RETURNS TABLE (contact_id int4, partner_id int4, credit_limit float8, credit numeric,
               grade varchar, days int4[], open numeric[], to_invoice bool)
LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $ar$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH c AS (
        SELECT rp.id AS contact_id, COALESCE(rp.commercial_partner_id, rp.id) AS partner_id
          FROM res_partner rp
         WHERE rp.id = ANY(p_contacts)
    ), p AS (
        SELECT cp.id,
               CASE WHEN p_limits
                    THEN COALESCE((cp.credit_limit->>p_limit_key)::float8, p_limit_default, 0)
                    ELSE 0 END AS credit_limit
          FROM res_partner cp
         WHERE cp.id IN (SELECT c.partner_id FROM c)
    ), lock AS (
        INSERT INTO ar_credit_lock (company_id, partner_id, checks)
        SELECT p_company, p.id, 1 FROM p WHERE p_lock AND p.credit_limit > 0 ORDER BY p.id
            ON CONFLICT (company_id, partner_id)
            DO UPDATE SET checks = ar_credit_lock.checks + 1
        RETURNING ar_credit_lock.partner_id
    ), r AS (
        SELECT l.partner_id,
               SUM(l.amount_residual) AS credit,
               ARRAY_AGG(p_today - COALESCE(l.date_maturity, l.date) ORDER BY l.id)
                   FILTER (WHERE l.amount_residual > 0
                             AND COALESCE(l.date_maturity, l.date) < p_today) AS days,
               ARRAY_AGG(l.amount_residual ORDER BY l.id)
                   FILTER (WHERE l.amount_residual > 0
                             AND COALESCE(l.date_maturity, l.date) < p_today) AS open
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
         WHERE l.partner_id IN (SELECT p.id FROM p)
           AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
           AND l.reconciled IS NOT TRUE AND l.company_id = ANY(p_companies)
         GROUP BY l.partner_id
    )
    SELECT c.contact_id, p.id, p.credit_limit, COALESCE(r.credit, 0), s.grade, r.days, r.open,
           p.credit_limit > 0 AND EXISTS (
               SELECT 1
                 FROM sale_order so
                 JOIN res_partner ip ON ip.id = so.partner_invoice_id
                WHERE ip.commercial_partner_id = p.id AND so.company_id = p_company
                  AND so.state = 'sale'
                  AND EXISTS (SELECT 1 FROM sale_order_line sol
                               WHERE sol.order_id = so.id
                                 AND sol.untaxed_amount_to_invoice > 0))
      FROM c
      JOIN p ON p.id = c.partner_id
 LEFT JOIN r ON r.partner_id = p.id
 LEFT JOIN ar_customer_stat s ON s.partner_id = p.id AND s.company_id = p_company;
END
$ar$
"""


class CustomerFigures(NamedTuple):
    """What the credit rules read of one customer (see ``ArCreditRules._figures``)."""

    limit: float = 0.0
    credit: float = 0.0
    grade: str | None = None
    past_due: tuple = ()
    to_invoice: bool = False


def check_groups(env, groups, message):
    """Raise AccessError(message) unless the user (or the superuser) belongs to one of the
    comma-separated ``groups``: for methods reachable by RPC whose ACLs do not say it."""
    if not env.su and not env.user.has_groups(groups):
        raise AccessError(message)


class ArCreditRules(models.AbstractModel):
    """The company's credit rules applied to documents (sales orders, customer invoices).

    Facts come from the amounts core's credit warning shows (``credit``,
    ``credit_to_invoice``, ``credit_limit`` of the commercial partner in the document's
    company), the stored credit grade and the customer's open items past due today; the
    pure engine (``engine/credit_rules.py``) decides, this model words the verdict.
    """

    _name = "ar.credit.rules"
    _description = "Receivables credit rules"

    @api.model
    def _evaluate(self, company, requests, lock=False):
        """Findings for documents of one ``company``.

        ``requests``: dicts with ``key``, ``partner`` (any contact of the customer),
        ``amount`` (the document in company currency), ``paid_in_advance`` (a bool, or a
        function asked only when a rule would block the document: a document paid in
        advance is never blocked) and ``to_invoice_offset`` (part of ``credit_to_invoice``
        the document replaces).
        With ``lock``, the customers whose credit limit applies are serialised (see
        :data:`FIGURES_FUNCTION`) before their exposure is read. Returns
        ``{key: (facts, findings)}``.
        """
        if not requests:
            return {}
        policy = company._ar_credit_policy()
        contacts = self.env["res.partner"].union(*(request["partner"] for request in requests))
        found = self._figures(
            company,
            contacts,
            limits=policy.limit_on,
            grades=policy.grade_on,
            past_due=policy.grade_on or policy.overdue_on,
            lock=lock,
        )
        customer_of = {contact_id: pid for contact_id, (pid, _figures) in found.items()}
        figures = dict(found.values())
        partners = self.env["res.partner"].browse(sorted(figures)).with_company(company).sudo()
        to_invoice = dict.fromkeys(partners.ids, 0.0)
        # core's amount, computed only for customers with a credit limit and something to
        # invoice on a confirmed order (core's own condition): 0 for the others
        limited = partners.filtered(lambda p: figures[p.id].to_invoice)
        if limited:
            # never a cached amount: an order confirmed earlier in this transaction (the
            # previous order of a batch) must count
            limited.invalidate_recordset(["credit_to_invoice"])
            to_invoice.update({partner.id: partner.credit_to_invoice for partner in limited})
        currency = company.currency_id
        result = {}
        for request in requests:
            pid = customer_of[request["partner"].id]
            paid = request.get("paid_in_advance", False)
            customer = figures[pid]
            facts = credit_rules.CreditFacts(
                amount=currency.round(request["amount"]),
                limit=currency.round(customer.limit),
                credit=currency.round(customer.credit),
                credit_to_invoice=currency.round(
                    to_invoice[pid] - request.get("to_invoice_offset", 0.0)
                ),
                paid_in_advance=paid if isinstance(paid, bool) else False,
                grade=customer.grade,
                past_due=customer.past_due,
            )
            findings = credit_rules.evaluate(policy, facts)
            if findings and callable(paid) and paid():
                facts = dataclasses.replace(facts, paid_in_advance=True)
                findings = credit_rules.evaluate(policy, facts)
            result[request["key"]] = (facts, findings)
        return result

    @api.model
    def _figures(self, company, contacts, limits=True, grades=True, past_due=True, lock=False):
        """``{contact id: (customer id, CustomerFigures)}`` of the ``contacts``' customers
        (commercial partners) in ``company``, read by the database function
        :data:`FIGURES_FUNCTION` (one call, its plan kept by the database session):

        - ``limit``: the customer's credit limit in the company (core's company-dependent
          ``credit_limit``, the company's default when unset); 0 without ``limits``;
        - ``credit``: core's ``res.partner.credit`` (the same lines and sum as
          ``_credit_debit_get``: posted, unreconciled receivable lines of the partner in the
          company and its branches), read fresh, never from a cache; 0 without ``limits``;
        - ``grade``: the stored credit grade (overrides included), None when unrated;
        - ``past_due``: ``((days past due, open amount), ...)`` of the open receivable
          items due before today, in company currency;
        - ``to_invoice``: the customer has a limit and a confirmed order of the company
          invoiced to it has a line with an untaxed amount to invoice (the orders core's
          ``credit_to_invoice`` adds up).

        With ``lock``, the customers with a credit limit are serialised first, in the same
        call.
        """
        partners = self.env["res.partner"].with_company(company).sudo()
        self.env["account.move.line"].flush_model(
            [
                "account_id",
                "amount_residual",
                "company_id",
                "parent_state",
                "partner_id",
                "reconciled",
                "date",
                "date_maturity",
            ]
        )
        self.env["account.account"].flush_model(["account_type"])
        self.env["ar.customer.stat"].flush_model(["grade", "partner_id", "company_id"])
        partners.flush_model(["commercial_partner_id", "credit_limit"])
        if limits:
            self.env["sale.order"].flush_model(["company_id", "partner_invoice_id", "state"])
            self.env["sale.order.line"].flush_model(["order_id", "untaxed_amount_to_invoice"])
        default_limit = partners._fields["credit_limit"].get_company_dependent_fallback(partners)
        rows = self.env.execute_query(
            SQL(
                "SELECT * FROM ar_credit_figures(%s::int4[], %s, %s::int4[], %s::date, %s, %s,"
                " %s, %s)",
                contacts.ids,
                company.id,
                list(company._ar_tree_ids()),
                fields.Date.context_today(self),
                str(company.id),
                default_limit or 0.0,
                bool(limits),
                bool(lock and limits),
            )
        )
        return {
            contact_id: (
                pid,
                CustomerFigures(
                    limit=credit_limit,
                    credit=amount if limits else 0.0,
                    grade=(grade or None) if grades else None,
                    past_due=(tuple(zip(days, amounts, strict=True)) if past_due and days else ()),
                    to_invoice=to_invoice,
                ),
            )
            for contact_id, pid, credit_limit, amount, grade, days, amounts, to_invoice in rows
        }

    @api.model
    def _create_figures_function(self):
        """(Re)create :data:`FIGURES_FUNCTION` (at install and upgrade)."""
        self._drop_figures_function()
        self.env.cr.execute(SQL(FIGURES_FUNCTION))

    @api.model
    def _drop_figures_function(self):
        """Odoo removes an addon's tables at uninstall, not its functions."""
        self.env.cr.execute(SQL("DROP FUNCTION IF EXISTS ar_credit_figures"))

    # wording ---------------------------------------------------------------------------

    @api.model
    def _rule_label(self, finding):
        labels = {
            credit_rules.RULE_LIMIT: self.env._("Credit limit"),
            credit_rules.RULE_OVERDUE: self.env._("Overdue items"),
        }
        if finding.rule in labels:
            return labels[finding.rule]
        grade = finding.figures.get("grade") or self.env._("unrated")
        return self.env._("Credit grade %(grade)s", grade=grade)

    @api.model
    def _explain(self, company, finding, new_order=False):
        """(what blocks, what would unblock it) for one finding, in the user's language.
        The rule's label (``_rule_label``) precedes it: the text does not name the rule
        again. ``new_order``: any new order of the customer, not a document (no amount)."""

        def money(amount):
            return formatLang(self.env, amount, currency_obj=company.currency_id)

        fig = finding.figures
        if finding.rule == credit_rules.RULE_LIMIT and new_order:
            # checked with the smallest amount: the exposure already reaches the limit
            return (
                self.env._(
                    "The exposure %(exposure)s (open receivables %(credit)s + confirmed "
                    "orders not invoiced %(to_invoice)s) has reached the limit of %(limit)s: "
                    "any new order would exceed it.",
                    exposure=money(fig["credit"] + fig["credit_to_invoice"]),
                    credit=money(fig["credit"]),
                    to_invoice=money(fig["credit_to_invoice"]),
                    limit=money(fig["limit"]),
                ),
                self.env._(
                    "collect part of the open receivables, raise the limit, or have the "
                    "order paid in advance."
                ),
            )
        if finding.rule == credit_rules.RULE_LIMIT:
            return (
                self.env._(
                    "Exposure after this order %(exposure)s exceeds the limit of %(limit)s "
                    "by %(excess)s (open receivables %(credit)s + confirmed orders not "
                    "invoiced %(to_invoice)s + this document %(amount)s).",
                    exposure=money(fig["exposure"]),
                    limit=money(fig["limit"]),
                    excess=money(fig["excess"]),
                    credit=money(fig["credit"]),
                    to_invoice=money(fig["credit_to_invoice"]),
                    amount=money(fig["amount"]),
                ),
                self.env._(
                    "collect at least %(excess)s, reduce the order, raise the limit, or have "
                    "it paid in advance.",
                    excess=money(fig["excess"]),
                ),
            )
        if finding.rule == credit_rules.RULE_OVERDUE:
            reasons = []
            if fig["too_old"]:
                reasons.append(
                    self.env._(
                        "the oldest open item is %(dpd)s days past due (limit %(days)s days; "
                        "%(beyond)s is more than %(days)s days past due)",
                        dpd=fig["max_days_past_due"],
                        days=fig["days"],
                        beyond=money(fig["amount_beyond"]),
                    )
                )
            if fig["too_much"]:
                reasons.append(
                    self.env._(
                        "%(total)s is past due in total (limit %(max)s)",
                        total=money(fig["past_due_amount"]),
                        max=money(fig["max_amount"]),
                    )
                )
            # the label says "Overdue items": the reasons alone, as a sentence
            reasons = "; ".join(reasons)
            return (
                self.env._("%(reasons)s.", reasons=reasons[:1].upper() + reasons[1:]),
                self.env._("collect what is past due, or have the order paid in advance."),
            )
        # the label names the grade ("Credit grade C"): the texts below do not repeat it
        if finding.action == credit_rules.ACTION_APPROVAL:
            return (
                self.env._("Every order needs a credit manager's approval."),
                self.env._("ask a credit manager to approve it (Request credit approval)."),
            )
        if finding.action == credit_rules.ACTION_PREPAY:
            if new_order:
                problem = self.env._(
                    "Customers of this grade pay in advance: a new order must be paid in "
                    "full before it is confirmed."
                )
            else:
                problem = self.env._(
                    "Customers of this grade pay in advance: this document (%(amount)s) is "
                    "not paid.",
                    amount=money(fig["amount"]),
                )
            return (
                problem,
                self.env._(
                    "have the customer pay the full amount online before confirmation (send "
                    "the quotation with online payment)."
                ),
            )
        return (
            self.env._(
                "New orders are held while an item is more than %(days)s days past due; the "
                "oldest is %(dpd)s days past due.",
                days=fig["days"],
                dpd=fig["max_days_past_due"],
            ),
            self.env._(
                "collect the %(beyond)s that is more than %(days)s days past due.",
                beyond=money(fig["amount_beyond"]),
                days=fig["days"],
            ),
        )

    @api.model
    def _message(self, company, document, partner, findings, html=False, footer=None):
        """The verdict on ``document`` (its display name; None: any new order of the
        customer) as text or HTML, ending with ``footer`` (default: who can override)."""
        new_order = document is None
        if new_order:
            header = self.env._(
                "A new order for %(partner)s would be blocked by %(company)s's credit rules:",
                partner=partner.commercial_partner_id.display_name,
                company=company.name,
            )
        else:
            header = self.env._(
                "%(document)s for %(partner)s breaks %(company)s's credit rules:",
                document=document,
                partner=partner.commercial_partner_id.display_name,
                company=company.name,
            )
        if footer is None:
            footer = self.env._("A credit manager can override the rules with a reason.")
        lines = []
        for finding in findings:
            problem, remedy = self._explain(company, finding, new_order=new_order)
            lines.append((self._rule_label(finding), problem, remedy))
        if not html:
            body = "\n".join(
                self.env._(
                    "- %(rule)s: %(problem)s To unblock: %(remedy)s",
                    rule=rule,
                    problem=problem,
                    remedy=remedy,
                )
                for rule, problem, remedy in lines
            )
            return f"{header}\n{body}\n{footer}"
        items = Markup("").join(
            Markup("<li><strong>%s:</strong> %s <em>%s %s</em></li>")
            % (rule, problem, self.env._("To unblock:"), remedy)
            for rule, problem, remedy in lines
        )
        return Markup("<p>%s</p><ul>%s</ul><p>%s</p>") % (header, items, footer)

    @api.model
    def _rules_summary(self, findings):
        return ", ".join(self._rule_label(finding) for finding in findings)

    @api.model
    def _hold(self, document, company, findings, origin):
        """A blocked confirmation that nobody is looking at (portal, online payment): keep
        the document as it is, explain why in its chatter and give the salesperson and the
        internal followers a to-do activity (the company's credit managers if nobody)."""
        partner = document.partner_id
        message = self._message(company, document.display_name, partner, findings, html=True)
        document.message_post(
            body=Markup("<p>%s</p>%s")
            % (
                self.env._(
                    "Not confirmed (%(origin)s): the credit rules block this order.",
                    origin=origin,
                ),
                message,
            ),
            subtype_xmlid="mail.mt_note",
        )
        users = document.user_id | document.message_partner_ids.user_ids
        users = users.filtered(lambda user: not user.share and user.active)
        if not users:
            users = self._credit_managers(company)
        summary = self.env._("Credit rules block %(document)s", document=document.display_name)
        for user in users:
            document.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=message,
                user_id=user.id,
            )
        return users

    @api.model
    def _credit_managers(self, company):
        group = self.env.ref(MANAGER_GROUP)
        return (
            group.sudo()
            .all_user_ids.filtered(
                lambda user: not user.share and user.active and company in user.company_ids
            )
            .sorted("id")
        )
