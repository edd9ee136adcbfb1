"""The plan of a receivables book: customers, invoices and how each one gets paid.

Pure Python and numpy, seeded, no Odoo import: the same plan is materialised through the ORM
(``book.py``: tests and the demo) and can be materialised by set-based paths for benchmark
books. Every random draw is made here, so one seed gives one book.

A customer's *behaviour* decides the delay of each payment relative to the installment's due
date (negative: early). Dates of payments are worked out by the materialiser, from the due
dates Odoo's payment terms give each installment.
"""

import dataclasses
import datetime

import numpy as np

# Behaviour classes the generator produces, in the order their customers are numbered.
BEHAVIOURS = (
    "prompt",
    "early",
    "slightly_late",
    "chronic",
    "deteriorating",
    "partial",
    "stopper",
)
# Share of the customers of each behaviour in a large book (each class has at least one).
BEHAVIOUR_MIX = {
    "prompt": 0.30,
    "early": 0.10,
    "slightly_late": 0.24,
    "chronic": 0.15,
    "deteriorating": 0.08,
    "partial": 0.08,
    "stopper": 0.05,
}
# Payment terms by the xml id Odoo's account module gives them; advance_60days has two installments.
PAYMENT_TERMS = (
    "account_payment_term_immediate",
    "account_payment_term_15days",
    "account_payment_term_30days",
    "account_payment_term_30days",
    "account_payment_term_45days",
    "account_payment_term_end_following_month",
    "account_payment_term_advance_60days",
)
PRODUCTS = (
    # code, name, list price, cost
    ("ARB-SRV", "Maintenance service (hour)", 95.0, 52.0),
    ("ARB-PMP", "Industrial pump", 1850.0, 1210.0),
    ("ARB-VLV", "Control valve", 420.0, 255.0),
    ("ARB-SEN", "Pressure sensor", 138.0, 71.0),
    ("ARB-KIT", "Spare parts kit", 640.0, 402.0),
)
NAME_PARTS = (
    (
        "Harbor",
        "Summit",
        "Northwind",
        "Bluewater",
        "Granite",
        "Redwood",
        "Silverline",
        "Oakridge",
        "Meridian",
        "Crescent",
        "Ironbridge",
        "Lakeside",
        "Pioneer",
        "Cedar",
        "Falcon",
        "Evergreen",
    ),
    (
        "Logistics",
        "Foods",
        "Engineering",
        "Retail",
        "Pharma",
        "Textiles",
        "Motors",
        "Energy",
        "Builders",
        "Hotels",
        "Labs",
        "Printing",
        "Farms",
        "Plastics",
        "Marine",
        "Clinics",
    ),
)
# Stoppers pay promptly until this many days before the end of the book, then never again.
STOP_PAYING_DAYS = 150
# How a customer's payments reach the books, chosen by the last digit of its number so that
# every book of ten customers or more has each: most through the Register payment wizard on the
# bank journal as Odoo creates it (receipts on the outstanding receipts account); some through a
# second bank journal that books receipts straight to the bank account; some as bank statement
# lines matched with the invoices.
SETTLEMENTS = ("wizard", "bank_direct", "statement")
SETTLEMENT_BY_DIGIT = {4: "bank_direct", 8: "statement"}
# Customers invoiced several times on one day (one invoice per delivery) and paying those
# invoices with one payment (the wizard's grouped payment).
GROUPED_DIGITS = (1, 6)


@dataclasses.dataclass(frozen=True)
class BookSize:
    customers: int
    months: int
    invoices_per_month: float  # mean per customer and month
    second_company_customers: int
    foreign_customers: int


SIZES = {
    "test": BookSize(
        customers=14,
        months=14,
        invoices_per_month=0.7,
        second_company_customers=2,
        foreign_customers=1,
    ),
    "demo": BookSize(
        customers=150,
        months=26,
        invoices_per_month=1.2,
        second_company_customers=15,
        foreign_customers=3,
    ),
    # benchmark books at three sizes (about 31k, 103k and 340k invoices: cost growth)
    "bench_30k": BookSize(
        customers=500,
        months=26,
        invoices_per_month=2.4,
        second_company_customers=25,
        foreign_customers=5,
    ),
    "bench_100k": BookSize(
        customers=1650,
        months=26,
        invoices_per_month=2.4,
        second_company_customers=83,
        foreign_customers=17,
    ),
    "bench": BookSize(
        customers=5000,
        months=26,
        invoices_per_month=2.4,
        second_company_customers=250,
        foreign_customers=50,
    ),
}


@dataclasses.dataclass
class Customer:
    key: str  # stable reference, stored as the partner's ref
    name: str
    behaviour: str
    company: str  # 'main', 'second' or 'both'
    foreign: bool  # invoiced in the main company's foreign currency
    term: str  # payment term xml id (in the account module)
    scale: float  # mean invoice amount before tax
    second_behaviour: str | None = None  # behaviour with the second company, for 'both'
    unapplied_advance: float = 0.0  # a payment on account never matched with an invoice
    settlement: str = "wizard"  # one of SETTLEMENTS
    grouped: bool = False  # one payment for the invoices of a day


@dataclasses.dataclass
class Invoice:
    key: str
    customer: str
    company: str
    date: datetime.date
    lines: list  # [(product code, quantity, unit price)]
    foreign: bool
    delays: tuple  # days after each installment's due date at which it is paid (None: never)
    partial: tuple | None = None  # (share paid first, delay of the rest or None, write off rest)
    refund_share: float = 0.0  # a credit note for this share of the first line
    refund_delay: int = 0  # days after the invoice date
    reverse: bool = False  # fully reversed by a credit note
    cancel: bool = False  # posted, then reset to draft and cancelled


@dataclasses.dataclass
class Plan:
    seed: int
    size: str
    start: datetime.date
    end: datetime.date
    customers: list
    invoices: list

    def customer(self, key):
        return self._by_key[key]

    def __post_init__(self):
        self._by_key = {c.key: c for c in self.customers}


def _behaviour_counts(n):
    """At least one customer of each behaviour, the rest by BEHAVIOUR_MIX (largest remainders)."""
    n = max(n, len(BEHAVIOURS))
    extra = n - len(BEHAVIOURS)
    quotas = {b: BEHAVIOUR_MIX[b] * extra for b in BEHAVIOURS}
    counts = {b: 1 + int(q) for b, q in quotas.items()}
    left = n - sum(counts.values())
    for b in sorted(BEHAVIOURS, key=lambda b: -(quotas[b] - int(quotas[b])))[:left]:
        counts[b] += 1
    return counts


def _delay(rng, behaviour, progress, days_to_end):
    """Days between an installment's due date and its payment (None: never paid)."""
    if behaviour == "prompt":
        return int(rng.integers(-1, 2))
    if behaviour == "early":
        return -int(rng.integers(5, 16))
    if behaviour == "slightly_late":
        return int(rng.integers(3, 13))
    if behaviour == "chronic":
        return int(rng.integers(30, 76))
    if behaviour == "deteriorating":
        return max(-2, round(60 * progress**1.5 + rng.normal(0, 3)))
    if behaviour == "partial":
        return int(rng.integers(0, 11))
    if behaviour == "stopper":
        return None if days_to_end < STOP_PAYING_DAYS else int(rng.integers(0, 4))
    raise ValueError(f"unknown behaviour {behaviour!r}")


def _draw_customers(rng, spec):
    customers = []
    number = 0
    first, second = NAME_PARTS
    for behaviour, count in _behaviour_counts(spec.customers).items():
        for _i in range(count):
            number += 1
            customers.append(
                Customer(
                    key=f"ARB-{number:04d}",
                    name=f"{first[number % len(first)]} {second[(number * 7) % len(second)]} "
                    f"{number:04d}",
                    behaviour=behaviour,
                    company="main",
                    foreign=False,
                    term=PAYMENT_TERMS[int(rng.integers(len(PAYMENT_TERMS)))],
                    # log-normal scale: a few customers carry most of the revenue (ABC tiers)
                    scale=float(np.round(np.exp(rng.normal(7.0, 1.4)), 2)),
                )
            )
    # foreign-currency customers: taken among the prompt and slightly late payers
    candidates = [c for c in customers if c.behaviour in ("prompt", "slightly_late")]
    for c in candidates[: spec.foreign_customers]:
        c.foreign = True
    # customers of the second company only, and one customer shared by both companies
    for _i in range(spec.second_company_customers):
        number += 1
        behaviour = BEHAVIOURS[number % len(BEHAVIOURS)]
        customers.append(
            Customer(
                key=f"ARB-{number:04d}",
                name=f"Europa {second[number % len(second)]} {number:04d}",
                behaviour="slightly_late" if behaviour == "stopper" else behaviour,
                company="second",
                foreign=False,
                term=PAYMENT_TERMS[int(rng.integers(len(PAYMENT_TERMS)))],
                scale=float(np.round(np.exp(rng.normal(7.0, 0.8)), 2)),
            )
        )
    shared = next(c for c in customers if c.behaviour == "prompt" and not c.foreign)
    shared.company = "both"
    shared.second_behaviour = "chronic"
    # two prompt payers pay an advance that is never matched with an invoice (unapplied credit)
    for c in [c for c in customers if c.behaviour == "prompt" and c.company == "main"][1:3]:
        c.unapplied_advance = float(np.round(c.scale * 0.5, 2))
    for number, c in enumerate(customers, start=1):
        c.settlement = SETTLEMENT_BY_DIGIT.get(number % 10, "wizard")
        if c.settlement == "statement" and c.foreign:
            # a statement line is in the bank's currency: foreign invoices go through the wizard
            c.settlement = "wizard"
        c.grouped = c.settlement == "wizard" and number % 10 in GROUPED_DIGITS
    return customers


def _group_deliveries(invoices, customers):
    """A grouped customer's plain invoices of a month get the date and payment delays of the
    month's first one: deliveries invoiced on one day and paid together. Draws nothing, so
    the rest of the book is the same as without grouping."""
    grouped = {c.key for c in customers if c.grouped}
    first = {}
    for inv in invoices:
        if inv.customer not in grouped or inv.partial or inv.refund_share:
            continue
        if inv.reverse or inv.cancel:
            continue
        lead = first.setdefault((inv.customer, inv.company, inv.date.year, inv.date.month), inv)
        inv.date, inv.delays = lead.date, lead.delays


def _draw_invoice(rng, customer, company, behaviour, day, number, start, end):
    n_lines = int(rng.integers(1, 4))
    lines = []
    budget = customer.scale / n_lines
    # products the customer can buy at least once, so that revenue follows its scale
    affordable = [p for p in PRODUCTS if p[2] <= budget] or [min(PRODUCTS, key=lambda p: p[2])]
    for _l in range(n_lines):
        code, _name, price, _cost = affordable[int(rng.integers(len(affordable)))]
        qty = max(1, round(budget / price * rng.uniform(0.5, 1.5)))
        lines.append((code, qty, price))
    progress = (day - start).days / max((end - start).days, 1)
    days_to_end = (end - day).days
    inv = Invoice(
        key=f"{customer.key}-{company[0].upper()}{number:06d}",
        customer=customer.key,
        company=company,
        date=day,
        lines=lines,
        foreign=customer.foreign and company == "main",
        delays=tuple(_delay(rng, behaviour, progress, days_to_end) for _i in range(2)),
    )
    draw = rng.random()
    if behaviour == "partial":
        rest = None if rng.random() < 0.15 else int(rng.integers(30, 76))
        write_off = rest is not None and rng.random() < 0.1
        inv.partial = (float(np.round(rng.uniform(0.4, 0.7), 2)), rest, write_off)
    if draw < 0.04:
        inv.refund_share = float(np.round(rng.uniform(0.1, 0.4), 2))
        inv.refund_delay = int(rng.integers(3, 21))
    elif draw < 0.045:
        inv.reverse = True
    elif draw < 0.05:
        inv.cancel = True
    return inv


def make_plan(size="test", seed=42, end=None):
    """Draw a whole book. ``end`` is the last day of activity (default: today)."""
    spec = SIZES[size]
    rng = np.random.default_rng(seed)
    end = end or datetime.date.today()
    start = (end.replace(day=1) - datetime.timedelta(days=31 * (spec.months - 1))).replace(day=1)
    customers = _draw_customers(rng, spec)
    invoices = []
    month = start
    while month <= end:
        next_month = (month + datetime.timedelta(days=32)).replace(day=1)
        days_in_month = (min(next_month - datetime.timedelta(days=1), end) - month).days + 1
        for c in customers:
            for company in ["main", "second"] if c.company == "both" else [c.company]:
                behaviour = c.second_behaviour if company == "second" else None
                behaviour = behaviour or c.behaviour
                for _k in range(int(rng.poisson(spec.invoices_per_month))):
                    day = month + datetime.timedelta(days=int(rng.integers(days_in_month)))
                    invoices.append(
                        _draw_invoice(
                            rng, c, company, behaviour, day, len(invoices) + 1, start, end
                        )
                    )
        month = next_month
    invoices.sort(key=lambda i: (i.date, i.key))
    # every book shows a cancellation and a full reversal: the first plain invoices get them
    plain = [i for i in invoices if not (i.refund_share or i.reverse or i.cancel or i.partial)]
    if not any(i.cancel for i in invoices) and plain:
        plain.pop(0).cancel = True
    if not any(i.reverse for i in invoices) and plain:
        plain.pop(0).reverse = True
    # every book shows a write-off: the first partial payment whose rest is paid gets written off
    if not any(i.partial and i.partial[2] for i in invoices):
        first = next((i for i in invoices if i.partial and i.partial[1] is not None), None)
        if first:
            first.partial = (first.partial[0], first.partial[1], True)
    _group_deliveries(invoices, customers)
    invoices.sort(key=lambda i: (i.date, i.key))
    return Plan(seed=seed, size=size, start=start, end=end, customers=customers, invoices=invoices)
