from odoo import fields, models

# engine column -> (field name, SQL type); the writer stores NaN as NULL.
FIGURES = {
    "booked_open": ("open_invoiced", "numeric"),
    "total_ar": ("total_ar", "numeric"),
    "unapplied_credits": ("unapplied_credits", "numeric"),
    "percent_current": ("percent_current", "float8"),
    "pct_over_90": ("pct_over_90", "float8"),
    "overdue_amount": ("overdue_amount", "numeric"),
    "overdue_ratio": ("overdue_ratio", "float8"),
    "max_dpd": ("max_dpd", "int4"),
    "last_payment_date": ("last_payment_date", "date"),
    "n_obs": ("n_obs", "int4"),
    "wadp": ("payment_cycle_days", "float8"),
    "wat": ("terms_days", "float8"),
    "wadl": ("days_late", "float8"),
    "dbt": ("days_beyond_terms", "float8"),
    "adl": ("average_days_late", "float8"),
    "payment_index": ("payment_index", "float8"),
    "n_index_obs": ("n_index_obs", "int4"),
    "collection_rate": ("collection_rate", "float8"),
    "on_time_rate": ("on_time_rate", "float8"),
    "dso": ("dso", "float8"),
    "dso_flag": ("dso_flag", "varchar"),
    "bpdso": ("best_possible_dso", "float8"),
    "add": ("average_days_delinquent", "float8"),
    "cei": ("cei", "float8"),
    "ar_turnover": ("ar_turnover", "float8"),
    "net_sales": ("net_sales", "numeric"),
    "pending_amount": ("pending_amount", "numeric"),
}
# flag field -> engine column whose presence it records (undefined figures are shown empty)
FLAGS = {
    "has_balance": "percent_current",
    "has_open": "overdue_ratio",
    "has_behaviour": "wadp",
    "has_adl": "adl",
    "has_index": "payment_index",
    "has_collection": "collection_rate",
    "has_dso": "dso",
    "has_cei": "cei",
    "has_turnover": "ar_turnover",
}


class ArFiguresMixin(models.AbstractModel):
    """The stored receivables figures of metrics.md sections 1-3, for a customer or a company.

    Undefined figures are NULL in the database (ignored by averages) and hidden in the views
    through the ``has_*`` flags, so that they are shown empty, never as 0."""

    _name = "ar.figures.mixin"
    _description = "Receivables figures"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    as_of = fields.Date("As of", readonly=True, help="Date the figures describe.")
    computed_at = fields.Datetime("Computed at", readonly=True)
    window_days = fields.Integer("Window (days)", related="company_id.ar_window_days")

    # section 1: aging
    total_ar = fields.Monetary("Open receivables", readonly=True, aggregator="sum")
    open_invoiced = fields.Monetary("Open invoices", readonly=True, aggregator="sum")
    unapplied_credits = fields.Monetary(readonly=True, aggregator="sum")
    pending_amount = fields.Monetary(
        "Pending bank matching",
        readonly=True,
        aggregator="sum",
        help="Payments registered but not yet matched with the bank: not collected yet.",
    )
    overdue_amount = fields.Monetary("Overdue", readonly=True, aggregator="sum")
    overdue_ratio = fields.Float("Overdue ratio", readonly=True, aggregator="avg")
    percent_current = fields.Float("Current share", readonly=True, aggregator="avg")
    pct_over_90 = fields.Float("Over 90 days share", readonly=True, aggregator="avg")
    max_dpd = fields.Integer("Oldest overdue (days)", readonly=True, aggregator="max")
    # section 2: payment behaviour
    last_payment_date = fields.Date(readonly=True, aggregator="max")
    n_obs = fields.Integer("Payments observed", readonly=True, aggregator="sum")
    payment_cycle_days = fields.Float(
        "Payment cycle (days)",
        readonly=True,
        aggregator="avg",
        help="Amount-weighted average days from invoice date to payment (WADP).",
    )
    terms_days = fields.Float(
        "Terms (days)", readonly=True, aggregator="avg", help="Amount-weighted average terms (WAT)."
    )
    days_late = fields.Float(
        "Days late",
        readonly=True,
        aggregator="avg",
        help="Amount-weighted average days late, signed (WADL).",
    )
    days_beyond_terms = fields.Float(
        "Days beyond terms",
        readonly=True,
        aggregator="avg",
        help="Amount-weighted days paid after the due date (DBT).",
    )
    average_days_late = fields.Float(
        "Average days late (settled)",
        readonly=True,
        aggregator="avg",
        help="Mean over fully settled items (ADL).",
    )
    payment_index = fields.Float(
        readonly=True, aggregator="avg", help="0-100, 80 = pays on the due date (section 2)."
    )
    n_index_obs = fields.Integer("Index observations", readonly=True, aggregator="sum")
    # section 3: collection
    collection_rate = fields.Float("Collection rate", readonly=True, aggregator="avg")
    on_time_rate = fields.Float("On-time rate", readonly=True, aggregator="avg")
    dso = fields.Float(
        "DSO", readonly=True, aggregator="avg", help="Days sales outstanding, countback."
    )
    dso_flag = fields.Selection(
        [
            ("nonpositive_month", "Stopped at a month without sales"),
            ("horizon", "Stopped at the 24-month horizon"),
        ],
        "DSO note",
        readonly=True,
    )
    best_possible_dso = fields.Float("Best possible DSO", readonly=True, aggregator="avg")
    average_days_delinquent = fields.Float(
        "Average days delinquent", readonly=True, aggregator="avg"
    )
    cei = fields.Float(
        "CEI",
        readonly=True,
        aggregator="avg",
        help="Collection effectiveness index, 0-100: the mean of the monthly indexes of the "
        "last 3 months (100 = everything collectable was collected).",
    )
    ar_turnover = fields.Float("AR turnover", readonly=True, aggregator="avg")
    net_sales = fields.Monetary("Net sales (window)", readonly=True, aggregator="sum")
    # definedness flags
    has_balance = fields.Boolean(readonly=True)
    has_open = fields.Boolean(readonly=True)
    has_behaviour = fields.Boolean(readonly=True)
    has_adl = fields.Boolean(readonly=True)
    has_index = fields.Boolean(readonly=True)
    has_collection = fields.Boolean(readonly=True)
    has_dso = fields.Boolean(readonly=True)
    has_cei = fields.Boolean(readonly=True)
    has_turnover = fields.Boolean(readonly=True)
