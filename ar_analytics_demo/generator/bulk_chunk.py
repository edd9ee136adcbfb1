"""The documents of a chunk of invoices held in memory, before their ids are reserved.

``BulkBookBuilder`` fills a ``Chunk`` with moves, journal items, partial reconciles and
payments that point at each other by local index (amounts in cents); ``bulk_derived`` then
gives them their ids and derived values and ``bulk_tables`` writes them.
"""

import datetime
import typing


def half_up(value):
    """Round a number of cents half away from zero, like Odoo's float_round."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


class Event(typing.NamedTuple):
    """A payment or write-off of ``amount`` cents (in the item's currency) on an item."""

    date: datetime.date
    kind: str  # 'payment' or 'write_off'
    item: int  # line index
    amount: int
    inv: typing.Any  # plan.Invoice
    partner: int


class Line(dict):
    """A journal item being built (amounts in cents; res/res_cur: residuals)."""


class Chunk:
    """The documents of a chunk of invoices, with local indices until ids are reserved."""

    def __init__(self):
        self.moves = []
        self.lines = []
        self.partials = []
        self.payments = []
        self.taxed = []  # (line index, tax id)

    def move(self, **vals):
        vals["lines"] = []
        self.moves.append(vals)
        return len(self.moves) - 1

    def line(self, move, reconcilable=False, **vals):
        vals = Line(vals, move=move, reconcilable=reconcilable, date=self.moves[move]["date"])
        vals["res"] = vals["balance"] if reconcilable else 0
        vals["res_cur"] = vals["amount_currency"] if reconcilable else 0
        self.lines.append(vals)
        self.moves[move]["lines"].append(len(self.lines) - 1)
        return len(self.lines) - 1

    def reconcile(self, debit, credit, amount_cur):
        """Match ``amount_cur`` (cents of the lines' currency) of a debit and a credit line;
        the company amount follows the debit line's rate (exact when it settles it)."""
        d, c = self.lines[debit], self.lines[credit]
        if amount_cur == d["res_cur"]:
            amount = d["res"]
        elif amount_cur == -c["res_cur"]:
            amount = -c["res"]
        else:
            amount = half_up(d["res"] * amount_cur / d["res_cur"])
        for line, sign in ((d, 1), (c, -1)):
            line["res"] -= sign * amount
            line["res_cur"] -= sign * amount_cur
        self.partials.append(
            {
                "debit": debit,
                "credit": credit,
                "amount": amount,
                "amount_cur": amount_cur,
                "max_date": max(d["date"], c["date"]),
            }
        )
