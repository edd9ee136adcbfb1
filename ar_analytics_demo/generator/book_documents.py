"""Invoices and credit notes of an ORM-built book: invoices posted in batches, credit notes
and full reversals through the reversal wizard, cancellations."""

import collections
import datetime

from odoo import Command

BATCH = 200


def _batches(seq, size=BATCH):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


class BookDocumentsMixin:
    """``BookBuilder``'s invoices and credit notes of one company."""

    def _invoices(self, key, products):
        env = self._company_env(key)
        company = self.companies[key]
        tax = company.account_sale_tax_id
        foreign = self._other_currency(company.currency_id)
        plans = [i for i in self.plan.invoices if i.company == key]
        for chunk in _batches(plans):
            vals = []
            for inv in chunk:
                customer = self.plan.customer(inv.customer)
                vals.append(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.partners[inv.customer].id,
                        "invoice_date": inv.date,
                        "ref": inv.key,
                        "currency_id": (foreign if inv.foreign else company.currency_id).id,
                        "invoice_payment_term_id": env.ref(f"account.{customer.term}").id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": products[code].id,
                                    "quantity": qty,
                                    "price_unit": price,
                                    "tax_ids": [Command.set(tax.ids)],
                                }
                            )
                            for code, qty, price in inv.lines
                        ],
                    }
                )
            moves = env["account.move"].create(vals)
            moves.action_post()
            for inv, move in zip(chunk, moves, strict=True):
                self.moves[inv.key] = move
            self.stats["invoices"] += len(moves)

    def _credit_notes(self, key):
        """Credit notes through the reversal wizard, the invoices of a day in one wizard: a
        partial one keeps its first line at a share of its price (what a user edits in the
        draft), a full reversal keeps every line; posting reconciles each with its invoice."""
        env = self._company_env(key)
        end = self.plan.end
        by_day = collections.defaultdict(list)
        cancels = []
        for inv in self.plan.invoices:
            if inv.company != key:
                continue
            move = self.moves[inv.key]
            when = inv.date + datetime.timedelta(days=inv.refund_delay or 5)
            if (inv.refund_share or inv.reverse) and when <= end:
                by_day[when].append((inv, move))
            elif inv.cancel:
                cancels.append(move)
        for when in sorted(by_day):
            moves = env["account.move"].concat(*(move for _inv, move in by_day[when]))
            wizard = (
                env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=moves.ids)
                .create(
                    {
                        "date": when,
                        "reason": "Returned goods",
                        # what the form's onchange proposes: the invoices' journal
                        "journal_id": moves.journal_id[:1].id,
                    }
                )
            )
            wizard.refund_moves()
            refunds = {refund.reversed_entry_id: refund for refund in wizard.new_move_ids}
            for inv, move in by_day[when]:
                if inv.refund_share:
                    first, *others = refunds[move].invoice_line_ids
                    refunds[move].write(
                        {
                            "invoice_line_ids": [
                                Command.update(
                                    first.id,
                                    {"price_unit": round(first.price_unit * inv.refund_share, 2)},
                                ),
                                *(Command.delete(line.id) for line in others),
                            ]
                        }
                    )
            wizard.new_move_ids.action_post()
            self.stats["credit_notes"] += len(wizard.new_move_ids)
            self._end_of_day()
        for move in cancels:
            move.button_draft()
            move.button_cancel()
