import itertools

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.constants import DEFAULT_BUCKETS


class ArAgingBucket(models.Model):
    """One aging bucket of a company. Buckets are ordered by their upper bound: each starts the
    day after the previous one ends, the first covers everything up to its bound (0 = not yet
    due) and the last is open-ended, so they can neither overlap nor leave gaps."""

    _name = "ar.aging.bucket"
    _description = "Receivables aging bucket"
    _order = "company_id, sequence, days_to, id"

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.company,
    )
    sequence = fields.Integer(default=10)
    days_to = fields.Integer(
        string="Up to (days past due)",
        help="Last day past due of this bucket (0: not yet due). Ignored on the last bucket, "
        "which holds everything older.",
    )
    days_from = fields.Integer(compute="_compute_bounds", string="From (days past due)")
    open_ended = fields.Boolean(compute="_compute_bounds")

    @api.depends("company_id", "sequence", "days_to")
    def _compute_bounds(self):
        self.days_from = 0
        self.open_ended = False
        for company in self.company_id:
            buckets = self.search([("company_id", "=", company.id)])
            for bucket in buckets & self:
                index = buckets.ids.index(bucket.id)
                previous = buckets[index - 1] if index else None
                bucket.days_from = previous.days_to + 1 if previous else 0
                bucket.open_ended = bucket == buckets[-1]

    @api.constrains("company_id", "sequence", "days_to")
    def _check_order(self):
        for company in self.company_id:
            buckets = self.search([("company_id", "=", company.id)])
            if len(buckets) < 2:
                raise ValidationError(
                    self.env._(
                        "%(company)s needs at least two aging buckets.", company=company.name
                    )
                )
            bounds = buckets[:-1].mapped("days_to")
            if any(later <= earlier for earlier, later in itertools.pairwise(bounds)):
                raise ValidationError(
                    self.env._(
                        "The aging buckets of %(company)s must end on strictly increasing days "
                        "past due (got %(bounds)s).",
                        company=company.name,
                        bounds=", ".join(map(str, bounds)),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_last_two(self):
        for company in self.company_id:
            remaining = self.search([("company_id", "=", company.id), ("id", "not in", self.ids)])
            if len(remaining) < 2:
                raise ValidationError(
                    self.env._(
                        "%(company)s needs at least two aging buckets.", company=company.name
                    )
                )

    @api.model
    def _default_values(self, company):
        return [
            {
                "name": label,
                "company_id": company.id,
                "sequence": (n + 1) * 10,
                "days_to": high or 0,
            }
            for n, (_code, label, _low, high) in enumerate(DEFAULT_BUCKETS)
        ]

    @api.model
    def _ensure_defaults(self, companies):
        """Create the default buckets of the companies that have none."""
        have = set(self.search([("company_id", "in", companies.ids)]).company_id.ids)
        vals = [v for c in companies if c.id not in have for v in self._default_values(c)]
        return self.create(vals) if vals else self.browse()

    @api.model
    def _engine_buckets(self, company):
        """The company's buckets in the engine's form: (code, label, min_days, max_days)."""
        buckets = self.search([("company_id", "=", company.id)])
        if not buckets:
            buckets = self._ensure_defaults(company)
        rows, previous = [], None
        for bucket in buckets:
            last = bucket == buckets[-1]
            rows.append(
                (
                    f"b{bucket.id}",
                    bucket.name,
                    None if previous is None else previous + 1,
                    None if last else bucket.days_to,
                )
            )
            previous = bucket.days_to
        return rows
