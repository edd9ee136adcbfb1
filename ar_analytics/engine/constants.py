"""Constants of the receivables engine (metrics.md sections 0-3).

Everything that is a parameter of a figure (allocation kinds, default aging buckets,
payment index curve, default window, horizons) lives here so that the code below reads
as formulas and the defaults are reviewed in one place. The codes the engine returns
(grades, tiers, severities...) are here too with their English labels: the Odoo fields'
selections and the company's defaults read them from here.
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
#: The customer and company CEI is the mean of the monthly CEIs of this many months (section 3).
DEFAULT_CEI_MONTHS = 3
#: A CEI whose denominator is under this share of Beg + S/N is undefined (section 3).
CEI_MIN_DENOMINATOR_SHARE = 0.01
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
#: Aging bases with their English labels; the engine's default basis is BASIS_DUE.
AGING_BASIS_LABELS = ((BASIS_DUE, "Due date"), (BASIS_INVOICE, "Invoice date"))
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

# Credit score and grade (metrics.md section 4).
#: Indicator columns of the score breakdown, S1..S5, with their English labels.
SCORE_INDICATORS = (
    ("s1", "Payment index"),
    ("s2", "Share not overdue"),
    ("s3", "Oldest overdue item"),
    ("s4", "Collection rate"),
    ("s5", "Days-late trend"),
)
SCORE_COLUMNS = tuple(code for code, _label in SCORE_INDICATORS)
#: The indicators' names in the stored figures (score_index, weight_index, points_index...).
SCORE_INDICATOR_NAMES = {
    "s1": "index",
    "s2": "overdue",
    "s3": "age",
    "s4": "collection",
    "s5": "trend",
}
#: Default weights of S1..S5 (expert defaults, not a published standard).
DEFAULT_SCORE_WEIGHTS = (0.40, 0.20, 0.15, 0.15, 0.10)
#: Lowest unrounded score of grades A, B and C; below the last one: D.
DEFAULT_GRADE_CUTOFFS = (80.0, 65.0, 50.0)
GRADES = ("A", "B", "C", "D")
#: Grades with their labels: a grade is its own label.
GRADE_LABELS = tuple((grade, grade) for grade in GRADES)
#: S3 reaches 0 at this many days past due.
DEFAULT_DPD_CAP = 120
#: S5 reaches 0 when WADL worsened by this many days.
DEFAULT_TREND_FULL = 30
#: dWADL compares the WADL of the last this many days with the rest of the window.
DEFAULT_RECENT_DAYS = 90
#: Scores within this distance below a cut-off get the higher grade (float noise only).
SCORE_TOLERANCE = 1e-9
#: Grade C: hold new orders while any item is more than this many days past due.
GRADE_HOLD_DAYS = 30
#: Default credit policy per grade: grade -> (code, English label).
GRADE_POLICIES = {
    "A": ("extended_terms", "Extended terms"),
    "B": ("standard_terms", "Standard terms"),
    "C": (
        "reduced_limit_hold",
        "Reduced limit; hold new orders while any item is more than 30 days past due",
    ),
    "D": ("cash_in_advance", "Cash in advance or guarantee"),
}
#: The policies of GRADE_POLICIES in grade order: (code, English label).
GRADE_POLICY_LABELS = tuple(policy for _grade, policy in sorted(GRADE_POLICIES.items()))
#: Overdue credit rule: block while an item is more than this many days past due.
DEFAULT_OVERDUE_DAYS = 60
#: Broken promise: days after the promised date before an unkept promise counts.
DEFAULT_PROMISE_GRACE_DAYS = 3

# Early-warning signals (metrics.md section 7, docs/metrics.md "Early-warning signals").
#: Severity of a signal, from the mildest.
SEVERITY_NONE = "none"
SEVERITY_WARN = "warn"
SEVERITY_ALERT = "alert"
SEVERITIES = (SEVERITY_NONE, SEVERITY_WARN, SEVERITY_ALERT)
#: Severity -> rank (its position in SEVERITIES): what the worst of several signals compares.
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
#: Severities with their English labels.
SEVERITY_LABELS = (
    (SEVERITY_NONE, "None"),
    (SEVERITY_WARN, "Warning"),
    (SEVERITY_ALERT, "Alert"),
)
SIGNAL_PRESET_CAUTIOUS = "cautious"
SIGNAL_PRESET_STANDARD = "standard"
SIGNAL_PRESET_RELAXED = "relaxed"
#: A company whose statistical thresholds match no preset.
SIGNAL_PRESET_CUSTOM = "custom"
#: Statistical thresholds of the lateness signals per sensitivity preset (SignalThresholds
#: field names); "standard" holds the specification's values, the engine's defaults.
SIGNAL_PRESETS = {
    SIGNAL_PRESET_CAUTIOUS: {
        "jump_warn_z": 1.5,
        "jump_alert_z": 2.5,
        "ewma_lambda": 0.2,
        "ewma_sigmas": 2.5,
        "cusum_k": 0.5,
        "cusum_h": 4.0,
    },
    SIGNAL_PRESET_STANDARD: {
        "jump_warn_z": 2.0,
        "jump_alert_z": 3.0,
        "ewma_lambda": 0.2,
        "ewma_sigmas": 3.0,
        "cusum_k": 0.5,
        "cusum_h": 5.0,
    },
    SIGNAL_PRESET_RELAXED: {
        "jump_warn_z": 2.5,
        "jump_alert_z": 3.5,
        "ewma_lambda": 0.2,
        "ewma_sigmas": 3.5,
        "cusum_k": 0.5,
        "cusum_h": 6.0,
    },
}
DEFAULT_SIGNAL_PRESET = SIGNAL_PRESET_STANDARD
#: Sensitivity presets with their English labels.
SIGNAL_PRESET_LABELS = (
    (SIGNAL_PRESET_CAUTIOUS, "Cautious: more alerts, earlier"),
    (SIGNAL_PRESET_STANDARD, "Standard"),
    (SIGNAL_PRESET_RELAXED, "Relaxed: fewer alerts"),
    (SIGNAL_PRESET_CUSTOM, "Custom"),
)
#: A company's default minimum amount at risk of a signal, in its currency (the engine's
#: own default is 0: every signal raised).
DEFAULT_SIGNAL_MIN_AMOUNT = 100.0

# Contribution and tiers (metrics.md section 5).
COST_COGS = "cogs"
COST_SALE_ORDER = "sale_order"
#: Current product cost: the margin is flagged as approximate.
COST_STANDARD = "standard"
COST_NONE = "none"
COST_SOURCES = (COST_COGS, COST_SALE_ORDER, COST_STANDARD, COST_NONE)
TIER_CORE = "core"
TIER_IMPORTANT = "important"
TIER_GENERAL = "general"
TIERS = (TIER_CORE, TIER_IMPORTANT, TIER_GENERAL)
#: Tiers with their English labels.
TIER_LABELS = ((TIER_CORE, "Core"), (TIER_IMPORTANT, "Important"), (TIER_GENERAL, "General"))
#: Cumulative revenue share before the customer below these: core, important.
DEFAULT_TIER_CUTOFFS = (0.80, 0.95)
#: Cumulative shares within this distance below a cut-off count as reaching it.
SHARE_TOLERANCE = 1e-9
#: Concentration: share of the top N customers and of the top fraction of customers.
CONCENTRATION_TOP_N = 10
CONCENTRATION_TOP_FRACTION = 0.20
#: RFM quintile scores 1..RFM_BINS.
RFM_BINS = 5
#: Value x risk matrix: (tier, grade or None when unrated) -> (code, English label).
ACTION_MATRIX = {
    (TIER_CORE, "A"): ("retain_grow", "Key account: retain and grow"),
    (TIER_CORE, "B"): ("retain", "Key account: retain on standard terms"),
    (TIER_CORE, "C"): ("escalate", "Key account at risk: escalate"),
    (TIER_CORE, "D"): ("secure_escalate", "Key account in default risk: secure and escalate"),
    (TIER_CORE, None): ("assess_key_account", "Key account not rated: assess credit"),
    (TIER_IMPORTANT, "A"): ("develop", "Develop: offer extended terms"),
    (TIER_IMPORTANT, "B"): ("maintain", "Maintain standard terms"),
    (TIER_IMPORTANT, "C"): ("reduce_limit", "Reduce limit and follow up closely"),
    (TIER_IMPORTANT, "D"): ("guarantee", "Guarantee or cash in advance"),
    (TIER_IMPORTANT, None): ("assess", "Not rated: assess credit"),
    (TIER_GENERAL, "A"): ("low_touch", "Standard terms, automated reminders"),
    (TIER_GENERAL, "B"): ("standard", "Standard terms"),
    (TIER_GENERAL, "C"): ("tighten", "Reduce limit, hold orders while over 30 days past due"),
    (TIER_GENERAL, "D"): ("cash_in_advance", "Cash in advance"),
    (TIER_GENERAL, None): ("check_first", "Not rated: check before extending credit"),
}
#: The actions of ACTION_MATRIX once each, by code: (code, English label).
ACTION_LABELS = tuple(sorted({code: label for code, label in ACTION_MATRIX.values()}.items()))

# -- dunning (docs/metrics.md, Dunning) -----------------------------------------------------------
#: days each grade moves the overdue levels (later for good payers, earlier for bad ones)
DUNNING_GRADE_OFFSETS = {"A": 7, "B": 0, "C": 0, "D": -7}
#: tiers whose first contact is a call by a person rather than an email or letter
DUNNING_CALL_FIRST_TIERS = (TIER_CORE,)
#: the share of the overdue amount a grade puts at risk (worklist order); no grade counts 1
DUNNING_GRADE_WEIGHTS = {"A": 0.25, "B": 0.5, "C": 0.75, "D": 1.0}
DUNNING_CHANNEL_LABELS = (
    ("email", "Email"),
    ("letter", "Letter"),
    ("call", "Call"),
    ("escalate", "Escalation"),
)
#: outcomes a collector logs after a call
CALL_OUTCOME_LABELS = (
    ("reached", "Reached, will pay"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("no_answer", "No answer"),
    ("wrong_contact", "Wrong contact"),
)
#: days until the next action after an outcome without a date of its own
CALL_OUTCOME_FOLLOW_UP_DAYS = {"reached": 7, "dispute": 14, "no_answer": 2, "wrong_contact": 1}
#: periodic statements of account: months per period
STATEMENT_PERIOD_MONTHS = {"month": 1, "quarter": 3}
STATEMENT_PERIOD_LABELS = (("off", "Off"), ("month", "Monthly"), ("quarter", "Quarterly"))
