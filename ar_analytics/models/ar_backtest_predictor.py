from odoo import fields, models

from ..engine.backtest import PREDICTOR_NAIVE, PREDICTOR_SCORE
from ..engine.constants import SCORE_INDICATORS

PREDICTORS = [
    (PREDICTOR_SCORE, "Credit score"),
    (PREDICTOR_NAIVE, "Past days late alone (naive)"),
    *SCORE_INDICATORS,
]


class ArBacktestPredictor(models.Model):
    """One line of the grades' backtest (docs/metrics.md, "The score against its own
    ingredients"): how well a predictor as of the backtest date ranked customers by how
    late they paid since, next to the score on the same customers. Written by
    ``ar.backtest._backtest``; read-only everywhere else."""

    _name = "ar.backtest.predictor"
    _description = "Backtest of a credit score predictor"
    _order = "company_id, sequence, id"
    _rec_name = "predictor"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(readonly=True)
    predictor = fields.Selection(PREDICTORS, required=True, readonly=True)
    customers = fields.Integer(
        readonly=True, help="Customers rated then who paid since, for whom it is defined."
    )
    spearman = fields.Float(
        "Rank correlation",
        readonly=True,
        digits=(4, 3),
        help="1: it ranked the customers exactly by how late they paid since; 0: not at all.",
    )
    score_spearman = fields.Float(
        "Credit score, same customers",
        readonly=True,
        digits=(4, 3),
        help="The credit score's rank correlation on the same customers.",
    )
    has_spearman = fields.Boolean("Rank correlation defined", readonly=True)
    has_score_spearman = fields.Boolean("Credit score's rank correlation defined", readonly=True)
