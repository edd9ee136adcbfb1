"""The values Odoo derives from a chunk's documents, set before they are written.

Ids reserved from the tables' sequences, reconciled flags, full reconciles and matching
numbers, moves' totals, residuals and payment states, and the payments' states.
"""

import collections

from .bulk_tables import reserve_ids


def finish_chunk(env, ch):
    """Reserve the chunk's ids and set its derived values; return the first id of each table
    ({'move', 'line', 'partial', 'payment'}) and the ids of its full reconciles."""
    base = {
        "move": reserve_ids(env, "account_move", len(ch.moves)),
        "line": reserve_ids(env, "account_move_line", len(ch.lines)),
        "partial": reserve_ids(env, "account_partial_reconcile", len(ch.partials)),
        "payment": reserve_ids(env, "account_payment", len(ch.payments)),
    }
    groups = _reconciliation_groups(ch)
    for line in ch.lines:
        line["reconciled"] = line["reconcilable"] and line["res"] == 0 and line["res_cur"] == 0
    full_ids = _full_reconciles(env, ch, groups, base["partial"])
    counterparts = _counterparts(ch)
    for index, move in enumerate(ch.moves):
        _move_totals(ch, move, counterparts.get(index))
    _payment_states(ch)
    return base, full_ids


def _reconciliation_groups(ch):
    """The reconciliation graphs: union-find over the partials, each group keyed by its
    smallest line index, with its partials' indices."""
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
    return groups


def _full_reconciles(env, ch, groups, part0):
    """A full reconcile for each group whose lines are all reconciled, and the matching
    numbers of every group (the full reconcile's id, else P and its smallest partial's id);
    returns the full reconciles' ids."""
    full_count = 0
    full_of = {}  # root -> local full reconcile index
    for root, partials in groups.items():
        members = {ch.partials[n][s] for n in partials for s in ("debit", "credit")}
        if all(ch.lines[i]["reconciled"] for i in members):
            full_of[root] = full_count
            full_count += 1
    full0 = reserve_ids(env, "account_full_reconcile", full_count)
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
    return list(range(full0, full0 + full_count))


def _counterparts(ch):
    """Per move index, [settled by a payment, move types of its counterparts]: paid by
    payments or by credit notes, for the invoices' payment state."""
    payment_paid = collections.defaultdict(lambda: [False, set()])
    for p in ch.partials:
        for side, other in (("debit", "credit"), ("credit", "debit")):
            move = ch.lines[p[side]]["move"]
            cp_move = ch.moves[ch.lines[p[other]]["move"]]
            state = payment_paid[move]
            state[1].add(cp_move["move_type"])
            state[0] = state[0] or "payment" in cp_move
    return payment_paid


def _payment_states(ch):
    """Odoo's payment state: paid once matched with the bank or once every invoice it
    settles is paid (Community); in process otherwise (a part payment, an advance)."""
    for payment in ch.payments:
        invoices = [ch.moves[m]["payment_state"] for m in payment["invoices"]]
        paid = payment["is_matched"] or (invoices and set(invoices) == {"paid"})
        payment["state"] = "paid" if paid else "in_process"


def _move_totals(ch, move, paid):
    """The move's totals, residuals and payment state, as Odoo computes them; ``paid``:
    (settled by a payment, move types of its counterparts) or None when nothing settles it."""
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
