import itertools
import math
from collections import defaultdict
from textwrap import shorten

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, formatLang

from .. import engine
from ..engine import validate_buckets
from ..engine.constants import BASIS_DUE, ZERO_TOLERANCE
from ..models.ar_security import FIGURE_GROUPS, check_groups


class ReportAgedReceivables(models.AbstractModel):
    """Aged receivables as of a date: one row per customer with the buckets, totals and
    shares, optionally the open items and the amounts per currency. Figures come from the
    engine as of the date (``ar.refresh._open_items``), so any past date is exact."""

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
        if basis == BASIS_DUE and limits[0] == 0:
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
        listed = None
        if not options.get("hide_zero", True):
            # customers with nothing open get a row of zeros: the customers selected, or
            # else every customer with receivables figures in the company
            listed = (
                partners.commercial_partner_id
                if partners is not None
                else self.env["ar.customer.stat"]
                .search([("company_id", "=", company.id)])
                .partner_id
            )
        rows, totals = self._rows(company, items, buckets, options, listed)
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
        as Odoo shows it), read in one query: the display name's compute, move by move, takes
        seconds for the open items of a large book. The moves are those of the items the
        report extracted, record rules applied."""
        self.env["account.move"].flush_model(["name", "ref"])
        names = {}
        for move_id, name, ref in self.env.execute_query(
            SQL("SELECT id, name, ref FROM account_move WHERE id = ANY(%s::int4[])", move_ids)
        ):
            ref = ref and " ".join(ref.split())
            if ref and len(ref) > 50:
                ref = shorten(ref, width=50)
            names[move_id] = f"{name} ({ref})" if ref else name
        return names

    @api.model
    def _rows(self, company, items, buckets, options, listed=None):
        """(rows, totals) of the open ``items``: a row per customer with something open, by
        name; the customers ``listed`` (a recordset) with nothing open get a row of zeros."""
        codes = [b.code for b in buckets]
        if items is None or items.empty:
            partners = (listed or self.env["res.partner"]).sorted(lambda p: (p.name or "").lower())
            rows = [self._row(partner, [0.0] * len(codes)) for partner in partners]
            return rows, self._totals(rows, codes)
        open_items = engine.open_items(items)
        table = engine.aging(open_items, buckets)
        amounts = table[engine.bucket_columns(buckets)]
        amounts = dict(zip(amounts.index.tolist(), amounts.to_numpy().tolist(), strict=True))
        unapplied = table["unapplied_credits"].to_dict()
        currencies = {
            c.id: c for c in self.env["res.currency"].browse(sorted(set(items["currency_id"])))
        }
        foreign = defaultdict(list)
        in_currency = engine.aging_by_currency(open_items, buckets)["total"]
        for (pid, cid), amount in in_currency.items():
            if cid != company.currency_id.id and abs(amount) >= ZERO_TOLERANCE:
                foreign[pid].append((currencies[cid], amount))
        partner_ids = open_items["partner_id"].to_numpy()
        codes_of = open_items["bucket"].to_numpy(dtype=object)
        is_code = np.fromiter((isinstance(c, str) for c in codes_of), bool, len(codes_of))
        # the open items of each customer, only when shown (a detail of tens of thousands)
        with_items = bool(options.get("show_items"))
        shown = open_items if with_items else open_items.iloc[0:0]
        codes_of_shown = codes_of if with_items else codes_of[:0]
        is_code_shown = is_code if with_items else is_code[:0]
        move_names = self._move_names(sorted(set(shown["move_id"])))
        due = shown["date_maturity"]
        columns = zip(
            shown["move_id"].tolist(),
            shown["invoice_date"].dt.date.tolist(),
            due.dt.date.where(due.notna(), None).tolist(),
            shown["dpd"].to_numpy(dtype="float64").tolist(),
            shown["residual"].to_numpy(dtype="float64").tolist(),
            [c if known else None for c, known in zip(codes_of_shown, is_code_shown, strict=True)],
            shown["currency_id"].tolist(),
            shown["residual_currency"].tolist(),
            strict=True,
        )
        details = [
            {
                "name": move_names.get(move_id, ""),
                "date": date,
                "due": due_date,
                "days": int(dpd) if amount > 0 and not math.isnan(dpd) else None,
                "bucket": code,
                "residual": amount,
                "currency": currencies[currency_id],
                "residual_currency": amount_currency,
            }
            for move_id, date, due_date, dpd, amount, code, currency_id, amount_currency in columns
        ]
        # each customer's items: a slice of the sorted frame
        bounds = (np.flatnonzero(np.diff(partner_ids)) + 1).tolist()
        starts, ends = [0, *bounds], [*bounds, len(partner_ids)]
        slices = {int(partner_ids[a]): (a, b) for a, b in zip(starts, ends, strict=True) if b > a}
        partners = self.env["res.partner"].browse(sorted(slices))
        if listed:
            partners |= listed
        rows = []
        for partner in partners.sorted(lambda p: (p.name or "").lower()):
            start, stop = slices.get(partner.id, (0, 0))
            rows.append(
                self._row(
                    partner,
                    amounts.get(partner.id) or [0.0] * len(codes),
                    float(unapplied.get(partner.id, 0.0)),
                    details[start:stop] if with_items else [],
                    foreign[partner.id],
                )
            )
        return rows, self._totals(rows, codes)

    @api.model
    def _row(self, partner, buckets, unapplied=0.0, items=(), currencies=()):
        return {
            "partner": partner,
            "buckets": buckets,
            "unapplied": unapplied,
            "total": sum(buckets) + unapplied,
            "items": list(items),
            "currencies": list(currencies),
        }

    @api.model
    def _totals(self, rows, codes):
        totals = {
            "buckets": [sum(r["buckets"][i] for r in rows) for i in range(len(codes))],
            "unapplied": sum(r["unapplied"] for r in rows),
            "total": sum(r["total"] for r in rows),
            "count": len(rows),
        }
        positive = sum(totals["buckets"])
        totals["shares"] = [b / positive if positive > 0 else 0.0 for b in totals["buckets"]]
        totals["share_labels"] = [
            f"{formatLang(self.env, share * 100, digits=1)} %" if rows else ""
            for share in totals["shares"]
        ]
        return totals

    @api.model
    def _get_report_values(self, docids, data=None):
        data = self._aging_data(data or {}, docids)
        return {"doc_ids": docids, "doc_model": "res.partner", "docs": data["company"], **data}
