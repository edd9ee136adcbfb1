"""The company's backtest results and the indicator weights it suggests."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from .ar_security import INTERNAL_GROUP, MANAGER_GROUP
from .res_company import WEIGHT_FIELDS

#: the backtest of the expected payment dates: company field -> method (engine.expected)
BACKTEST_DATE_FIELDS = {
    "ar_backtest_expected_mae": "expected",
    "ar_backtest_due_mae": "due",
    "ar_backtest_late_mae": "mean_late",
}
#: the stored suggestion (ar.backtest._suggest_weights)
SUGGESTION_FIELDS = (
    "ar_suggest_date",
    "ar_suggest_customers",
    *(f"ar_suggest_{name}" for name in WEIGHT_FIELDS),
    "ar_suggest_spearman",
    "ar_suggest_current_spearman",
    "ar_suggest_gain",
)


class ResCompany(models.Model):
    # one extension per theme of settings, so that no file grows too long
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    # backtest of the grades on the company's own data
    ar_backtest_date = fields.Date("Backtest as of", readonly=True, groups=INTERNAL_GROUP)
    ar_backtest_customers = fields.Integer(
        "Backtest customers", readonly=True, groups=INTERNAL_GROUP
    )
    ar_backtest_spearman = fields.Float(
        "Rank correlation",
        readonly=True,
        digits=(4, 3),
        help="1: the grades ranked the customers exactly by how late they paid since; 0: not "
        "at all.",
        groups=INTERNAL_GROUP,
    )
    ar_backtest_capture = fields.Float(
        "Late payers graded C or D",
        readonly=True,
        digits=(4, 3),
        help="Of the customers who then paid more than 30 days late, the share the grades had "
        "put in C or D.",
        groups=INTERNAL_GROUP,
    )
    ar_backtest_predictor_ids = fields.One2many(
        "ar.backtest.predictor",
        "company_id",
        "Score against its ingredients",
        readonly=True,
        groups=INTERNAL_GROUP,
    )
    # expected payment dates of the backtest date against the actual ones, and naive dates
    ar_backtest_items = fields.Integer(
        "Items paid since",
        readonly=True,
        help="Items open on the backtest date and paid in full since, with cash.",
        groups=INTERNAL_GROUP,
    )
    ar_backtest_expected_mae = fields.Float(
        "Expected dates: mean error (days)", readonly=True, digits=(6, 1), groups=INTERNAL_GROUP
    )
    ar_backtest_due_mae = fields.Float(
        "Due dates: mean error (days)", readonly=True, digits=(6, 1), groups=INTERNAL_GROUP
    )
    ar_backtest_late_mae = fields.Float(
        "Due date + mean days late: mean error (days)",
        readonly=True,
        digits=(6, 1),
        help="Each item's due date plus its customer's average days late so far.",
        groups=INTERNAL_GROUP,
    )
    # indicator weights suggested by the backtest, judged on a period the fit never saw
    ar_suggest_date = fields.Date("Weights suggested as of", readonly=True, groups=INTERNAL_GROUP)
    ar_suggest_customers = fields.Integer("Customers judged", readonly=True, groups=INTERNAL_GROUP)
    ar_suggest_weight_index = fields.Float(
        "Suggested: payment index", readonly=True, digits=(4, 3), groups=INTERNAL_GROUP
    )
    ar_suggest_weight_overdue = fields.Float(
        "Suggested: share not overdue", readonly=True, digits=(4, 3), groups=INTERNAL_GROUP
    )
    ar_suggest_weight_age = fields.Float(
        "Suggested: oldest overdue", readonly=True, digits=(4, 3), groups=INTERNAL_GROUP
    )
    ar_suggest_weight_collection = fields.Float(
        "Suggested: collection rate", readonly=True, digits=(4, 3), groups=INTERNAL_GROUP
    )
    ar_suggest_weight_trend = fields.Float(
        "Suggested: days-late trend", readonly=True, digits=(4, 3), groups=INTERNAL_GROUP
    )
    ar_suggest_spearman = fields.Float(
        "Rank correlation, suggested weights", readonly=True, digits=(4, 3), groups=INTERNAL_GROUP
    )
    ar_suggest_current_spearman = fields.Float(
        "Rank correlation, current weights", readonly=True, digits=(4, 3), groups=INTERNAL_GROUP
    )
    ar_suggest_gain = fields.Float(
        "Gain of the suggested weights",
        readonly=True,
        digits=(4, 3),
        help="How much better the suggested weights ranked customers by later lateness than "
        "the current ones, on the latest half-year, which was not used to choose them (above "
        "0: better).",
        groups=INTERNAL_GROUP,
    )

    def _ar_suggested_weights(self):
        self.ensure_one()
        return tuple(self[f"ar_suggest_{name}"] for name in WEIGHT_FIELDS)

    def _ar_apply_suggested_weights(self):
        """Write the suggested weights as the company's (a credit manager only) and clear
        the suggestion, now the current weights."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only a credit manager can change the credit score weights.")
            )
        if not self.ar_suggest_date:
            raise UserError(self.env._("Suggest weights first: there is no suggestion to apply."))
        weights = self._ar_suggested_weights()
        self.sudo().write(
            {
                **{f"ar_{name}": value for name, value in zip(WEIGHT_FIELDS, weights, strict=True)},
                **dict.fromkeys(SUGGESTION_FIELDS, False),
            }
        )
        return weights
