"""Payments and write-offs of an ORM-built book: the plan's settlements day by day, through
the Register payment wizard, bank statement lines matched with the invoices, write-offs
reconciled with them, and advances never applied."""

import collections
import datetime
import itertools
import logging
import typing

from odoo import Command

from .book_documents import BATCH

_logger = logging.getLogger(__name__)


class _Event(typing.NamedTuple):
    """A payment or write-off of ``amount`` (in the item's currency) on a receivable item."""

    date: datetime.date
    kind: str  # 'payment' or 'write_off'
    item: typing.Any  # account.move.line
    amount: float
    inv: typing.Any  # plan.Invoice


def _open_items(move):
    return move.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
    )


def _proposed(move, day):
    """The amount the Register payment wizard proposes for an invoice paid on ``day``: its
    overdue installments, else its next one."""
    items = _open_items(move).sorted(lambda line: (line.date_maturity or line.date, line.id))
    overdue = items.filtered(lambda line: (line.date_maturity or line.date) < day)
    return sum((overdue or items[:1]).mapped("amount_residual_currency"))


def _open_amount(move):
    """What is still open on the invoice, in its currency."""
    return sum(_open_items(move).mapped("amount_residual_currency"))


class BookPaymentsMixin:
    """``BookBuilder``'s payments, statement lines and write-offs of one company."""

    def _settlements(self, key):
        """Payments and write-offs of every open installment, in date order."""
        end = self.plan.end
        events = []
        for inv in self.plan.invoices:
            if inv.company != key or inv.cancel or inv.reverse:
                continue
            move = self.moves[inv.key]
            items = _open_items(move).sorted(
                lambda line: (line.date_maturity or line.date, line.id)
            )
            for n, item in enumerate(items):
                delay = inv.delays[min(n, len(inv.delays) - 1)]
                if delay is None:
                    continue
                due = item.date_maturity or inv.date
                paid_on = max(due + datetime.timedelta(days=delay), inv.date)
                residual = item.amount_residual_currency
                if inv.partial:
                    share, rest_delay, write_off = inv.partial
                    first = item.currency_id.round(residual * share)
                    events.append(_Event(paid_on, "payment", item, first, inv))
                    if rest_delay is not None:
                        rest_on = due + datetime.timedelta(days=rest_delay)
                        kind = "write_off" if write_off else "payment"
                        events.append(_Event(rest_on, kind, item, residual - first, inv))
                else:
                    events.append(_Event(paid_on, "payment", item, residual, inv))
        events = [e for e in events if e.date <= end]
        events.sort(key=lambda e: (e.date, e.item.id))
        return events

    def _payments(self, key):
        """The plan's payments and write-offs, day by day. The plan times each installment's
        payment; an invoice is paid the way Odoo applies a payment registered on it, the
        earliest open installment first, so an amount is capped at what is still open."""
        env = self._company_env(key)
        bank, direct, misc = self._journals(key)
        expense = env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", self.companies[key].ids)],
            limit=1,
        )
        done, month = 0, None
        for when, day in itertools.groupby(self._settlements(key), key=lambda e: e.date):
            if (when.year, when.month) != month:
                # the slowest part of a demo-size book: show how far it is
                month = (when.year, when.month)
                _logger.info(
                    "book: %s, payments of %04d-%02d (%d so far)",
                    self.companies[key].name,
                    *month,
                    self.stats["payments"],
                )
            by_way = collections.defaultdict(list)
            for event in day:
                event = event._replace(amount=min(event.amount, _open_amount(event.item.move_id)))
                if event.item.currency_id.compare_amounts(event.amount, 0) <= 0:
                    continue
                way = self.plan.customer(event.inv.customer).settlement
                by_way[way if event.kind == "payment" else event.kind].append(event)
                done += 1
            self._statement_lines(env, bank, when, by_way["statement"])
            self._register_day(env, bank, when, by_way["wizard"])
            self._register_day(env, direct, when, by_way["bank_direct"])
            for event in by_way["write_off"]:
                self._write_off(env, misc, expense, event)
            self._end_of_day()
            if done >= BATCH:
                self._analyze()
                done = 0
        advances = [c for c in self.plan.customers if c.unapplied_advance and c.company == key]
        if advances:
            # a payment on account, entered in the payments list: no invoice to register it on
            records = env["account.payment"].create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": self.partners[c.key].id,
                        "amount": c.unapplied_advance,
                        "date": self.plan.end - datetime.timedelta(days=20),
                        "journal_id": bank.id,
                        "memo": "Advance on account",
                    }
                    for c in advances
                ]
            )
            records.action_post()
            self.stats["payments"] += len(records)

    def _write_off(self, env, misc, expense, event):
        """The rest of an invoice written off by a miscellaneous entry reconciled with it."""
        move = event.item.move_id
        entry = env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": misc.id,
                "date": event.date,
                "ref": f"Write-off {move.name}",
                "line_ids": [
                    Command.create(
                        {
                            "account_id": event.item.account_id.id,
                            "partner_id": event.item.partner_id.id,
                            "credit": event.amount,
                            "name": "Write-off",
                        }
                    ),
                    Command.create(
                        {"account_id": expense.id, "debit": event.amount, "name": "Write-off"}
                    ),
                ],
            }
        )
        entry.action_post()
        credit = entry.line_ids.filtered(lambda line: line.account_id == event.item.account_id)
        (credit + _open_items(move)).reconcile()
        self.stats["write_offs"] += 1

    def _register_day(self, env, journal, when, events):
        """The day's payments through the Register payment wizard on ``journal``.

        Every payment of the amount the wizard proposes for its invoice (the overdue
        installments, else the next one) goes through one wizard over all those invoices,
        which makes one payment per invoice, except that a grouped customer's invoices get one
        payment for all of them. Any other amount (part of an installment) is typed into a
        wizard of its own; Odoo settles the earliest installment first."""
        single, whole = [], {}
        for event in events:
            move = event.item.move_id
            proposed = _proposed(move, when)
            if move in whole or move.currency_id.compare_amounts(event.amount, proposed):
                single.append(event)
            else:
                whole[move] = event
        grouped, batch = collections.defaultdict(list), env["account.move"]
        for move, event in whole.items():
            if self.plan.customer(event.inv.customer).grouped:
                grouped[move.partner_id, move.currency_id].append(event)
            else:
                batch |= move
        for group in grouped.values():
            moves = env["account.move"].concat(*(e.item.move_id for e in group))
            if len(group) == 1:
                batch |= moves
            else:
                amount = sum(e.amount for e in group)
                self._register(env, journal, when, moves, amount=amount, group=True)
        if batch:
            self._register(env, journal, when, batch)
        for event in single:
            self._register(env, journal, when, event.item.move_id, amount=event.amount)

    def _register(self, env, journal, when, moves, amount=None, group=False):
        """Odoo's Register payment wizard on ``moves``, as a user fills it in."""
        vals = {"payment_date": when, "journal_id": journal.id, "group_payment": group}
        if amount is not None:
            vals["amount"] = amount
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(vals)
        )
        payments = wizard._create_payments()
        self.stats["payments"] += len(payments)
        return payments

    def _statement_lines(self, env, bank, when, events):
        """The day's bank statement lines, each matched with the open installments of the
        invoice it pays, the way Odoo's own tests settle an invoice from the bank (the
        suspense line moved to the receivable account and reconciled)."""
        if not events:
            return
        lines = env["account.bank.statement.line"].create(
            [
                {
                    "journal_id": bank.id,
                    "date": when,
                    "amount": event.amount,
                    "payment_ref": event.item.move_id.name,
                    "partner_id": event.item.partner_id.id,
                }
                for event in events
            ]
        )
        for line, event in zip(lines, events, strict=True):
            _liquidity, suspense, _other = line.with_context(
                skip_account_move_synchronization=True
            )._seek_for_lines()
            suspense.account_id = event.item.account_id
            (suspense + _open_items(event.item.move_id)).reconcile()
        self.stats["statement_lines"] += len(lines)
