import itertools
from collections import defaultdict
from textwrap import shorten

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from ..engine import validate_buckets
from ..models.ar_credit_rules import FIGURE_GROUPS, check_groups


class ReportAgedReceivables(models.AbstractModel):
    """Aged receivables as of a date: one row per customer with the buckets, totals and
    shares, optionally the open items and the amounts per currency. Figures come from the
    engine as of the date (``ar.refresh._compute``), so any past date is exact."""

    _name = "report.ar_analytics.report_aged_receivables"
    _description = "Aged receivables report"

    @api.model
    def _parse_limits(self, text, basis):
        """Buckets from '0, 30, 60, 90' (last day of each bucket but the open-ended last
        one); None for an empty text (the company's buckets)."""
        if not (text or "").strip():
            return None
        try:
            limits = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise UserError(
                self.env._(
                    "Bucket limits must be whole numbers of days separated by commas, "
                    "e.g. 0, 30, 60, 90."
                )
            ) from None
        if not limits or any(b <= a for a, b in itertools.pairwise(limits)):
            raise UserError(self.env._("Bucket limits must increase: e.g. 0, 30, 60, 90."))
        if basis == "due" and limits[0] == 0:
            first = self.env._("Not due")
        else:
            first = self.env._("Up to %(days)s days", days=limits[0])
        rows = [("b0", first, None, limits[0])]
        for index, (low, high) in enumerate(itertools.pairwise(limits), start=1):
            rows.append((f"b{index}", f"{low + 1}-{high}", low + 1, high))
        over = self.env._("Over %(days)s", days=limits[-1])
        rows.append((f"b{len(limits)}", over, limits[-1] + 1, None))
        try:
            return validate_buckets(rows)
        except ValueError as error:
            raise UserError(str(error)) from None

    @api.model
    def _check_as_of(self, as_of):
        """The as-of date (default today); a future date is refused: the payments of the
        days to come are not known."""
        today = fields.Date.context_today(self)
        as_of = fields.Date.to_date(as_of) or today
        if as_of > today:
            raise UserError(
                self.env._(
                    "The aging cannot be computed as of %(date)s, a date in the future: "
                    "choose today or an earlier date.",
                    date=fields.Date.to_string(as_of),
                )
            )
        return as_of

    @api.model
    def _partners(self, company, options, docids):
        """Customers the report is restricted to (None: every customer)."""
        domain = []
        if docids:
            domain.append(
                ("id", "in", self.env["res.partner"].browse(docids).commercial_partner_id.ids)
            )
        if options.get("partner_ids"):
            domain.append(("id", "in", options["partner_ids"]))
        if options.get("user_id"):
            domain.append(("user_id", "=", options["user_id"]))
        if options.get("team_id"):
            domain.append(("team_id", "=", options["team_id"]))
        if not domain:
            return None
        return self.env["res.partner"].with_context(active_test=False).search(domain)

    @api.model
    def _aging_data(self, options, docids=None):
        check_groups(
            self.env, FIGURE_GROUPS, self.env._("You are not allowed to print receivables reports.")
        )
        company = self.env["res.company"].browse(options.get("company_id") or self.env.company.id)
        company.check_access("read")
        as_of = self._check_as_of(options.get("as_of"))
        basis = options.get("basis") or company.ar_aging_basis
        buckets = self._parse_limits(options.get("bucket_limits"), basis)
        partners = self._partners(company, options, docids)
        refresh = self.env["ar.refresh"]
        if partners is not None and not partners:
            items = None
        else:
            items, params = refresh.with_company(company)._open_items(
                company,
                as_of,
                partner_ids=None if partners is None else set(partners.ids),
                buckets=buckets,
                basis=basis,
            )
            buckets = buckets or validate_buckets(params["buckets"])
        buckets = buckets or validate_buckets(refresh._params(company)["buckets"])
        columns = [{"code": b.code, "label": b.label} for b in buckets]
        rows, totals = self._rows(company, items, buckets, options)
        return {
            "company": company,
            "currency": company.currency_id,
            "as_of": as_of,
            "basis": dict(
                self.env["ar.aging.report.wizard"]._fields["basis"]._description_selection(self.env)
            )[basis],
            "columns": columns,
            "rows": rows,
            "totals": totals,
            "options": options,
        }

    @api.model
    def _move_names(self, move_ids):
        """{move id: its display name} for posted moves (name, and the reference shortened
        as Odoo shows it), read in batches: the display name's compute takes about 100 us
        per move, seconds for the open items of a large book."""
        moves = self.env["account.move"].browse(move_ids)
        moves.fetch(["name", "ref"])
        names = {}
        for move in moves:
            ref = move.ref and " ".join(move.ref.split())
            if ref and len(ref) > 50:
                ref = shorten(ref, width=50)
            names[move.id] = f"{move.name} ({ref})" if ref else move.name
        return names

    @api.model
    def _rows(self, company, items, buckets, options):
        codes = [b.code for b in buckets]
        if items is None or items.empty:
            zeros = [0.0] * len(codes)
            totals = {"buckets": zeros, "unapplied": 0.0, "total": 0.0, "count": 0}
            return [], {**totals, "shares": zeros, "share_labels": [""] * len(codes)}
        open_items = items.loc[items["residual"].abs() >= 0.005]
        partners = self.env["res.partner"].browse(sorted(set(open_items["partner_id"]) - {0}))
        move_names = self._move_names(sorted(set(open_items["move_id"])))
        currencies = {
            c.id: c for c in self.env["res.currency"].browse(sorted(set(items["currency_id"])))
        }
        grouped = defaultdict(list)
        for row in open_items.itertuples(index=False):
            grouped[row.partner_id].append(row)
        rows = []
        for partner in partners.sorted(lambda p: (p.name or "").lower()):
            lines = grouped.get(partner.id, [])
            amounts = dict.fromkeys(codes, 0.0)
            unapplied = 0.0
            by_currency = defaultdict(float)
            details = []
            for line in sorted(lines, key=lambda r: (r.due, r.item_id)):
                if line.residual > 0 and isinstance(line.bucket, str):
                    amounts[line.bucket] += line.residual
                else:
                    unapplied += line.residual
                by_currency[line.currency_id] += line.residual_currency
                details.append(
                    {
                        "name": move_names.get(line.move_id, ""),
                        "date": line.invoice_date.date(),
                        "due": line.date_maturity.date()
                        if line.date_maturity == line.date_maturity
                        else None,
                        "days": int(line.dpd)
                        if line.residual > 0 and line.dpd == line.dpd
                        else None,
                        "bucket": line.bucket if isinstance(line.bucket, str) else None,
                        "residual": line.residual,
                        "currency": currencies[line.currency_id],
                        "residual_currency": line.residual_currency,
                    }
                )
            total = sum(amounts.values()) + unapplied
            if (
                options.get("hide_zero", True)
                and company.currency_id.is_zero(total)
                and not details
            ):
                continue
            rows.append(
                {
                    "partner": partner,
                    "buckets": [amounts[c] for c in codes],
                    "unapplied": unapplied,
                    "total": total,
                    "items": details,
                    "currencies": [
                        (currencies[cid], amount)
                        for cid, amount in sorted(by_currency.items())
                        if cid != company.currency_id.id and abs(amount) >= 0.005
                    ],
                }
            )
        totals = {
            "buckets": [sum(r["buckets"][i] for r in rows) for i in range(len(codes))],
            "unapplied": sum(r["unapplied"] for r in rows),
            "total": sum(r["total"] for r in rows),
            "count": len(rows),
        }
        positive = sum(totals["buckets"])
        totals["shares"] = [b / positive if positive > 0 else 0.0 for b in totals["buckets"]]
        totals["share_labels"] = [
            f"{formatLang(self.env, share * 100, digits=1)} %" for share in totals["shares"]
        ]
        return rows, totals

    @api.model
    def _get_report_values(self, docids, data=None):
        data = self._aging_data(data or {}, docids)
        return {"doc_ids": docids, "doc_model": "res.partner", "docs": data["company"], **data}
