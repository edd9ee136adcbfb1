"""Materialise a book plan set-based: benchmark books of hundreds of thousands of invoices.

The same seeded plan as ``book.py`` (customers, invoices, how each installment gets paid), but
the accounting documents are computed here, in Python, a chunk of invoices at a time, and
written with one ``INSERT ... SELECT FROM unnest(...)`` per table and chunk: customer invoices
(product, tax and one receivable line per installment of the payment term, due dates from
Odoo's own payment term lines), credit notes reconciled with their invoice, full reversals,
payments (``account.payment`` and their journal entries as the Register payment wizard books
them: on the bank journal as Odoo creates it, the liquidity line on the outstanding receipts
account, never matched with the bank and paid all the same in Community; on the journal that
books receipts straight to the bank account for the customers the plan pays that way; one
payment for a grouped customer's invoices of a day), write-offs, advances never matched, and
the reconciliations between them (partials, full reconciles, matching numbers, the invoices'
links to their payments).
Everything Odoo stores about them is written with the values its own computations give:
balanced entries, residuals and reconciled flags of the lines, residual, totals and payment
state of the moves, sequence names unique per journal (``ar_analytics/tests/test_bulk.py``
recomputes them through the ORM and compares, and checks that the refresh gives the same
figures as on the ORM-built book).

Deliberate differences from the ORM path: cancelled invoices are not written (they leave no
posted line), a payment of a foreign-currency invoice is booked at the invoice's rate, so no
exchange difference entries are made, and the customers the plan pays by bank statement lines
get payments of the default bank journal instead (cash on the same dates).

Setup (companies, partners, products, journals, currency rates) reuses ``BookBuilder``.
"""

import collections
import datetime
import itertools
import logging
import time
import typing

from odoo.tools import SQL

from .book import BookBuilder

_logger = logging.getLogger(__name__)

CHUNK = 20000  # invoices computed and written at a time
INSERT_ROWS = 50000  # rows per INSERT statement


def _half_up(value):
    """Round a number of cents half away from zero, like Odoo's float_round."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


class _Event(typing.NamedTuple):
    """A payment or write-off of ``amount`` cents (in the item's currency) on an item."""

    date: datetime.date
    kind: str  # 'payment' or 'write_off'
    item: int  # line index
    amount: int
    inv: typing.Any  # plan.Invoice
    partner: int


class _Line(dict):
    """A journal item being built (amounts in cents; res/res_cur: residuals)."""


class _Chunk:
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
        vals = _Line(vals, move=move, reconcilable=reconcilable, date=self.moves[move]["date"])
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
            amount = _half_up(d["res"] * amount_cur / d["res_cur"])
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


class BulkBookBuilder(BookBuilder):
    """Writes the plan's documents with set-based inserts (see the module's docstring)."""

    def __init__(self, env, plan, company=None, second_company=None, chunk=CHUNK):
        super().__init__(env, plan, company=company, second_company=second_company)
        self.chunk = chunk
        self.timings = {}

    # -- per-company constants -----------------------------------------------------------------
    def _setup(self, key, products):
        env = self._company_env(key)
        company = self.companies[key]
        bank, direct, misc = self._journals(key)
        sale = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
        tax = company.account_sale_tax_id
        repartition = tax.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        )[:1]
        partner = next(iter(self.partners.values())).with_company(company)
        income = products[next(iter(products))].with_company(company)._get_product_accounts()
        expense = env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", company.ids)], limit=1
        )
        foreign = self._other_currency(company.currency_id)
        rates = self.env["res.currency.rate"].search(
            [("currency_id", "=", foreign.id), ("company_id", "=", company.id)], order="name"
        )
        self.ctx = {
            "company": company,
            "currency": company.currency_id.id,
            "foreign": foreign.id,
            "rates": [(r.name, r.rate) for r in rates],
            "sale": sale,
            "misc": misc,
            # bank statement lines are written as payments of the default bank journal
            "ways": {
                "wizard": self._way(env, bank),
                "statement": self._way(env, bank),
                "bank_direct": self._way(env, direct),
            },
            "receivable": partner.property_account_receivable_id.id,
            "income": income["income"].id,
            "expense": expense.id,
            "tax": tax.id,
            "tax_name": tax.name,
            "tax_group": tax.tax_group_id.id,
            "tax_rate": tax.amount if tax.amount_type == "percent" else 0.0,
            "tax_account": repartition.account_id.id,
            "tax_repartition": repartition.id,
            "products": {code: (p.id, p.uom_id.id, p.display_name) for code, p in products.items()},
            "terms": {},
            "due": {},
        }
        self.sequences = collections.defaultdict(int)
        self._sequence_starts(company)

    def _way(self, env, journal):
        """What the Register payment wizard writes on a payment of ``journal``: its method,
        the account of its liquidity line (the outstanding receipts account as Odoo sets the
        journal up, else the bank account) and whether Odoo counts it matched with the bank
        (only on the bank account)."""
        method = journal.inbound_payment_method_line_ids[:1]
        account = method.payment_account_id or env["account.payment"].new(
            {"company_id": journal.company_id.id}
        )._get_outstanding_account("inbound")
        return {
            "journal": journal,
            "method": method,
            "account": account.id,
            "matched": account == journal.default_account_id,
        }

    def _sequence_starts(self, company):
        """Continue each journal's numbering after the entries already there."""
        rows = self.env.execute_query(
            SQL(
                "SELECT journal_id, sequence_prefix, MAX(sequence_number) FROM account_move "
                "WHERE company_id = %s AND sequence_prefix IS NOT NULL GROUP BY 1, 2",
                company.id,
            )
        )
        for journal, prefix, number in rows:
            self.sequences[journal, prefix] = number or 0

    def _name(self, journal, prefix, date):
        """Next name in the journal: PREFIX/YYYY/NNNNN (monthly PREFIX/YYYY/MM/NNNN for
        miscellaneous entries, like Odoo's defaults)."""
        if journal.type == "general":
            prefix = f"{prefix}/{date.year}/{date.month:02d}/"
            digits = 4
        else:
            prefix = f"{prefix}/{date.year}/"
            digits = 5
        self.sequences[journal.id, prefix] += 1
        number = self.sequences[journal.id, prefix]
        return f"{prefix}{number:0{digits}d}", prefix, number

    def _rate(self, day):
        """Units of foreign currency per company unit at ``day`` (the last monthly rate)."""
        rate = 1.0
        for name, value in self.ctx["rates"]:
            if name > day:
                break
            rate = value
        return rate

    def _installments(self, term_xmlid, day, total_cur, total):
        """[(due date, cents in currency, cents in company currency)] as Odoo splits them."""
        terms = self.ctx["terms"]
        if term_xmlid not in terms:
            term = self.env.ref(f"account.{term_xmlid}")
            terms[term_xmlid] = [
                (line, line.value, line.value_amount) for line in term.line_ids.sorted("id")
            ]
        lines = terms[term_xmlid]
        out = []
        rest_cur, rest = total_cur, total
        for n, (line, value, amount) in enumerate(lines):
            key = (line.id, day)
            if key not in self.ctx["due"]:
                self.ctx["due"][key] = line._get_due_date(day)
            if n == len(lines) - 1:
                part_cur, part = rest_cur, rest
            elif value == "percent":
                part_cur = _half_up(total_cur * amount / 100)
                part = _half_up(total * amount / 100)
            else:
                raise ValueError(f"payment term {term_xmlid}: only percentages are supported")
            rest_cur -= part_cur
            rest -= part
            out.append((self.ctx["due"][key], part_cur, part))
        return out

    # -- documents -----------------------------------------------------------------------------
    def _move(self, ch, journal, prefix, move_type, day, partner, currency, **vals):
        name, seq_prefix, number = self._name(journal, prefix, day)
        return ch.move(
            name=name,
            sequence_prefix=seq_prefix,
            sequence_number=number,
            journal_id=journal.id,
            move_type=move_type,
            date=day,
            partner_id=partner,
            currency_id=currency,
            **vals,
        )

    def _document_lines(self, ch, move, products, sign, rate):
        """Product and tax lines of an invoice (sign -1) or credit note (sign 1); returns the
        totals (untaxed and tax, in currency and company cents, unsigned)."""
        ctx = self.ctx
        untaxed_cur = untaxed = tax_cur = 0
        for code, qty, price_cents in products:
            product, uom, label = ctx["products"][code]
            sub_cur = _half_up(qty * price_cents)
            sub = _half_up(sub_cur / rate)
            line_tax_cur = _half_up(sub_cur * ctx["tax_rate"] / 100)
            index = ch.line(
                move,
                display_type="product",
                account_id=ctx["income"],
                product_id=product,
                product_uom_id=uom,
                name=label,
                quantity=qty,
                price_unit=price_cents,
                price_subtotal=sub_cur,
                price_total=sub_cur + line_tax_cur,
                balance=sign * sub,
                amount_currency=sign * sub_cur,
            )
            if line_tax_cur or ctx["tax_rate"]:
                ch.taxed.append((index, ctx["tax"]))
            untaxed_cur += sub_cur
            untaxed += sub
            tax_cur += line_tax_cur
        tax = _half_up(tax_cur / rate)
        if tax_cur:
            ch.line(
                move,
                display_type="tax",
                account_id=ctx["tax_account"],
                name=ctx["tax_name"],
                tax_line_id=ctx["tax"],
                tax_group_id=ctx["tax_group"],
                tax_repartition_line_id=ctx["tax_repartition"],
                tax_base_amount=untaxed,
                balance=sign * tax,
                amount_currency=sign * tax_cur,
            )
        return untaxed_cur, untaxed, tax_cur, tax

    def _receivable(self, ch, move, due, amount_cur, amount, name=""):
        return ch.line(
            move,
            reconcilable=True,
            display_type="payment_term",
            account_id=self.ctx["receivable"],
            name=name,
            date_maturity=due,
            balance=amount,
            amount_currency=amount_cur,
        )

    def _invoice(self, ch, inv, partner):
        ctx = self.ctx
        customer = self.plan.customer(inv.customer)
        currency = ctx["foreign"] if inv.foreign else ctx["currency"]
        rate = self._rate(inv.date) if inv.foreign else 1.0
        lines = [(code, qty, _half_up(price * 100)) for code, qty, price in inv.lines]
        move = self._move(
            ch,
            ctx["sale"],
            ctx["sale"].code,
            "out_invoice",
            inv.date,
            partner,
            currency,
            invoice_date=inv.date,
            ref=inv.key,
            invoice_payment_term_id=self.env.ref(f"account.{customer.term}").id,
            rate=rate,
        )
        untaxed_cur, untaxed, tax_cur, tax = self._document_lines(ch, move, lines, -1, rate)
        items = [
            self._receivable(ch, move, due, part_cur, part)
            for due, part_cur, part in self._installments(
                customer.term, inv.date, untaxed_cur + tax_cur, untaxed + tax
            )
        ]
        ch.moves[move]["invoice_date_due"] = max(ch.lines[i]["date_maturity"] for i in items)
        return move, items, lines, rate

    def _credit_note(self, ch, inv, partner, invoice, items, lines, rate, when, share=None):
        """A credit note of ``share`` of the first product line (None: the whole invoice),
        reconciled with the invoice's installments in due order."""
        ctx = self.ctx
        if share is None:
            refunded = lines
        else:
            code, qty, price_cents = lines[0]
            refunded = [(code, qty, _half_up(price_cents * share))]
        move = self._move(
            ch,
            ctx["sale"],
            f"R{ctx['sale'].code}",
            "out_refund",
            when,
            partner,
            ch.moves[invoice]["currency_id"],
            invoice_date=when,
            invoice_date_due=when,
            ref=f"Credit note on {inv.key}" if share else f"Reversal of: {inv.key}",
            reversed_entry_id=invoice,
            rate=rate,
        )
        untaxed_cur, untaxed, tax_cur, tax = self._document_lines(ch, move, refunded, 1, rate)
        credit = self._receivable(ch, move, when, -(untaxed_cur + tax_cur), -(untaxed + tax))
        for item in sorted(items, key=lambda i: (ch.lines[i]["date_maturity"], i)):
            amount = min(ch.lines[item]["res_cur"], -ch.lines[credit]["res_cur"])
            if amount > 0:
                ch.reconcile(item, credit, amount)

    def _payment(self, ch, way, partner, currency, when, amount_cur, amount, memo):
        """An inbound payment and its entry as the wizard books it on the ``way``'s journal;
        returns its receivable (credit) line."""
        way = self.ctx["ways"][way]
        journal, method = way["journal"], way["method"]
        ch.payments.append(
            {
                "journal_id": journal.id,
                "payment_method_line_id": method.id,
                "payment_method_id": method.payment_method_id.id,
                "partner_id": partner,
                "currency_id": currency,
                "date": when,
                "amount": amount_cur,
                "amount_company": amount,
                "memo": memo,
                "is_matched": way["matched"],
                "outstanding_account_id": way["account"],
                "invoices": set(),
            }
        )
        payment = len(ch.payments) - 1
        move = self._move(
            ch,
            journal,
            f"P{journal.code}",
            "entry",
            when,
            partner,
            currency,
            payment=payment,
            ref=memo,
        )
        ch.payments[payment]["move"] = move
        label = f"{method.name}: {memo}"
        ch.line(
            move,
            reconcilable=True,
            display_type="product",
            account_id=way["account"],
            name=label,
            date_maturity=when,
            balance=amount,
            amount_currency=amount_cur,
        )
        return ch.line(
            move,
            reconcilable=True,
            display_type="product",
            account_id=self.ctx["receivable"],
            name=label,
            date_maturity=when,
            balance=-amount,
            amount_currency=-amount_cur,
        )

    @staticmethod
    def _open_items(ch, move):
        """The move's open installments, in the order Odoo's reconciliation settles them."""
        items = [
            i
            for i in ch.moves[move]["lines"]
            if ch.lines[i]["display_type"] == "payment_term" and ch.lines[i]["res_cur"]
        ]
        return sorted(
            items, key=lambda i: (ch.lines[i]["date_maturity"], ch.lines[i]["amount_currency"], i)
        )

    def _proposed(self, ch, move, day):
        """The amount the Register payment wizard proposes (``book._proposed``)."""
        items = self._open_items(ch, move)
        overdue = [i for i in items if ch.lines[i]["date_maturity"] < day]
        return sum(ch.lines[i]["res_cur"] for i in overdue or items[:1])

    def _takes(self, ch, items, amount_cur):
        """``amount_cur`` spread over ``items`` in order: [(item, cents in currency, company
        cents)], the company amount at each item's own rate (what ``_Chunk.reconcile``
        books)."""
        takes = []
        for item in items:
            if amount_cur <= 0:
                break
            line = ch.lines[item]
            take = min(line["res_cur"], amount_cur)
            amount = (
                line["res"]
                if take == line["res_cur"]
                else _half_up(line["res"] * take / line["res_cur"])
            )
            takes.append((item, take, amount))
            amount_cur -= take
        return takes

    def _write_off(self, ch, event):
        ctx = self.ctx
        move = ch.lines[event.item]["move"]
        currency = ch.moves[move]["currency_id"]
        takes = self._takes(ch, self._open_items(ch, move), event.amount)
        amount_cur = sum(take for _i, take, _a in takes)
        amount = sum(a for _i, _t, a in takes)
        entry = self._move(
            ch, ctx["misc"], ctx["misc"].code, "entry", event.date, event.partner, currency
        )
        credit = ch.line(
            entry,
            reconcilable=True,
            display_type="product",
            account_id=ctx["receivable"],
            name="Write-off",
            date_maturity=event.date,
            balance=-amount,
            amount_currency=-amount_cur,
        )
        ch.line(
            entry,
            display_type="product",
            account_id=ctx["expense"],
            name="Write-off",
            date_maturity=event.date,
            balance=amount,
            amount_currency=amount_cur,
            no_partner=True,
        )
        for item, take, _amount in takes:
            ch.reconcile(item, credit, take)

    def _events(self, ch, inv, partner, items):
        """The payments and write-offs the plan gives the invoice's open installments
        (``book._settlements``)."""
        events = []
        open_items = [i for i in items if ch.lines[i]["res_cur"] or ch.lines[i]["res"]]
        for n, item in enumerate(
            sorted(open_items, key=lambda i: (ch.lines[i]["date_maturity"], i))
        ):
            delay = inv.delays[min(n, len(inv.delays) - 1)]
            if delay is None:
                continue
            due = ch.lines[item]["date_maturity"]
            paid_on = max(due + datetime.timedelta(days=delay), inv.date)
            residual = ch.lines[item]["res_cur"]
            if inv.partial:
                share, rest_delay, write_off = inv.partial
                first = _half_up(residual * share)
                events.append(_Event(paid_on, "payment", item, first, inv, partner))
                if rest_delay is not None:
                    rest_on = due + datetime.timedelta(days=rest_delay)
                    kind = "write_off" if write_off else "payment"
                    events.append(_Event(rest_on, kind, item, residual - first, inv, partner))
            else:
                events.append(_Event(paid_on, "payment", item, residual, inv, partner))
        return events

    def _settle(self, ch, events):
        """The chunk's payments and write-offs day by day, as ``book._payments`` registers
        them: an amount is capped at what its invoice still owes and settles the earliest
        installment first; a grouped customer's invoices paid with the amount the wizard
        proposes share one payment."""
        events = sorted(
            (e for e in events if e.date <= self.plan.end), key=lambda e: (e.date, e.item)
        )
        for when, day in itertools.groupby(events, key=lambda e: e.date):
            kept = []
            for event in day:
                move = ch.lines[event.item]["move"]
                owed = sum(ch.lines[i]["res_cur"] for i in self._open_items(ch, move))
                if min(event.amount, owed) > 0:
                    kept.append(event._replace(amount=min(event.amount, owed)))
            groups = collections.defaultdict(list)
            whole = set()
            for n, event in enumerate(e for e in kept if e.kind == "payment"):
                customer = self.plan.customer(event.inv.customer)
                move = ch.lines[event.item]["move"]
                key = n
                if (
                    customer.settlement != "statement"
                    and move not in whole
                    and event.amount == self._proposed(ch, move, when)
                ):
                    whole.add(move)
                    if customer.grouped:
                        key = (event.partner, ch.moves[move]["currency_id"])
                groups[key].append(event)
            for group in groups.values():
                self._pay(ch, when, group)
            for event in kept:
                if event.kind == "write_off":
                    self._write_off(ch, event)

    def _pay(self, ch, when, events):
        """One payment of the events' amounts, reconciled with their invoices."""
        moves = list(dict.fromkeys(ch.lines[e.item]["move"] for e in events))
        items = sorted(
            (i for m in moves for i in self._open_items(ch, m)),
            key=lambda i: (ch.lines[i]["date_maturity"], ch.lines[i]["amount_currency"], i),
        )
        takes = self._takes(ch, items, sum(e.amount for e in events))
        first = events[0]
        credit = self._payment(
            ch,
            self.plan.customer(first.inv.customer).settlement,
            first.partner,
            ch.moves[moves[0]]["currency_id"],
            when,
            sum(take for _i, take, _a in takes),
            sum(a for _i, _t, a in takes),
            " ".join(sorted(ch.moves[m]["name"] for m in moves)),
        )
        ch.payments[-1]["invoices"].update(moves)
        for item, take, _amount in takes:
            ch.reconcile(item, credit, take)

    def _chunk(self, key, invoices, advances=()):
        ch = _Chunk()
        end = self.plan.end
        events = []
        for inv in invoices:
            if inv.cancel:
                continue
            partner = self.partners[inv.customer].id
            move, items, lines, rate = self._invoice(ch, inv, partner)
            when = inv.date + datetime.timedelta(days=inv.refund_delay or 5)
            if inv.refund_share and when <= end:
                self._credit_note(
                    ch, inv, partner, move, items, lines, rate, when, inv.refund_share
                )
            elif inv.reverse and when <= end:
                self._credit_note(ch, inv, partner, move, items, lines, rate, when)
                continue
            if inv.reverse:
                continue
            events += self._events(ch, inv, partner, items)
        self._settle(ch, events)
        for customer in advances:
            amount = _half_up(customer.unapplied_advance * 100)
            self._payment(
                ch,
                "wizard",
                self.partners[customer.key].id,
                self.ctx["currency"],
                end - datetime.timedelta(days=20),
                amount,
                amount,
                "Advance on account",
            )
        return ch

    # -- derived values ------------------------------------------------------------------------
    def _reserve(self, table, count):
        """``count`` consecutive ids of the table's sequence; returns the first."""
        if not count:
            return 0
        [(last,)] = self.env.execute_query(
            SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                table,
                table,
                count,
            )
        )
        return last - count + 1

    def _finish(self, ch):
        """Ids, reconciled flags, full reconciles and matching numbers, moves' totals,
        residuals and payment states."""
        move0 = self._reserve("account_move", len(ch.moves))
        line0 = self._reserve("account_move_line", len(ch.lines))
        part0 = self._reserve("account_partial_reconcile", len(ch.partials))
        pay0 = self._reserve("account_payment", len(ch.payments))
        # reconciliation graphs: union-find over the partials, numbered by their smallest id
        parent = {}

        def find(x):
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for p in ch.partials:
            a, b = find(p["debit"]), find(p["credit"])
            if a != b:
                parent[max(a, b)] = min(a, b)
        groups = collections.defaultdict(list)
        for n, p in enumerate(ch.partials):
            groups[find(p["debit"])].append(n)
        for line in ch.lines:
            line["reconciled"] = line["reconcilable"] and line["res"] == 0 and line["res_cur"] == 0
        full_count = 0
        full_of = {}  # root -> local full reconcile index
        for root, partials in groups.items():
            members = {ch.partials[n][s] for n in partials for s in ("debit", "credit")}
            if all(ch.lines[i]["reconciled"] for i in members):
                full_of[root] = full_count
                full_count += 1
        full0 = self._reserve("account_full_reconcile", full_count)
        for root, partials in groups.items():
            full = full_of.get(root)
            full_id = None if full is None else full0 + full
            number = str(full_id) if full_id else f"P{part0 + min(partials)}"
            for n in partials:
                ch.partials[n]["full_reconcile_id"] = full_id
                for side in ("debit", "credit"):
                    line = ch.lines[ch.partials[n][side]]
                    line["full_reconcile_id"] = full_id
                    line["matching_number"] = number
        # paid by payments / by credit notes, for the invoices' payment state
        payment_paid = collections.defaultdict(lambda: [False, set()])
        for p in ch.partials:
            for side, other in (("debit", "credit"), ("credit", "debit")):
                move = ch.lines[p[side]]["move"]
                cp_move = ch.moves[ch.lines[p[other]]["move"]]
                state = payment_paid[move]
                state[1].add(cp_move["move_type"])
                state[0] = state[0] or "payment" in cp_move
        for index, move in enumerate(ch.moves):
            self._move_totals(ch, index, move, payment_paid.get(index))
        # Odoo's payment state: paid once matched with the bank or once every invoice it
        # settles is paid (Community); in process otherwise (a part payment, an advance)
        for payment in ch.payments:
            invoices = [ch.moves[m]["payment_state"] for m in payment["invoices"]]
            paid = payment["is_matched"] or (invoices and set(invoices) == {"paid"})
            payment["state"] = "paid" if paid else "in_process"
        self.base = {"move": move0, "line": line0, "partial": part0, "payment": pay0}
        self.full_ids = list(range(full0, full0 + full_count))

    def _move_totals(self, ch, index, move, paid):
        lines = [ch.lines[i] for i in move["lines"]]
        if move["move_type"] == "entry":
            total = sum(line["balance"] for line in lines if line["balance"] > 0)
            total_cur = sum(line["amount_currency"] for line in lines if line["balance"] > 0)
            move.update(
                amount_untaxed=0,
                amount_tax=0,
                amount_total=total_cur,
                amount_residual=0,
                amount_untaxed_signed=0,
                amount_untaxed_in_currency_signed=0,
                amount_tax_signed=0,
                amount_total_signed=abs(total),
                amount_total_in_currency_signed=abs(total_cur),
                amount_residual_signed=0,
                payment_state="not_paid",
            )
            return
        sign = -1 if move["move_type"] == "out_invoice" else 1
        products = [line for line in lines if line["display_type"] == "product"]
        taxes = [line for line in lines if line["display_type"] == "tax"]
        terms = [line for line in lines if line["display_type"] == "payment_term"]
        untaxed = sum(line["balance"] for line in products)
        untaxed_cur = sum(line["amount_currency"] for line in products)
        tax = sum(line["balance"] for line in taxes)
        tax_cur = sum(line["amount_currency"] for line in taxes)
        residual = sum(line["res"] for line in terms)
        residual_cur = sum(line["res_cur"] for line in terms)
        state = "not_paid"
        if residual_cur == 0:
            # Community: paid as soon as settled, whether the bank matched the payments or not
            has_payment, counterparts = paid or (False, set())
            state = "paid"
            reverse = {"out_refund"} if sign == -1 else {"entry"}
            if not has_payment and counterparts in (reverse, reverse | {"entry"}):
                state = "reversed"
        elif paid:
            state = "partial"
        move.update(
            amount_untaxed=sign * untaxed_cur,
            amount_tax=sign * tax_cur,
            amount_total=sign * (untaxed_cur + tax_cur),
            amount_residual=-sign * residual_cur,
            amount_untaxed_signed=-untaxed,
            amount_untaxed_in_currency_signed=-untaxed_cur,
            amount_tax_signed=-tax,
            amount_total_signed=-(untaxed + tax),
            amount_total_in_currency_signed=-(untaxed_cur + tax_cur),
            amount_residual_signed=residual,
            payment_state=state,
        )

    # -- writes --------------------------------------------------------------------------------
    def _insert(self, table, columns):
        """INSERT the rows given as {column: (values, sql type)} ('cents': numeric / 100),
        INSERT_ROWS at a time, with Odoo's create/write columns."""
        names = list(columns)
        size = len(next(iter(columns.values()))[0])
        uid = self.env.uid
        values = SQL(", ").join(
            SQL("ROUND(%s::numeric / 100, 2)", SQL.identifier("v", n))
            if kind == "cents"
            else SQL.identifier("v", n)
            for n, (_values, kind) in columns.items()
        )
        for start in range(0, size, INSERT_ROWS):
            stop = start + INSERT_ROWS
            arrays = SQL(", ").join(
                SQL("%s::%s[]", vals[start:stop], SQL("int8" if kind == "cents" else kind))
                for vals, kind in columns.values()
            )
            self.env.execute_query(
                SQL(
                    """
                INSERT INTO %(table)s (%(names)s, create_uid, create_date, write_uid, write_date)
                SELECT %(values)s, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                       NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(arrays)s) AS v(%(names)s)
                """,
                    table=SQL.identifier(table),
                    names=SQL(", ").join(SQL.identifier(n) for n in names),
                    values=values,
                    uid=uid,
                    arrays=arrays,
                )
            )

    def _write(self, ch):
        ctx = self.ctx
        company = ctx["company"]
        base = self.base
        moves, lines, payments = ch.moves, ch.lines, ch.payments

        def move_id(index):
            return None if index is None else base["move"] + index

        def col(rows, field, kind, default=None):
            return ([row.get(field, default) for row in rows], kind)

        partners = self.env["res.partner"].browse(sorted({m["partner_id"] for m in moves}))
        commercial = {p.id: p.commercial_partner_id.id for p in partners}
        if self.full_ids:
            self._insert("account_full_reconcile", {"id": (self.full_ids, "int4")})
        if payments:
            self._insert(
                "account_payment",
                {
                    "id": ([base["payment"] + n for n in range(len(payments))], "int4"),
                    "name": ([moves[p["move"]]["name"] for p in payments], "varchar"),
                    "company_id": ([company.id] * len(payments), "int4"),
                    "journal_id": col(payments, "journal_id", "int4"),
                    "payment_method_line_id": col(payments, "payment_method_line_id", "int4"),
                    "payment_method_id": col(payments, "payment_method_id", "int4"),
                    "partner_id": col(payments, "partner_id", "int4"),
                    "currency_id": col(payments, "currency_id", "int4"),
                    "outstanding_account_id": col(payments, "outstanding_account_id", "int4"),
                    "destination_account_id": ([ctx["receivable"]] * len(payments), "int4"),
                    "state": col(payments, "state", "varchar"),
                    "payment_type": (["inbound"] * len(payments), "varchar"),
                    "partner_type": (["customer"] * len(payments), "varchar"),
                    "memo": col(payments, "memo", "varchar"),
                    "date": col(payments, "date", "date"),
                    "amount": col(payments, "amount", "cents"),
                    "amount_company_currency_signed": col(payments, "amount_company", "cents"),
                    "is_matched": col(payments, "is_matched", "bool"),
                    "is_reconciled": (
                        [lines[moves[p["move"]]["lines"][1]]["reconciled"] for p in payments],
                        "bool",
                    ),
                },
            )
        self._insert(
            "account_move",
            {
                "id": ([base["move"] + n for n in range(len(moves))], "int4"),
                "name": col(moves, "name", "varchar"),
                "sequence_prefix": col(moves, "sequence_prefix", "varchar"),
                "sequence_number": col(moves, "sequence_number", "int4"),
                "journal_id": col(moves, "journal_id", "int4"),
                "company_id": ([company.id] * len(moves), "int4"),
                "move_type": col(moves, "move_type", "varchar"),
                "state": (["posted"] * len(moves), "varchar"),
                "auto_post": (["no"] * len(moves), "varchar"),
                "date": col(moves, "date", "date"),
                "invoice_date": col(moves, "invoice_date", "date"),
                "invoice_date_due": col(moves, "invoice_date_due", "date"),
                "partner_id": col(moves, "partner_id", "int4"),
                "commercial_partner_id": ([commercial[m["partner_id"]] for m in moves], "int4"),
                "currency_id": col(moves, "currency_id", "int4"),
                "invoice_currency_rate": col(moves, "rate", "numeric", 1.0),
                "ref": col(moves, "ref", "varchar"),
                "invoice_payment_term_id": col(moves, "invoice_payment_term_id", "int4"),
                "reversed_entry_id": ([move_id(m.get("reversed_entry_id")) for m in moves], "int4"),
                "origin_payment_id": (
                    [None if "payment" not in m else base["payment"] + m["payment"] for m in moves],
                    "int4",
                ),
                "posted_before": ([True] * len(moves), "bool"),
                "payment_state": col(moves, "payment_state", "varchar"),
                **{
                    field: col(moves, field, "cents")
                    for field in (
                        "amount_untaxed",
                        "amount_tax",
                        "amount_total",
                        "amount_residual",
                        "amount_untaxed_signed",
                        "amount_untaxed_in_currency_signed",
                        "amount_tax_signed",
                        "amount_total_signed",
                        "amount_total_in_currency_signed",
                        "amount_residual_signed",
                    )
                },
            },
        )
        if payments:
            # payments and their entries point at each other: the payments' side afterwards
            # (a narrow table: cheaper to update than account_move)
            self.env.execute_query(
                SQL(
                    "UPDATE account_payment p SET move_id = m.id FROM account_move m "
                    "WHERE m.id BETWEEN %s AND %s AND m.origin_payment_id = p.id",
                    base["move"],
                    base["move"] + len(moves) - 1,
                )
            )
        line_moves = [moves[line["move"]] for line in lines]
        self._insert(
            "account_move_line",
            {
                "id": ([base["line"] + n for n in range(len(lines))], "int4"),
                "move_id": ([base["move"] + line["move"] for line in lines], "int4"),
                "move_name": ([m["name"] for m in line_moves], "varchar"),
                "journal_id": ([m["journal_id"] for m in line_moves], "int4"),
                "company_id": ([company.id] * len(lines), "int4"),
                "company_currency_id": ([ctx["currency"]] * len(lines), "int4"),
                "currency_id": ([m["currency_id"] for m in line_moves], "int4"),
                "partner_id": (
                    [
                        None if line.get("no_partner") else commercial[m["partner_id"]]
                        for line, m in zip(lines, line_moves, strict=True)
                    ],
                    "int4",
                ),
                "payment_id": (
                    [
                        None if "payment" not in m else base["payment"] + m["payment"]
                        for m in line_moves
                    ],
                    "int4",
                ),
                "parent_state": (["posted"] * len(lines), "varchar"),
                "date": ([m["date"] for m in line_moves], "date"),
                "invoice_date": ([m.get("invoice_date") for m in line_moves], "date"),
                "ref": ([m.get("ref") for m in line_moves], "varchar"),
                "sequence": ([10] * len(lines), "int4"),
                "account_id": col(lines, "account_id", "int4"),
                "display_type": col(lines, "display_type", "varchar"),
                "name": col(lines, "name", "varchar"),
                "date_maturity": col(lines, "date_maturity", "date"),
                "product_id": col(lines, "product_id", "int4"),
                "product_uom_id": col(lines, "product_uom_id", "int4"),
                "quantity": col(lines, "quantity", "numeric"),
                "price_unit": col(lines, "price_unit", "cents"),
                "price_subtotal": col(lines, "price_subtotal", "cents"),
                "price_total": col(lines, "price_total", "cents"),
                "discount": ([0.0] * len(lines), "numeric"),
                "tax_line_id": col(lines, "tax_line_id", "int4"),
                "tax_group_id": col(lines, "tax_group_id", "int4"),
                "tax_repartition_line_id": col(lines, "tax_repartition_line_id", "int4"),
                "tax_base_amount": col(lines, "tax_base_amount", "cents", 0),
                "balance": col(lines, "balance", "cents"),
                "debit": ([max(line["balance"], 0) for line in lines], "cents"),
                "credit": ([max(-line["balance"], 0) for line in lines], "cents"),
                "amount_currency": col(lines, "amount_currency", "cents"),
                "amount_residual": col(lines, "res", "cents"),
                "amount_residual_currency": col(lines, "res_cur", "cents"),
                "reconciled": col(lines, "reconciled", "bool"),
                "full_reconcile_id": col(lines, "full_reconcile_id", "int4"),
                "matching_number": col(lines, "matching_number", "varchar"),
            },
        )
        links = [(m, n) for n, p in enumerate(payments) for m in sorted(p["invoices"])]
        if links:
            # the invoices' matched payments, which the wizard links when it reconciles
            self.env.execute_query(
                SQL(
                    "INSERT INTO account_move__account_payment (invoice_id, payment_id) "
                    "SELECT * FROM unnest(%s::int4[], %s::int4[])",
                    [base["move"] + m for m, _n in links],
                    [base["payment"] + n for _m, n in links],
                )
            )
        if ch.taxed:
            self.env.execute_query(
                SQL(
                    "INSERT INTO account_move_line_account_tax_rel "
                    "(account_move_line_id, account_tax_id) "
                    "SELECT * FROM unnest(%s::int4[], %s::int4[])",
                    [base["line"] + i for i, _tax in ch.taxed],
                    [tax for _i, tax in ch.taxed],
                )
            )
        if ch.partials:
            parts = ch.partials
            self._insert(
                "account_partial_reconcile",
                {
                    "id": ([base["partial"] + n for n in range(len(parts))], "int4"),
                    "debit_move_id": ([base["line"] + p["debit"] for p in parts], "int4"),
                    "credit_move_id": ([base["line"] + p["credit"] for p in parts], "int4"),
                    "debit_currency_id": (
                        [moves[lines[p["debit"]]["move"]]["currency_id"] for p in parts],
                        "int4",
                    ),
                    "credit_currency_id": (
                        [moves[lines[p["credit"]]["move"]]["currency_id"] for p in parts],
                        "int4",
                    ),
                    "company_id": ([company.id] * len(parts), "int4"),
                    "full_reconcile_id": col(parts, "full_reconcile_id", "int4"),
                    "max_date": col(parts, "max_date", "date"),
                    "amount": col(parts, "amount", "cents"),
                    "debit_amount_currency": col(parts, "amount_cur", "cents"),
                    "credit_amount_currency": col(parts, "amount_cur", "cents"),
                },
            )
        self.stats["invoices"] += sum(m["move_type"] == "out_invoice" for m in moves)
        self.stats["credit_notes"] += sum(m["move_type"] == "out_refund" for m in moves)
        self.stats["payments"] += len(payments)
        self.stats["write_offs"] += sum(m["journal_id"] == ctx["misc"].id for m in moves)

    # -- entry point ---------------------------------------------------------------------------
    def _documents(self, key, products):
        started = time.perf_counter()
        self._setup(key, products)
        invoices = [i for i in self.plan.invoices if i.company == key]
        advances = [c for c in self.plan.customers if c.unapplied_advance and c.company == key]
        for start in range(0, len(invoices), self.chunk):
            last = start + self.chunk >= len(invoices)
            t0 = time.perf_counter()
            ch = self._chunk(key, invoices[start : start + self.chunk], advances if last else ())
            t1 = time.perf_counter()
            self._finish(ch)
            t2 = time.perf_counter()
            self._write(ch)
            _logger.info(
                "bulk book: %s, %d invoices written (compute %.1f s, ids %.1f s, write %.1f s)",
                key,
                start + self.chunk,
                t1 - t0,
                t2 - t1,
                time.perf_counter() - t2,
            )
        if not invoices and advances:
            ch = self._chunk(key, [], advances)
            self._finish(ch)
            self._write(ch)
        self.env.invalidate_all()
        self._analyze()
        self.timings[key] = time.perf_counter() - started


def build_bulk_book(env, plan, company=None, second_company=None, chunk=CHUNK):
    """Write the plan's documents set-based; return the builder (partners, stats)."""
    return BulkBookBuilder(
        env, plan, company=company, second_company=second_company, chunk=chunk
    ).build()
