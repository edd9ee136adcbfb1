import dataclasses
from typing import NamedTuple

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, formatLang

from ..engine import credit_rules
from ..store import ddl
from .ar_security import MANAGER_GROUP


class CustomerFigures(NamedTuple):
    """What the credit rules read of one customer (see ``ArCreditRules._figures``)."""

    limit: float = 0.0
    credit: float = 0.0
    grade: str | None = None
    past_due: tuple = ()
    to_invoice: bool = False


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
        ``store/sql/credit_figures.sql``) before their exposure is read. Returns
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
        holds = self._dunning_holds(company, partners.ids)
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
                dunning_hold=holds.get(pid),
            )
            findings = credit_rules.evaluate(policy, facts)
            if findings and callable(paid) and paid():
                facts = dataclasses.replace(facts, paid_in_advance=True)
                findings = credit_rules.evaluate(policy, facts)
            result[request["key"]] = (facts, findings)
        return result

    @api.model
    def _dunning_holds(self, company, partner_ids):
        """{customer id: name of the dunning level that holds its new orders}."""
        states = (
            self.env["ar.dunning.state"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", partner_ids),
                    ("hold", "=", True),
                ]
            )
        )
        return {state.partner_id.id: state.level_id.name for state in states}

    @api.model
    def _figures(self, company, contacts, limits=True, grades=True, past_due=True, lock=False):
        """``{contact id: (customer id, CustomerFigures)}`` of the ``contacts``' customers
        (commercial partners) in ``company``, read by the database function
        ``ar_credit_figures`` (``store/sql/credit_figures.sql``: one call, its plan kept by
        the database session):

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
        """(Re)create the database function ``ar_credit_figures`` (at install and upgrade)."""
        ddl.run(self.env.cr, "credit_figures")

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
            credit_rules.RULE_DUNNING: self.env._("Dunning"),
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

        if finding.rule == credit_rules.RULE_LIMIT:
            return self._explain_limit(finding.figures, money, new_order)
        if finding.rule == credit_rules.RULE_OVERDUE:
            return self._explain_overdue(finding.figures, money)
        if finding.rule == credit_rules.RULE_DUNNING:
            return (
                self.env._(
                    "The customer reached the dunning level %(level)s, which holds new orders.",
                    level=finding.figures["level"],
                ),
                self.env._(
                    "collect the overdue items: the hold ends when the customer is back "
                    "below that level."
                ),
            )
        return self._explain_grade(finding, money, new_order)

    @api.model
    def _explain_limit(self, fig, money, new_order):
        if new_order:
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

    @api.model
    def _explain_overdue(self, fig, money):
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

    @api.model
    def _explain_grade(self, finding, money, new_order):
        fig = finding.figures
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
