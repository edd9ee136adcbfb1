"""Constants of the receivables engine (metrics.md sections 0-3).

Everything that is a parameter of a figure (allocation kinds, default aging buckets,
payment index curve, default window, horizons) lives here so that the code below reads
as formulas and the defaults are reviewed in one place.
"""

# Allocation kinds (metrics.md section 0, engine_contract.md "Allocation kinds").
KIND_CASH = "cash"
KIND_PENDING = "pending"
KIND_CREDIT_NOTE = "credit_note"
KIND_ADJUSTMENT = "adjustment"
KIND_FX = "fx"
ALLOCATION_KINDS = (KIND_CASH, KIND_PENDING, KIND_CREDIT_NOTE, KIND_ADJUSTMENT, KIND_FX)

#: Per-item output column holding the company-currency sum of each allocation kind.
KIND_COLUMNS = {
    KIND_CASH: "cash",
    KIND_PENDING: "pending",
    KIND_CREDIT_NOTE: "credit_noted",
    KIND_ADJUSTMENT: "adjusted",
    KIND_FX: "fx",
}

# Move types (metrics.md section 0).
MOVE_INVOICE = "out_invoice"
MOVE_REFUND = "out_refund"
#: Documents: net sales are their balances; as a counterpart they make a credit note.
SALES_MOVE_TYPES = (MOVE_INVOICE, MOVE_REFUND)

#: A residual whose absolute value is below this is zero (settled).
ZERO_TOLERANCE = 0.005

#: Default trailing window in days: (as_of - 365 days, as_of].
DEFAULT_WINDOW_DAYS = 365
#: Fewer payment index observations than this: the index is undefined (section 2).
DEFAULT_MIN_OBS = 3
#: DSO countback looks back at most this many months (section 3).
DEFAULT_HORIZON = 24
#: CEI period in months, N (section 3).
DEFAULT_CEI_MONTHS = 3
#: AR turnover averages this many month-end balances (section 3).
TURNOVER_POINTS = 13
#: pct_over_90 counts open positive items with dpd >= this (section 1).
OVER_90_DAYS = 91

# DSO countback stop flags (section 3).
FLAG_NONPOSITIVE = "nonpositive_month"
FLAG_HORIZON = "horizon"

# Payment index curve (section 2): idx = interp(days, X, Y), clamped at both ends.
INDEX_CURVE_X = (-30.0, -20.0, 0.0, 15.0, 22.0, 30.0, 60.0, 90.0, 120.0, 180.0)
INDEX_CURVE_Y = (100.0, 90.0, 80.0, 70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 0.0)

# Aging (section 1).
BASIS_DUE = "due"
BASIS_INVOICE = "invoice"
AGING_BASES = (BASIS_DUE, BASIS_INVOICE)
BUCKET_PREFIX = "bucket_"
#: (code, label, min_days, max_days); None = open on that side.
DEFAULT_BUCKETS = (
    ("not_due", "Not due", None, 0),
    ("d1_30", "1-30", 1, 30),
    ("d31_60", "31-60", 31, 60),
    ("d61_90", "61-90", 61, 90),
    ("d91_120", "91-120", 91, 120),
    ("over_120", "Over 120", 121, None),
)
