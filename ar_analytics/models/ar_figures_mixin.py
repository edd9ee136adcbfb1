from odoo import fields, models


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
