import itertools

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.translate import LazyTranslate

from ..engine.constants import DEFAULT_BUCKETS

_lt = LazyTranslate(__name__)
#: the names the addon gives its buckets, translated into every installed language (a name
#: the user changed is left alone)
SHIPPED_NAMES = {
    "Not due": _lt("Not due"),
    "1-30": _lt("1-30"),
    "31-60": _lt("31-60"),
    "61-90": _lt("61-90"),
    "91-120": _lt("91-120"),
    "Over 120": _lt("Over 120"),
    "Unapplied credits": _lt("Unapplied credits"),
}

#: after every age bucket on the aging screens
UNAPPLIED_SEQUENCE = 10000


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
    # The unapplied credits of the aging screens are a column of their own, kept out of the
    # age configuration (archived) so that every age bucket rule ignores it.
    active = fields.Boolean(default=True, readonly=True)
    unapplied = fields.Boolean(readonly=True)

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

    @api.constrains("company_id", "sequence", "days_to", "active")
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
        """Create the default buckets of the companies that have none, and their column of
        unapplied credits."""
        have = set(self.search([("company_id", "in", companies.ids)]).company_id.ids)
        vals = [v for c in companies if c.id not in have for v in self._default_values(c)]
        buckets = self.create(vals) if vals else self.browse()
        self._unapplied_buckets(companies)
        self._translate_shipped_names(companies=companies)
        return buckets

    @api.model
    def _translate_shipped_names(self, langs=None, companies=None):
        """Give the buckets (of ``companies``, default all) that still bear a shipped name
        its translation in ``langs`` (default: every installed language)."""
        langs = langs or [code for code, _name in self.env["res.lang"].get_installed()]
        langs = [lang for lang in langs if lang != "en_US"]
        if not langs:
            return
        domain = [("name", "in", list(SHIPPED_NAMES))]
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        buckets = self.sudo().with_context(active_test=False, lang="en_US").search(domain)
        translated = {
            name: {lang: self.with_context(lang=lang).env._(label) for lang in langs}
            for name, label in SHIPPED_NAMES.items()
        }
        for bucket in buckets:
            bucket.update_field_translations("name", translated[bucket.name])

    @api.model
    def _unapplied_buckets(self, companies):
        """Per company id, the column that holds its unapplied credits on the aging screens
        (created when missing)."""
        found = self.with_context(active_test=False).search(
            [("company_id", "in", companies.ids), ("unapplied", "=", True)]
        )
        by_company = {bucket.company_id.id: bucket for bucket in found}
        missing = [c for c in companies if c.id not in by_company]
        for bucket in self.sudo().create(
            [
                {
                    "name": "Unapplied credits",
                    "company_id": company.id,
                    "sequence": UNAPPLIED_SEQUENCE,
                    "active": False,
                    "unapplied": True,
                }
                for company in missing
            ]
        ):
            by_company[bucket.company_id.id] = bucket
        return by_company

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
