from markupsafe import Markup

from odoo import api, models

from ..engine.constants import TIER_CORE, TIER_GENERAL, TIER_IMPORTANT, TIERS
from ..models.ar_security import FIGURE_GROUPS, check_groups

#: customers drawn in the Pareto chart (the rest are summed in the table only)
CHART_CUSTOMERS = 40
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 900.0, 260.0, 30.0


class ReportCustomerContribution(models.AbstractModel):
    """Customer contribution: revenue and margin by customer in Pareto order, shares,
    cumulative share and tier, from the stored figures of the company, with a Pareto
    chart (bars: revenue share; line: cumulative share; dashed: the tier cut-offs)."""

    _name = "report.ar_analytics.report_customer_contribution"
    _description = "Customer contribution report"

    @api.model
    def _contribution_data(self, company, stat_ids=None):
        check_groups(
            self.env, FIGURE_GROUPS, self.env._("You are not allowed to print receivables reports.")
        )
        domain = [("company_id", "=", company.id), ("revenue", "!=", 0)]
        if stat_ids:
            domain.append(("id", "in", stat_ids))
        stats = self.env["ar.customer.stat"].search(domain, order="revenue desc, id")
        total = sum(stats.mapped("revenue"))
        rows, cumulative = [], 0.0
        for rank, stat in enumerate(stats, start=1):
            share = stat.revenue / total if total else 0.0
            cumulative += share
            rows.append(
                {
                    "rank": rank,
                    "stat": stat,
                    "share": share,
                    "cumulative": cumulative,
                    "margin_rate": stat.margin / stat.revenue
                    if stat.has_margin and stat.revenue
                    else None,
                }
            )
        totals = self.env["ar.company.stat"].search([("company_id", "=", company.id)], limit=1)
        return {
            "company": company,
            "currency": company.currency_id,
            "as_of": stats[:1].as_of or totals.as_of,
            "rows": rows,
            "revenue": total,
            "margin": sum(stats.filtered("has_margin").mapped("margin")),
            "totals": totals,
            "tiers": {code: len(stats.filtered(lambda s, c=code: s.tier == c)) for code in TIERS},
            "chart": self._pareto_svg(rows, company._ar_tier_cutoffs()),
        }

    @api.model
    def _pareto_svg(self, rows, cutoffs):
        """An inline SVG Pareto chart of the first customers (wkhtmltopdf draws SVG)."""
        shown = rows[:CHART_CUSTOMERS]
        if not shown:
            return Markup("")
        inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
        top = max(row["share"] for row in shown) or 1.0
        step = inner_w / len(shown)
        parts = [
            Markup('<svg xmlns="http://www.w3.org/2000/svg" width="100%%" viewBox="0 0 %d %d">')
            % (CHART_WIDTH, CHART_HEIGHT)
        ]
        colours = {TIER_CORE: "#2f6f8f", TIER_IMPORTANT: "#6fa8c6", TIER_GENERAL: "#b9d3e2"}
        points = []
        for index, row in enumerate(shown):
            height = inner_h * row["share"] / top
            x = CHART_PAD + index * step
            parts.append(
                Markup('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>')
                % (
                    x + 1,
                    CHART_PAD + inner_h - height,
                    step - 2,
                    height,
                    colours.get(row["stat"].tier, "#cccccc"),
                )
            )
            points.append(
                "%.1f,%.1f" % (x + step / 2, CHART_PAD + inner_h * (1 - row["cumulative"]))
            )
        for cutoff in cutoffs:
            y = CHART_PAD + inner_h * (1 - cutoff)
            parts.append(
                Markup(
                    '<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#999" '
                    'stroke-dasharray="4,3"/><text x="%.1f" y="%.1f" font-size="10" '
                    'fill="#666">%d %%</text>'
                )
                % (
                    CHART_PAD,
                    CHART_PAD + inner_w,
                    y,
                    y,
                    CHART_PAD + inner_w - 28,
                    y - 3,
                    round(cutoff * 100),
                )
            )
        parts.append(
            Markup('<polyline points="%s" fill="none" stroke="#c0392b" stroke-width="2"/>')
            % " ".join(points)
        )
        parts.append(
            Markup(
                '<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#333"/>'
                '<text x="%.1f" y="%.1f" font-size="10" fill="#333">%s</text>'
            )
            % (
                CHART_PAD,
                CHART_PAD + inner_w,
                CHART_PAD + inner_h,
                CHART_PAD + inner_h,
                CHART_PAD,
                CHART_HEIGHT - 8,
                self.env._(
                    "Customers by revenue (first %(count)s); line: cumulative share",
                    count=len(shown),
                ),
            )
        )
        parts.append(Markup("</svg>"))
        return Markup("").join(parts)

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env["res.company"].browse(data.get("company_id") or self.env.company.id)
        company.check_access("read")
        values = self._contribution_data(company, stat_ids=docids or None)
        return {"doc_ids": docids, "doc_model": "ar.customer.stat", "docs": company, **values}
