"""The daily collection job (metrics.md sections 6-7): per company, one extraction (the
refresh's), the engine's trend, forecast, expected payments and signals, then one batched write
per table; alerts raise an activity once per signal and event."""

import datetime
import json
import logging
import time

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.tools import SQL

from .. import engine
from ..engine import expected, forecast, signals, trend
from .ar_refresh import _sql_values, _unnest

_logger = logging.getLogger(__name__)

#: a customer's collections are forecast from this many months of history on
CUSTOMER_FORECAST_MIN_MONTHS = 12
#: the grade a downgrade is measured against: the grade this many days before
GRADE_LOOKBACK_DAYS = 30
SEVERITY_RANK = {"warn": 1, "alert": 2}
#: first key of the per-company advisory lock of this job (second key: company id)
COLLECTION_LOCK = 0x41520003
SLOPES = ("invoiced", "collected", "collection_rate", "wadl", "cei")
MONTH_COLUMNS = (
    "invoiced",
    "collected",
    "collection_rate",
    "wadp",
    "wadl",
    "cei",
    "invoiced_mom",
    "invoiced_yoy",
    "collected_mom",
    "collected_yoy",
    "collection_rate_mom",
    "collection_rate_yoy",
    "wadl_mom",
    "wadl_yoy",
    "invoiced_roll3",
    "collected_roll3",
)
ACCURACY_FIELDS = ("mae", "mase", "mape", "mape_skipped", "smape", "n_points")
FORECAST_TOTALS = ("forecast_next", "forecast_total")
MONEY_COLUMNS = ("invoiced", "collected", "invoiced_roll3", "collected_roll3")
#: ar.collection.trend column -> SQL type
SUMMARY_COLUMNS = {
    "scope": "varchar",
    "partner_id": "int4",
    "months": "int4",
    "first_month": "date",
    "last_month": "date",
    "invoiced_slope": "numeric",
    "collected_slope": "numeric",
    "collection_rate_slope": "float8",
    "wadl_slope": "float8",
    "cei_slope": "float8",
    "model": "varchar",
    "alpha": "float8",
    "beta": "float8",
    "gamma": "float8",
    "phi": "float8",
    "mae": "numeric",
    "mase": "float8",
    "mape": "float8",
    "mape_skipped": "int4",
    "smape": "float8",
    "n_points": "int4",
    "benchmark": "varchar",
    "benchmark_mase": "float8",
    "benchmark_gain": "float8",
    "forecast_next": "numeric",
    "forecast_total": "numeric",
}


def _active_months(series, by):
    """The series from each group's first month with an invoice or a collection on."""
    active = (series["invoiced"].abs() >= 0.005) | (series["collected"].abs() >= 0.005)
    return series[active.groupby(level=by).cummax()]


class ArCollectionRun(models.AbstractModel):
    _name = "ar.collection.run"
    _description = "Collection trend, forecast and signals job"

    # -- entry points ------------------------------------------------------------------------
    @api.model
    def _run(self, companies=None, as_of=None, notify=True):
        """Compute and store trend, forecast, expected cash and signals of the companies
        (default: all active ones); returns the number of active signals."""
        companies = (
            companies
            if companies is not None
            else self.env["res.company"].sudo().search([("active", "=", True)])
        )
        return sum(
            self.sudo()._run_company(company, as_of=as_of, notify=notify) for company in companies
        )

    @api.model
    def _cron_run(self):
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        for n, company in enumerate(companies):
            self.sudo()._run_company(company)
            self.env["ir.cron"]._commit_progress(1, remaining=len(companies) - n - 1)

    @api.model
    def _run_company(self, company, as_of=None, notify=True):
        [(locked,)] = self.env.execute_query(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", COLLECTION_LOCK, company.id)
        )
        if not locked:  # the same job for the same company is under way: it writes the same
            _logger.info("collection trend and signals of %s: already running", company.name)
            return 0
        started = time.perf_counter()
        refresh = self.env["ar.refresh"]
        as_of = as_of or refresh._default_as_of(company)
        params = refresh._params(company)
        buckets = engine.validate_buckets(params["buckets"])
        items, allocs = refresh._extract(company, as_of)
        items_cut, allocs_cut = engine.prepare_frames(items, allocs, as_of)
        items_out = engine.settle_prepared(
            items_cut, allocs_cut, as_of, buckets=buckets, basis=params["basis"]
        )
        stats = self._stats(company)
        customers = trend.monthly_series(items_out, allocs_cut, as_of, by="partner_id")
        totals = trend.monthly_series(items_out, allocs_cut, as_of, by="company_id")
        self._write_trend(company, as_of, customers, totals)
        tiers = stats["tier"] if len(stats) else None
        self._write_expected(company, as_of, items_out, allocs_cut, tiers)
        since = self._since(company, as_of)
        frame = signals.customer_signals(
            items_out,
            as_of,
            monthly=customers,
            customers=self._customer_inputs(company, as_of, items_out, allocs_cut, stats),
            since=since,
            buckets=buckets,
            thresholds=company._ar_signal_thresholds(),
        )
        # the evidence names a bucket by its record, worded in the reader's language
        bucket_ids = {
            bucket.code: int(bucket.code[1:]) for bucket in buckets if bucket.code[1:].isdigit()
        }
        found = self._found_signals(company, as_of, frame, bucket_ids)
        active = self._write_signals(company, as_of, found, notify)
        company.write({"ar_signals_date": as_of, "ar_signals_since": since})
        _logger.info(
            "collection trend and signals of %s as of %s: %d active signals in %.1f s",
            company.name,
            as_of,
            active,
            time.perf_counter() - started,
        )
        return active

    # -- inputs --------------------------------------------------------------------------------
    @api.model
    def _stats(self, company):
        """Stored figures of the company's customers: tier and grade, indexed by partner."""
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, tier, grade FROM ar_customer_stat WHERE company_id = %s",
                company.id,
            )
        )
        return pd.DataFrame(rows, columns=["partner_id", "tier", "grade"]).set_index("partner_id")

    @api.model
    def _since(self, company, as_of):
        """The previous evaluation the item signals compare with: the last run before as_of
        (a second run on the same day compares with what the first did), else the day before."""
        last, since = company.ar_signals_date, company.ar_signals_since
        if last and last < as_of:
            return last
        if last == as_of and since and since < as_of:
            return since
        return as_of - datetime.timedelta(days=1)

    @api.model
    def _history_at(self, company, dates, partner_ids):
        """Each customer's latest score history row dated up to each of ``dates``, in one
        statement: {date: frame of grade and overdue ratio indexed by partner}."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT d.date, h.partner_id, h.grade, h.overdue_ratio
              FROM unnest(%s::date[]) AS d(date)
              JOIN LATERAL (
                    SELECT DISTINCT ON (partner_id) partner_id, grade, overdue_ratio
                      FROM ar_score_history
                     WHERE company_id = %s AND date <= d.date
                       AND partner_id = ANY(%s::int4[])
                     ORDER BY partner_id, date DESC, id DESC
                   ) h ON TRUE
            """,
                list(dates),
                company.id,
                partner_ids,
            )
        )
        frame = pd.DataFrame(rows, columns=["date", "partner_id", "grade", "overdue_ratio"])
        return {
            date: frame.loc[frame["date"] == date].set_index("partner_id")[
                ["grade", "overdue_ratio"]
            ]
            for date in dates
        }

    @api.model
    def _customer_inputs(self, company, as_of, items_out, allocs, stats):
        """The per-customer inputs of the signals: payment index windows, overdue share now
        and 90 days before and grade now and a month before (score history), exposure and
        credit limit (core's figures, as the credit rules read them)."""
        frame = signals.payment_index_windows(items_out, allocs, as_of)
        partner_ids = [int(p) for p in frame.index.union(stats.index) if p]
        share_date = as_of - datetime.timedelta(days=signals.OVERDUE_SHARE_DAYS)
        grade_date = as_of - datetime.timedelta(days=GRADE_LOOKBACK_DAYS)
        history = self._history_at(company, (as_of, share_date, grade_date), partner_ids)
        now, before, grade_before = (history[d] for d in (as_of, share_date, grade_date))
        frame = frame.reindex(frame.index.union(pd.Index(partner_ids)))
        frame["overdue_share"] = now["overdue_ratio"]
        frame["overdue_share_before"] = before["overdue_ratio"]
        frame["grade"] = now["grade"].astype(object)
        frame["grade_before"] = grade_before["grade"].astype(object)
        frame["exposure"], frame["credit_limit"] = np.nan, np.nan
        if company.account_use_credit_limit:
            partners = (
                self.env["res.partner"]
                .sudo()
                .with_company(company)
                .search([("id", "in", partner_ids), ("credit_limit", ">", 0)])
            )
            if partners:
                frame.loc[partners.ids, "exposure"] = [
                    p.credit + p.credit_to_invoice for p in partners
                ]
                frame.loc[partners.ids, "credit_limit"] = partners.mapped("credit_limit")
        return frame

    # -- trend and forecast ----------------------------------------------------------------------
    @api.model
    def _replace(self, table, company, columns):
        """Replace the company's rows of ``table`` with ``columns`` ({name: (values, type)})
        in two statements."""
        self.env.execute_query(
            SQL("DELETE FROM %s WHERE company_id = %s", SQL.identifier(table), company.id)
        )
        names = list(columns)
        if not columns or not len(next(iter(columns.values()))[0]):
            return
        self.env.execute_query(
            SQL(
                """
            INSERT INTO %(table)s (company_id, %(names)s,
                                   create_uid, create_date, write_uid, write_date)
            SELECT %(company)s, %(values)s,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM %(unnest)s
            """,
                table=SQL.identifier(table),
                names=SQL(", ").join(SQL.identifier(n) for n in names),
                company=company.id,
                values=SQL(", ").join(SQL.identifier("v", n) for n in names),
                uid=self.env.uid,
                unnest=_unnest(columns),
            )
        )

    @api.model
    def _forecasts(self, series):
        """Forecast each group's collections from its active months: groups are forecast
        together by length of history (the engine works on equal-length rows)."""
        matrix = trend.series_matrix(series, "collected")
        lengths = matrix.notna().sum(axis=1)
        parts = []
        for length in sorted(set(lengths)):
            rows = matrix.loc[lengths == length]
            if not length:
                continue
            block = pd.DataFrame(
                np.vstack([row[~np.isnan(row)] for row in rows.to_numpy()]), index=rows.index
            )
            parts.append(forecast.forecast_frame(block))
        return pd.concat(parts) if parts else pd.DataFrame()

    @api.model
    def _trend_frames(self, scope, series, forecasts):
        """(months, summary) frames of one scope: the actual months, the forecast months
        after the last one, and per group its history, slopes, model and accuracy."""
        by = series.index.names[0]
        months = series.reset_index().rename(columns={by: "group"})
        months["kind"], months["forecast"] = "actual", np.nan
        index = months.groupby("group")["month"]
        summary = pd.DataFrame(
            {"months": index.size(), "first_month": index.min(), "last_month": index.max()}
        )
        summary = summary.join(trend.trend_slopes(series, SLOPES).rename_axis("group"))
        steps = [f"forecast_{k + 1}" for k in range(forecast.FORECAST_MONTHS)]
        future = []
        if len(forecasts):
            summary = summary.join(forecasts.rename_axis("group"))
            summary["forecast_next"] = summary[steps[0]]
            summary["forecast_total"] = summary[steps].sum(axis=1, min_count=1)
            chosen = summary.loc[summary["model"].notna()]
            for k, step in enumerate(steps):
                future.append(
                    pd.DataFrame(
                        {
                            "group": chosen.index,
                            "month": chosen["last_month"].to_numpy().astype("datetime64[M]")
                            + np.timedelta64(k + 1, "M"),
                            "kind": "forecast",
                            "forecast": chosen[step].to_numpy(),
                        }
                    )
                )
        months = pd.concat([months, *future], ignore_index=True)
        months["month"] = pd.to_datetime(months["month"])
        for frame in (months, summary):
            frame["scope"] = scope
        summary = summary.reset_index()
        if scope == "company":
            months["group"], summary["group"] = None, None
        return months, summary

    @api.model
    def _write_trend(self, company, as_of, customers, totals):
        customers = customers.loc[customers.index.get_level_values(0) != 0]
        customers = _active_months(customers, "partner_id")
        totals = _active_months(totals, "company_id")
        history = customers.groupby(level="partner_id").size()
        long_enough = history.index[history >= CUSTOMER_FORECAST_MIN_MONTHS]
        parts = [
            self._trend_frames("company", totals, self._forecasts(totals)),
            self._trend_frames(
                "customer",
                customers,
                self._forecasts(
                    customers.loc[customers.index.get_level_values(0).isin(long_enough)]
                ),
            ),
        ]
        months = pd.concat([part[0] for part in parts], ignore_index=True)
        months["collections"] = months["collected"].where(
            months["kind"] == "actual", months["forecast"]
        )
        summaries = pd.concat([part[1] for part in parts], ignore_index=True)
        columns = {
            "scope": (_sql_values(months["scope"], "varchar"), "varchar"),
            "partner_id": (_sql_values(months["group"], "int4"), "int4"),
            "month": (_sql_values(months["month"], "date"), "date"),
            "kind": (_sql_values(months["kind"], "varchar"), "varchar"),
            "forecast": (_sql_values(months["forecast"], "float8"), "numeric"),
            "collections": (_sql_values(months["collections"], "float8"), "numeric"),
        }
        for column in MONTH_COLUMNS:
            sql_type = "numeric" if column in MONEY_COLUMNS else "float8"
            columns[column] = (_sql_values(months[column], "float8"), sql_type)
        self._replace("ar_trend_month", company, columns)
        self._replace("ar_collection_trend", company, self._summary_columns(summaries, as_of))
        self.env["ar.trend.month"].invalidate_model()
        self.env["ar.collection.trend"].invalidate_model()

    @api.model
    def _summary_columns(self, summaries, as_of):
        texts = ("model", "benchmark")
        benchmarks = ("benchmark_mase", "benchmark_gain")
        names = (*texts, *forecast.PARAMETERS, *ACCURACY_FIELDS, *benchmarks, *FORECAST_TOTALS)
        for name in names:
            if name not in summaries:
                summaries[name] = None if name in texts else np.nan
        columns = {"as_of": ([as_of] * len(summaries), "date")}
        for name, sql_type in SUMMARY_COLUMNS.items():
            values = summaries["group" if name == "partner_id" else name]
            python_type = "float8" if sql_type == "numeric" else sql_type
            columns[name] = (_sql_values(values, python_type), sql_type)
        return columns

    # -- expected payments and cash ----------------------------------------------------------
    @api.model
    def _write_expected(self, company, as_of, items_out, allocs, tiers):
        """Expected payment date of every open invoice (its last open item's) and the
        expected cash by week and by month per customer."""
        payments = expected.expected_payments(items_out, allocs, as_of, tiers=tiers)
        moves = items_out.set_index("item_id")["move_id"].reindex(payments.index)
        payments = payments.assign(move_id=moves.to_numpy()).sort_values("expected_date")
        last = payments.groupby("move_id").tail(1).set_index("move_id")
        self.env.execute_query(
            SQL(
                """
            UPDATE account_move m SET ar_expected_date = v.ar_expected_date,
                                      ar_expected_source = v.ar_expected_source
              FROM %(unnest)s
             WHERE m.id = v.id AND (m.ar_expected_date, m.ar_expected_source)
                   IS DISTINCT FROM (v.ar_expected_date, v.ar_expected_source)
            """,
                unnest=_unnest(
                    {
                        "id": (last.index.astype(int).tolist(), "int4"),
                        "ar_expected_date": (_sql_values(last["expected_date"], "date"), "date"),
                        "ar_expected_source": (_sql_values(last["source"], "varchar"), "varchar"),
                    }
                ),
            )
        )
        self.env.execute_query(
            SQL(
                "UPDATE account_move SET ar_expected_date = NULL, ar_expected_source = NULL "
                "WHERE company_id = %s AND ar_expected_date IS NOT NULL AND id <> ALL(%s::int4[])",
                company.id,
                last.index.astype(int).tolist(),
            )
        )
        self.env["account.move"].invalidate_model(["ar_expected_date", "ar_expected_source"])
        rows = []
        # grouped on in pivots, the labels are stored: worded in the company's language
        worded = self.with_context(lang=company.partner_id.lang or "en_US").env
        for frequency in (expected.FREQ_WEEK, expected.FREQ_MONTH):
            periods = expected.cash_periods(as_of, frequency)
            cash = expected.expected_cash(items_out, allocs, as_of, freq=frequency, tiers=tiers)
            for sequence, period in enumerate(periods.itertuples()):
                start, end = period.start.date(), period.end.date()
                label = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
                rows.append(
                    (frequency, "period", sequence, label, start, end, cash.periods[period.start])
                )
            after = periods["end"].iloc[-1].date() + datetime.timedelta(days=1)
            later = worded._("From %(date)s on", date=f"{after:%Y-%m-%d}")
            rows.append((frequency, "later", len(periods), later, after, None, cash.later))
            uncertain = worded._("Uncertain: no payment history")
            rows.append(
                (frequency, "uncertain", len(periods) + 1, uncertain, None, None, cash.uncertain)
            )
        parts = []
        for frequency, kind, sequence, label, start, end, amounts in rows:
            amounts = amounts[amounts.abs() >= 0.005]
            parts.append(
                pd.DataFrame(
                    {
                        "partner": amounts.index,
                        "amount": amounts.to_numpy(),
                        "frequency": frequency,
                        "kind": kind,
                        "sequence": sequence,
                        "period": label,
                        "date_start": pd.Timestamp(start) if start else pd.NaT,
                        "date_end": pd.Timestamp(end) if end else pd.NaT,
                    }
                )
            )
        cash = pd.concat(parts, ignore_index=True)
        cash["partner"] = cash["partner"].where(cash["partner"] != 0)
        self._replace(
            "ar_expected_cash",
            company,
            {
                "as_of": ([as_of] * len(cash), "date"),
                "partner_id": (_sql_values(cash["partner"], "int4"), "int4"),
                "frequency": (_sql_values(cash["frequency"], "varchar"), "varchar"),
                "kind": (_sql_values(cash["kind"], "varchar"), "varchar"),
                "sequence": (_sql_values(cash["sequence"], "int4"), "int4"),
                "period": (_sql_values(cash["period"], "varchar"), "varchar"),
                "date_start": (_sql_values(cash["date_start"], "date"), "date"),
                "date_end": (_sql_values(cash["date_end"], "date"), "date"),
                "amount": (_sql_values(cash["amount"], "float8"), "numeric"),
            },
        )
        self.env["ar.expected.cash"].invalidate_model()

    # -- signals -------------------------------------------------------------------------------
    @api.model
    def _broken_promises(self, company, as_of):
        """Per customer, the invoices whose promise to pay was not kept within the company's
        grace days: (count, unpaid promised amount, event key)."""
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "=", "out_invoice"),
                ("ar_promise_date", "!=", False),
                (
                    "ar_promise_date",
                    "<",
                    as_of - datetime.timedelta(days=company.ar_promise_grace_days),
                ),
                ("amount_residual", ">", 0),
            ]
        )
        out = {}
        for move in moves.filtered(lambda m: m.ar_promise_status == "broken"):
            unpaid = move.ar_promise_amount - (move.ar_promise_residual - move.amount_residual)
            count, amount, ids = out.get(move.commercial_partner_id.id, (0, 0.0, []))
            out[move.commercial_partner_id.id] = (
                count + 1,
                amount + move.currency_id._convert(unpaid, company.currency_id, company, as_of),
                [*ids, move.id],
            )
        return out

    @api.model
    def _describe(self, name, row, bucket_ids, t):
        """(evidence figures, value, threshold, event) of one signal of one customer under
        the thresholds ``t``: the figures are worded when read
        (``ar.customer.signal._evidence_text``), in the reader's language."""

        def get(field):
            value = row[f"{name}_{field}"]
            return None if pd.isna(value) else value

        def number(field):
            value = get(field)
            return float(value) if value is not None and np.isfinite(value) else None

        if name in ("due_soon", "new_overdue", "bucket_move"):
            data = {"count": int(get("count")), "amount": number("amount")}
            if name == "due_soon":
                date = str(pd.Timestamp(get("date")).date())
                return {**data, "date": date}, get("count"), t.due_soon_days, date
            if name == "bucket_move":
                bucket = str(get("bucket"))
                data.update(bucket=bucket, bucket_id=bucket_ids.get(bucket))
                return data, get("count"), t.alert_bucket_days, bucket
            return data, get("count"), 0.0, ""
        if name == "days_late_jump":
            data = {
                "wadl": number("wadl"),
                "z": number("z"),
                "method": get("method"),
                "months": int(get("months") or 0),
            }
            return data, get("wadl"), t.jump_warn_z, ""
        if name in ("ewma_drift", "cusum"):
            limit = number("ucl") if name == "ewma_drift" else t.cusum_h
            return {"value": number("value"), "limit": limit}, get("value"), limit, ""
        if name == "index_drop":
            data = {key: number(key) for key in ("short", "long", "change")}
            return data, get("change"), t.index_drop_warn, ""
        if name == "overdue_share":
            data = {"now": number("now"), "before": number("before")}
            return data, get("change"), t.overdue_share_rise, ""
        if name == "credit_utilisation":
            data = {key: number(key) for key in ("exposure", "limit", "ratio")}
            return data, get("ratio"), t.utilisation_warn, ""
        # grade_downgrade
        data = {"before": get("before"), "now": get("now")}
        return data, None, None, f"{get('before')}>{get('now')}"

    @api.model
    def _found_signals(self, company, as_of, frame, bucket_ids):
        """{(partner, signal): values} of the signals on now (the engine leaves out those
        whose amount at risk is under the company's minimum; broken promises here)."""
        found = {}
        t = company._ar_signal_thresholds()
        frame = frame.loc[(frame.index != 0) & (frame["severity"] != signals.SEVERITY_NONE)]
        for name in signals.SIGNALS:
            on = frame.loc[frame[name] != signals.SEVERITY_NONE]
            for partner_id, row in on.iterrows():
                data, value, threshold, event = self._describe(name, row, bucket_ids, t)
                found[int(partner_id), name] = {
                    "severity": row[name],
                    "evidence_data": data,
                    "amount_at_risk": float(row[f"{name}_at_risk"]),
                    "value": value,
                    "threshold": threshold,
                    "event": event,
                }
        for partner_id, (count, amount, ids) in self._broken_promises(company, as_of).items():
            if amount < t.min_amount - signals.SIGNAL_TOLERANCE:
                continue
            found[partner_id, "broken_promise"] = {
                "severity": signals.SEVERITY_ALERT,
                "evidence_data": {"count": count, "amount": amount},
                "amount_at_risk": amount,
                "value": count,
                "threshold": company.ar_promise_grace_days,
                "event": ",".join(map(str, sorted(ids))),
            }
        return found

    @api.model
    def _write_signals(self, company, as_of, found, notify):
        """Update the open signals in place, open new events, close the signals gone; then
        raise an activity for each alert not yet notified. Returns the open count."""
        Signal = self.env["ar.customer.signal"].sudo()
        open_rows = Signal.search([("company_id", "=", company.id)])
        by_key = {(s.partner_id.id, s.signal): s for s in open_rows}
        closing = Signal.browse()
        creates = []
        updates = []
        for key, values in found.items():
            row = by_key.get(key)
            if row and row.event != values["event"]:
                closing |= row
                row = None
            if row:
                updates.append((row, values))
            else:
                creates.append(
                    {
                        "company_id": company.id,
                        "partner_id": key[0],
                        "signal": key[1],
                        "first_date": as_of,
                        **self._signal_vals(values, as_of),
                    }
                )
        closing |= Signal.union(*(row for key, row in by_key.items() if key not in found))
        if closing:
            closing.write({"active": False, "closed_date": as_of})
            closing.flush_recordset()
        self._update_signals(updates, as_of)
        Signal.create(creates)
        Signal.flush_model()
        self._update_stat_severity(company, found)
        if notify:
            self._notify(company)
        return len(found)

    @api.model
    def _signal_vals(self, values, as_of):
        return {
            "severity": values["severity"],
            "severity_rank": SEVERITY_RANK[values["severity"]],
            "event": values["event"],
            "evidence_data": values["evidence_data"],
            "amount_at_risk": values["amount_at_risk"] or 0.0,
            "value": values["value"] or 0.0,
            "threshold": values["threshold"] or 0.0,
            "last_date": as_of,
        }

    @api.model
    def _update_signals(self, updates, as_of):
        """The open signals still on, in one statement (severity, evidence, last seen); an
        escalation to alert after a warning keeps the row, so it is notified then."""
        if not updates:
            return
        rows = [(row.id, self._signal_vals(values, as_of)) for row, values in updates]
        for _id, vals in rows:  # an SQL array of jsonb goes through its text
            vals["evidence_data"] = json.dumps(vals["evidence_data"])
        names = ["severity", "severity_rank", "evidence_data", "amount_at_risk", "value"]
        names.append("threshold")
        types = {
            "severity_rank": "int4",
            "amount_at_risk": "numeric",
            "value": "float8",
            "threshold": "float8",
        }
        casts = {"evidence_data": SQL("::jsonb")}
        columns = {"id": ([r[0] for r in rows], "int4")}
        for name in names:
            columns[name] = ([r[1][name] for r in rows], types.get(name, "varchar"))
        self.env.execute_query(
            SQL(
                """
            UPDATE ar_customer_signal s SET %(set)s, last_date = %(as_of)s,
                   write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
              FROM %(unnest)s WHERE s.id = v.id
            """,
                set=SQL(", ").join(
                    SQL("%s = v.%s%s", SQL.identifier(n), SQL.identifier(n), casts.get(n, SQL()))
                    for n in names
                ),
                as_of=as_of,
                uid=self.env.uid,
                unnest=_unnest(columns),
            )
        )
        self.env["ar.customer.signal"].invalidate_model()

    @api.model
    def _update_stat_severity(self, company, found):
        worst = {}
        for (partner_id, _name), values in found.items():
            rank = SEVERITY_RANK[values["severity"]]
            worst[partner_id] = max(worst.get(partner_id, 0), rank)
        labels = {0: "none", 1: "warn", 2: "alert"}
        self.env.execute_query(
            SQL(
                """
            UPDATE ar_customer_stat s
               SET signal_severity = COALESCE(v.severity, 'none')
              FROM ar_customer_stat s2
         LEFT JOIN %(unnest)s ON v.partner_id = s2.partner_id
             WHERE s2.id = s.id AND s.company_id = %(company)s
               AND s.signal_severity IS DISTINCT FROM COALESCE(v.severity, 'none')
            """,
                unnest=_unnest(
                    {
                        "partner_id": (list(worst), "int4"),
                        "severity": ([labels[r] for r in worst.values()], "varchar"),
                    }
                ),
                company=company.id,
            )
        )
        self.env["ar.customer.stat"].invalidate_model(["signal_severity"])

    # -- activities ----------------------------------------------------------------------------
    @api.model
    def _recipient(self, company, partner, managers):
        user = partner.user_id
        if (
            company.ar_signal_notify == "salesperson"
            and user
            and user.active
            and not user.share
            and company in user.company_ids
        ):
            return user
        return managers[:1]

    @api.model
    def _notify(self, company):
        """One activity per open alert not yet notified, for the customer's salesperson or a
        credit manager (the company's choice)."""
        pending = (
            self.env["ar.customer.signal"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("severity", "=", "alert"),
                    ("notified", "=", False),
                ]
            )
        )
        if not pending:
            return
        managers = self.env["ar.credit.rules"]._credit_managers(company)
        todo = self.env.ref("mail.mail_activity_data_todo")
        model = self.env["ir.model"]._get_id("res.partner")
        activities = []
        by_user = {}
        for row in pending:
            user = self._recipient(company, row.partner_id, managers)
            if not user:
                continue
            # stored text: worded in the language of the user who will read it
            worded = row.with_context(lang=user.lang or company.partner_id.lang or "en_US")
            labels = dict(worded._fields["signal"]._description_selection(worded.env))
            activities.append(
                {
                    "res_model_id": model,
                    "res_id": row.partner_id.id,
                    "activity_type_id": todo.id,
                    "user_id": user.id,
                    "summary": worded.env._(
                        "Receivables alert: %(signal)s", signal=labels[row.signal]
                    ),
                    "note": worded.evidence,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
            by_user[user] = by_user.get(user, pending.browse()) | row
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            activities
        )
        for user, rows in by_user.items():  # one UPDATE per recipient
            rows.write({"notified": True, "activity_user_id": user.id})
