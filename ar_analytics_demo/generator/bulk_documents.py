"""The accounting documents of a chunk of invoices, computed in memory from the plan.

Invoices with their installments, credit notes and full reversals reconciled with them, and the
payments and write-offs the plan gives each installment, settled day by day the way
``book_payments.py`` registers them (see ``bulk.py`` for what the bulk path does differently).
"""

import collections
import datetime
import itertools

from .bulk_chunk import Chunk, Event, half_up


class BulkDocumentsMixin:
    """How ``BulkBookBuilder`` fills a ``Chunk``: kept apart from the builder's per-company
    constants (``ctx``, ``_name``, ``_rate``, ``_installments``), which it relies on."""

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
            sub_cur = half_up(qty * price_cents)
            sub = half_up(sub_cur / rate)
            line_tax_cur = half_up(sub_cur * ctx["tax_rate"] / 100)
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
        tax = half_up(tax_cur / rate)
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
        lines = [(code, qty, half_up(price * 100)) for code, qty, price in inv.lines]
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
            refunded = [(code, qty, half_up(price_cents * share))]
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
        """The amount the Register payment wizard proposes (``book_payments._proposed``)."""
        items = self._open_items(ch, move)
        overdue = [i for i in items if ch.lines[i]["date_maturity"] < day]
        return sum(ch.lines[i]["res_cur"] for i in overdue or items[:1])

    def _takes(self, ch, items, amount_cur):
        """``amount_cur`` spread over ``items`` in order: [(item, cents in currency, company
        cents)], the company amount at each item's own rate (what ``Chunk.reconcile``
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
                else half_up(line["res"] * take / line["res_cur"])
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
        (``book_payments._settlements``)."""
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
                first = half_up(residual * share)
                events.append(Event(paid_on, "payment", item, first, inv, partner))
                if rest_delay is not None:
                    rest_on = due + datetime.timedelta(days=rest_delay)
                    kind = "write_off" if write_off else "payment"
                    events.append(Event(rest_on, kind, item, residual - first, inv, partner))
            else:
                events.append(Event(paid_on, "payment", item, residual, inv, partner))
        return events

    def _settle(self, ch, events):
        """The chunk's payments and write-offs day by day, as ``book_payments._payments`` registers
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
        ch = Chunk()
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
            amount = half_up(customer.unapplied_advance * 100)
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
