"""How well the figures would have predicted: the score history rebuilt at past month-ends,
the backtest of grades and expected payment dates, and the suggested indicator weights.
Each computes the figures as they stood at past dates through ``ar.refresh._compute``."""

import datetime

import numpy as np
import pandas as pd

from odoo import api, models

from .. import engine
from ..engine import pipeline
from ..store import figures as stored
from .res_company import WEIGHT_FIELDS
from .res_company_backtest import BACKTEST_DATE_FIELDS, SUGGESTION_FIELDS


def _stored_float(value):
    """A figure as Odoo stores it: False when undefined (Odoo cannot store NaN)."""
    return float(value) if np.isfinite(value) else False


class ArBacktest(models.AbstractModel):
    _name = "ar.backtest"
    _description = "Receivables figures backtest"

    @api.model
    def _month_ends(self, as_of, months):
        ends = pd.date_range(end=pd.Timestamp(as_of), periods=months + 1, freq="ME")
        return [d.date() for d in ends if d.date() < as_of][-months:]

    @api.model
    def _backfill_history(self, company, months=24, as_of=None):
        """Rebuild the history as of the last ``months`` month-ends, from the data as it
        stood then (documents dated up to each date, allocations with max_date up to it)."""
        refresh = self.env["ar.refresh"]
        as_of = as_of or refresh._default_as_of(company)
        dates = self._month_ends(as_of, months)
        for date in dates:
            figures = refresh._compute(company, date)["figures"]
            stored.write_history(self.env, company, date, figures)
        return len(dates)

    @api.model
    def _days_late_since(self, company, as_of, days, frames=None):
        """Per customer, the WADL of the cash paid in (as_of - days, as_of]; ``frames``: the
        (items, allocs) extracted at as_of, when the caller has them."""
        refresh = self.env["ar.refresh"]
        items, allocs = frames if frames is not None else refresh._extract(company, as_of)
        return pipeline.days_late_since(items, allocs, as_of, days, refresh._settings(company))

    @api.model
    def _backtest(self, company, horizon_days=180, as_of=None):
        """How well the grades of ``horizon_days`` ago rank customers by how late they
        actually paid since: Spearman rank correlation between the score then and the days
        late since (negated: 1 = perfect), and the share of customers who later paid more
        than 30 days late that were graded C or D; the same rank correlation for the naive
        predictor (past days late) and each indicator alone; and the error of the expected
        payment dates of the items then open, next to two naive dates. Stored on the
        company and in ``ar.backtest.predictor``."""
        refresh = self.env["ar.refresh"]
        as_of = as_of or refresh._default_as_of(company)
        then = as_of - datetime.timedelta(days=horizon_days)
        before = refresh._compute(company, then)["figures"]
        items, allocs = refresh._extract(company, as_of)
        later = self._days_late_since(company, as_of, horizon_days, (items, allocs))
        result = engine.backtest_grades(before, later)
        predictors = engine.backtest_predictors(before, later)
        dates = pipeline.payment_date_backtest(
            items, allocs, then, as_of, before["tier"], refresh._settings(company)
        )
        company.sudo().write(
            {
                "ar_backtest_date": then,
                "ar_backtest_customers": result["customers"],
                "ar_backtest_items": dates["items"],
                **{
                    f"ar_backtest_{key}": _stored_float(result[key])
                    for key in ("spearman", "capture")
                },
                **{
                    field: _stored_float(dates[f"{method}_mae"])
                    for field, method in BACKTEST_DATE_FIELDS.items()
                },
            }
        )
        self._write_predictors(company, predictors)
        return {**result, "predictors": predictors, "payment_dates": dates}

    @api.model
    def _write_predictors(self, company, predictors):
        """Replace the company's lines of ``ar.backtest.predictor`` with ``predictors``
        (:func:`engine.backtest_predictors`)."""
        lines = self.env["ar.backtest.predictor"].sudo()
        lines.search([("company_id", "=", company.id)]).unlink()
        lines.create(
            [
                {
                    "company_id": company.id,
                    "sequence": sequence,
                    "predictor": predictor,
                    "customers": int(row["customers"]),
                    "spearman": _stored_float(row["spearman"]),
                    "has_spearman": bool(np.isfinite(row["spearman"])),
                    "score_spearman": _stored_float(row["score_spearman"]),
                    "has_score_spearman": bool(np.isfinite(row["score_spearman"])),
                }
                for sequence, (predictor, row) in enumerate(predictors.iterrows())
            ]
        )

    @api.model
    def _suggest_weights(self, company, horizon_days=180, as_of=None):
        """Indicator weights that would have ranked the company's customers best: fitted on
        the scores of 2 x ``horizon_days`` ago against the days late paid in the following
        ``horizon_days``, judged with the current weights on the scores of ``horizon_days``
        ago against the days late paid since (docs/metrics.md, "Suggested weights"). Stored
        on the company when the fit found weights; returns the engine's result."""
        refresh = self.env["ar.refresh"]
        as_of = as_of or refresh._default_as_of(company)
        middle = as_of - datetime.timedelta(days=horizon_days)
        start = middle - datetime.timedelta(days=horizon_days)
        result = engine.suggest_weights(
            refresh._compute(company, start)["figures"],
            self._days_late_since(company, middle, horizon_days),
            refresh._compute(company, middle)["figures"],
            self._days_late_since(company, as_of, horizon_days),
            company._ar_score_weights(),
        )
        values = dict.fromkeys(SUGGESTION_FIELDS, False)
        if result["weights"] is not None and np.isfinite(result["gain"]):
            values.update(
                {
                    "ar_suggest_date": as_of,
                    "ar_suggest_customers": result["test_customers"],
                    **{
                        f"ar_suggest_{name}": weight
                        for name, weight in zip(WEIGHT_FIELDS, result["weights"], strict=True)
                    },
                    "ar_suggest_spearman": result["test_spearman"],
                    "ar_suggest_current_spearman": result["test_current"],
                    "ar_suggest_gain": result["gain"],
                }
            )
        company.sudo().write(values)
        return result
