"""The dunning run: read the open items and the reminder log, let the engine decide each
customer's level (``engine.dunning.decide``), store the states, and send what is due: emails
through the mail queue and the customer's chatter, letters to print, calls and escalations as
activities. Every reminder and its items are written in the transaction that queues its email,
so a run that dies sends nothing it has not logged."""

import logging

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from ..engine import dunning
from ..store import dunning as stored
from .ar_dunning_level import ACTION_FIELDS
from .ar_security import REFRESH_GROUPS, check_groups

_logger = logging.getLogger(__name__)

#: an advisory lock key per company: one run at a time
LOCK_KEY = 0x41524455  # "ARDU"
#: customers per transaction of the daily job
BATCH = 200


class ArDunningRun(models.AbstractModel):
    _name = "ar.dunning.run"
    _description = "Dunning run"

    # -- decide ------------------------------------------------------------------------------
    @api.model
    def _levels(self, company):
        return self.env["ar.dunning.level"].search(
            [("company_id", "=", company.id)], order="days, id"
        )

    @api.model
    def _settings(self, company):
        return dunning.Settings(
            grade_offsets={g: company[f"ar_dunning_offset_{g.lower()}"] for g in "ABCD"},
            call_first_tiers=tuple(
                tier
                for tier in ("core", "important", "general")
                if company[f"ar_dunning_call_{tier}"]
            ),
        )

    @api.model
    def _plan(self, company, run_date):
        """What each customer of ``company`` reached at ``run_date`` and what is due to it:
        a dict with the ``levels`` (records, in order), the engine's ``customers`` and
        ``lines``, and the customers' ``states`` read (collector, state id)."""
        run_date = fields.Date.to_date(run_date)
        levels = self._levels(company)
        settled, _params = self.env["ar.refresh"]._open_items(company, run_date)
        items = settled[list(dunning.ITEM_COLUMNS)].copy()
        reminded = stored.reminded(self.env, company, items["item_id"].tolist())
        items["reminded_days"] = reminded["days"].reindex(items["item_id"]).to_numpy()
        items["reminded_on"] = reminded["date"].reindex(items["item_id"]).to_numpy()
        dispute = self.env.ref("ar_analytics.ar_overdue_reason_dispute", raise_if_not_found=False)
        items["excluded"] = items["move_id"].isin(stored.disputed_moves(self.env, company, dispute))
        pending, broken = stored.promises(self.env, company, run_date)
        items["promise_until"] = pending.reindex(items["move_id"]).to_numpy()
        items["broken_on"] = broken.reindex(items["move_id"]).to_numpy()
        partners = sorted(
            set(items["partner_id"]) - {0} | set(stored.stated_partners(self.env, company))
        )
        items = items.loc[items["partner_id"] != 0]
        states = stored.customers(self.env, company, partners)
        frame = (
            pd.DataFrame(levels._frame_rows())
            if levels
            else pd.DataFrame({"days": [], **{name: [] for name in ACTION_FIELDS}})
        )
        out, lines = dunning.decide(items, states, frame, run_date, self._settings(company))
        return {
            "date": run_date,
            "levels": levels,
            "customers": out,
            "lines": lines,
            "states": states,
        }

    @api.model
    def _next_actions(self, plan, sent=False):
        """Each customer's next action: the engine's once sent (``sent``), today while a
        communication waits; a collector's follow-up date wins."""
        out, states = plan["customers"], plan["states"]
        run_date = pd.Timestamp(plan["date"])
        next_action = out["next_action_date"]
        if not sent:
            next_action = next_action.where(~out["send"], run_date)
        follow_up = states["follow_up"].reindex(out.index)
        return next_action.where(~(follow_up >= run_date), follow_up)

    @api.model
    def _store_states(self, company, plan):
        """Write every customer's state: level reached, amounts, next action, hold."""
        out, levels, states = plan["customers"], plan["levels"], plan["states"]
        ids = np.array([0, *levels.ids])
        holding = np.maximum.accumulate(np.array([False, *levels.mapped("hold")]))
        # held once told so (a level that holds was sent), while still at such a level
        last_days = states["last_days"].reindex(out.index)
        sent = np.searchsorted(np.array(levels.mapped("days")), last_days.fillna(-(10**6)), "right")
        frame = out.assign(
            partner_id=out.index,
            next_action_date=self._next_actions(plan),
            level_id=pd.Series(ids[out["level"].to_numpy()], index=out.index).replace(0, np.nan),
            hold=holding[out["level"].to_numpy()] & holding[sent],
            grade=states["grade"].reindex(out.index),
            tier=states["tier"].reindex(out.index),
            collector_id=states["collector_id"].reindex(out.index),
        )
        stored.write_states(self.env, company, frame)

    # -- send --------------------------------------------------------------------------------
    @api.model
    def _lock(self, company):
        """Take the company's run lock for this transaction, or False if a run holds it."""
        row = self.env.execute_query(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", LOCK_KEY, company.id)
        )
        return row[0][0]

    @api.model
    def _due(self, plan, partner_ids=None, automatic=False):
        """The customers due a communication, optionally only ``partner_ids`` or only those
        whose level is sent automatically."""
        out = plan["customers"]
        due = out.loc[out["send"]]
        if partner_ids is not None:
            due = due.loc[due.index.isin(partner_ids)]
        if automatic:
            auto = np.array([False, *plan["levels"].mapped("auto")])
            due = due.loc[auto[due["send_level"].to_numpy()]]
        return due

    @api.model
    def _send(self, company, run_date, plan, partner_ids=None, automatic=False):
        """Log and send the communications due (``_due``); returns the reminders."""
        due = self._due(plan, partner_ids, automatic)
        if due.empty:
            return self.env["ar.dunning.reminder"]
        self._store_states(company, plan)
        states = self.env["ar.dunning.state"].search(
            [("company_id", "=", company.id), ("partner_id", "in", due.index.tolist())]
        )
        by_partner = {state.partner_id.id: state for state in states}
        reminders = self._log(company, run_date, plan, due, by_partner, automatic)
        self._communicate(company, reminders)
        holding = np.maximum.accumulate(np.array([False, *plan["levels"].mapped("hold")]))
        hold = holding[due["level"].to_numpy()] & holding[due["send_level"].to_numpy()]
        hold_of = dict(zip(due.index, hold, strict=True))
        next_of = self._next_actions(plan, sent=True)
        sent = pd.DataFrame(
            {
                "state_id": [r.state_id.id for r in reminders],
                "level_id": [r.level_id.id for r in reminders],
                "date": pd.to_datetime([run_date] * len(reminders)),
                "hold": [bool(hold_of[r.partner_id.id]) for r in reminders],
                "next_action_date": [next_of[r.partner_id.id] for r in reminders],
            }
        )
        stored.mark_sent(self.env, sent)
        return reminders

    @api.model
    def _log(self, company, run_date, plan, due, states, automatic):
        levels, lines = plan["levels"], plan["lines"]
        lines = lines.loc[lines["partner_id"].isin(due.index)]
        level_days = np.array([0, *levels.mapped("days")])
        grouped = dict(tuple(lines.groupby("partner_id")))
        values = []
        for partner_id, row in due.iterrows():
            level = levels[int(row["send_level"]) - 1]
            listed = grouped[partner_id]
            state = states[partner_id]
            values.append(
                {
                    "company_id": company.id,
                    "partner_id": partner_id,
                    "state_id": state.id,
                    "date": run_date,
                    "level_id": level.id,
                    "level_days": level.days,
                    "collector_id": state.collector_id.id,
                    "channel": _channel(row),
                    **{name: bool(row[name]) for name in ACTION_FIELDS},
                    "no_email": bool(row["no_email"]),
                    "automatic": automatic,
                    "amount": float(listed["residual"].sum()),
                    "item_count": len(listed),
                    "line_ids": [
                        fields.Command.create(
                            {
                                "move_line_id": int(item.item_id),
                                "move_id": int(item.move_id),
                                "due_date": (
                                    pd.Timestamp(run_date) - pd.Timedelta(days=item.dpd)
                                ).date(),
                                "days_past_due": int(item.dpd),
                                "level_days": int(level_days[int(item.level)]),
                                "residual": float(item.residual),
                            }
                        )
                        for item in listed.itertuples()
                    ],
                }
            )
        return self.env["ar.dunning.reminder"].sudo().create(values)

    @api.model
    def _listing(self, partner, level, currency, items):
        """What a level's text lists for one customer (``dunning[partner id]`` in the
        template's rendering context), in the customer's language: ``items`` are (invoice,
        due date, days past due, amount due)."""
        env = self.with_context(lang=partner.lang or self.env.lang).env
        return {
            "level": level.with_env(env).name,
            "total": format_amount(env, sum(item[3] for item in items), currency),
            "items": [
                {
                    "name": move.name,
                    "date": format_date(env, move.invoice_date),
                    "due": format_date(env, due),
                    "days": days,
                    "amount": format_amount(env, amount, currency),
                }
                for move, due, days, amount in items
            ],
        }

    @api.model
    def _reminder_listings(self, reminders):
        return {
            reminder.id: self._listing(
                reminder.partner_id,
                reminder.level_id,
                reminder.currency_id,
                [
                    (line.move_id, line.due_date, line.days_past_due, line.residual)
                    for line in reminder.line_ids
                ],
            )
            for reminder in reminders
        }

    @api.model
    def _render_text(self, level, field, partner, listing):
        """``field`` (subject, body_html) of ``level``'s template for one customer."""
        if not level.mail_template_id:
            return ""
        texts = self._render_template(
            level.mail_template_id, field, partner, {partner.id: listing}, level.name
        )
        return texts[partner.id]

    @api.model
    def _render_template(self, template, field, partners, listings, name=None):
        """``field`` of ``template`` for ``partners`` at once ({partner id: text}),
        ``listings`` as ``dunning`` in its rendering context; an error names the level
        (``name``) or the template."""
        try:
            return template._render_field(
                field, partners.ids, compute_lang=True, add_context={"dunning": listings}
            )
        except Exception as error:  # any error of the template is the user's to fix
            raise UserError(
                self.env._(
                    "The text %(name)s does not render: %(error)s",
                    name=name or template.name,
                    error=error,
                )
            ) from error

    @api.model
    def _render(self, reminders, field):
        """``field`` of each reminder's level template, by reminder id (one rendering per
        level)."""
        listings = self._reminder_listings(reminders)
        out = {}
        for level, group in reminders.grouped("level_id").items():
            if not level.mail_template_id:
                continue
            texts = self._render_template(
                level.mail_template_id,
                field,
                group.partner_id,
                {r.partner_id.id: listings[r.id] for r in group},
                level.name,
            )
            out.update({r.id: texts[r.partner_id.id] for r in group})
        return out

    @api.model
    def _communicate(self, company, reminders):
        """Emails in the chatter and the mail queue; call and escalation activities."""
        emails = reminders.filtered("email")
        subjects = self._render(emails, "subject")
        bodies = self._render(emails, "body_html")
        for reminder in emails:
            level = reminder.level_id
            attachments = self._invoice_pdfs(reminder) if level.attach_invoices else []
            reminder.message_id = self._post_email(
                company,
                reminder.partner_id,
                subjects[reminder.id],
                bodies[reminder.id],
                attachments,
                statement=level.attach_statement,
            )
        for reminder in reminders.filtered(lambda r: r.call or r.escalate or r.letter):
            self._activities(company, reminder)

    @api.model
    def _post_email(self, company, partner, subject, body, attachments=(), statement=True):
        """Post ``body`` in the customer's chatter and queue it to the customer by email;
        the statement of account (PDF) is attached when the queue sends it (``mail.mail``),
        unless ``statement`` is false. Returns the message."""
        message = (
            partner.sudo()
            .with_context(mail_notify_force_send=False)
            .message_post(
                body=body,
                subject=subject,
                partner_ids=partner.ids,
                message_type="comment",
                # a subtype nobody follows by default: the customer alone gets the email
                subtype_xmlid="ar_analytics.mt_dunning_reminder",
                attachments=list(attachments),
                email_layout_xmlid="mail.mail_notification_light",
            )
        )
        if statement:
            message.sudo().mail_ids.write(
                {"ar_statement_partner_id": partner.id, "ar_statement_company_id": company.id}
            )
        return message

    @api.model
    def _invoice_pdfs(self, reminder):
        report = self.env.ref("account.account_invoices")
        out = []
        for move in reminder.line_ids.move_id:
            pdf, _kind = self.env["ir.actions.report"]._render_qweb_pdf(report, move.ids)
            out.append((f"{move.name.replace('/', '_')}.pdf", pdf))
        return out

    @api.model
    def _activities(self, company, reminder):
        partner = reminder.partner_id.sudo()
        level = reminder.level_id
        summary = self.env._(
            "%(level)s: %(amount)s overdue",
            level=level.name,
            amount=format_amount(self.env, reminder.amount, reminder.currency_id),
        )
        if reminder.call:
            partner.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=reminder.date,
                summary=summary,
                note=level.script or "",
                user_id=(reminder.collector_id or self.env.user).id,
            )
        if reminder.escalate:
            for manager in self.env["ar.credit.rules"]._credit_managers(company):
                partner.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=reminder.date,
                    summary=self.env._("Escalated: %s", summary),
                    note=level.script or "",
                    user_id=manager.id,
                )
        if reminder.letter:
            partner.message_post(
                body=self.env._("Dunning letter (%s) to print and post.", level.name),
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )

    # -- entry points ------------------------------------------------------------------------
    @api.model
    def _run_company(self, company, run_date=None, automatic=True):
        """Store every customer's state, send the reminders due (automatic levels only when
        ``automatic``, and only when the company sends them automatically) and the periodic
        statements, and recompute the effectiveness figures. Returns the reminders, or None
        when another run holds the lock."""
        run_date = fields.Date.to_date(run_date) or fields.Date.context_today(self)
        if not self._lock(company):
            _logger.info("dunning of %s: a run is under way, this one is skipped", company.name)
            return None
        plan = self._plan(company, run_date)
        self._store_states(company, plan)
        reminders = self.env["ar.dunning.reminder"]
        if company.ar_dunning_auto_send or not automatic:
            reminders = self._send(company, run_date, plan, automatic=automatic)
        self.env["ar.dunning.statement"]._send_due(company, run_date, plan["customers"])
        self.env["ar.dunning.effect"]._recompute(company, run_date)
        return reminders

    @api.model
    def _cron_run(self):
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        for n, company in enumerate(companies):
            self.sudo().with_company(company)._run_company(company)
            self.env["ir.cron"]._commit_progress(1, remaining=len(companies) - n - 1)

    @api.model
    def run_now(self, company_id=None):
        """Store the states and send the automatic levels of the current company now (what
        the daily job does); returns the number of reminders sent."""
        check_groups(self.env, REFRESH_GROUPS, self.env._("Only receivables users run dunning."))
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        reminders = self.sudo()._run_company(company)
        if reminders is None:
            raise UserError(self.env._("A dunning run of %s is under way.", company.name))
        return len(reminders)


def _channel(row):
    for name in ("email", "letter", "call", "escalate"):
        if row[name]:
            return name
    return False
