"""Receivables analytics engine: pure pandas/numpy, frames in, frames out.

Implements sections 0-3 of metrics.md (allocation kinds, settlement, aging, payment
behaviour, payment index, collection KPIs, DSO, best possible DSO, ADD, CEI, AR
turnover) on the ``items`` and ``allocs`` frames of engine_contract.md.  It never
imports odoo and does no I/O; modules import each other relatively only, so the
package can be loaded from its path without the addon.
"""

from .aging import Bucket, aging, assign_buckets, bucket_columns, validate_buckets
from .behaviour import index_curve, observations, payment_behaviour, payment_index
from .constants import (
    ALLOCATION_KINDS,
    DEFAULT_BUCKETS,
    DEFAULT_WINDOW_DAYS,
    INDEX_CURVE_X,
    INDEX_CURVE_Y,
    KIND_ADJUSTMENT,
    KIND_CASH,
    KIND_CREDIT_NOTE,
    KIND_FX,
    KIND_PENDING,
)
from .figures import figure_columns, move_figures, partner_figures
from .kpi import (
    ar_balances,
    ar_turnover,
    cei,
    cei_figures,
    collection_rates,
    countback,
    current_ar,
    dso_countback,
    dso_figures,
    dso_simple,
    month_days,
    monthly_sales,
    net_sales,
    turnover_dates,
)
from .settlement import classify_allocations, prepare_frames, settle, settle_prepared

__all__ = [
    "ALLOCATION_KINDS",
    "DEFAULT_BUCKETS",
    "DEFAULT_WINDOW_DAYS",
    "INDEX_CURVE_X",
    "INDEX_CURVE_Y",
    "KIND_ADJUSTMENT",
    "KIND_CASH",
    "KIND_CREDIT_NOTE",
    "KIND_FX",
    "KIND_PENDING",
    "Bucket",
    "aging",
    "ar_balances",
    "ar_turnover",
    "assign_buckets",
    "bucket_columns",
    "cei",
    "cei_figures",
    "classify_allocations",
    "collection_rates",
    "countback",
    "current_ar",
    "dso_countback",
    "dso_figures",
    "dso_simple",
    "figure_columns",
    "index_curve",
    "month_days",
    "monthly_sales",
    "move_figures",
    "net_sales",
    "observations",
    "partner_figures",
    "payment_behaviour",
    "payment_index",
    "prepare_frames",
    "settle",
    "settle_prepared",
    "turnover_dates",
    "validate_buckets",
]
