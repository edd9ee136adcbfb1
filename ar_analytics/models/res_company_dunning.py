"""The company's dunning settings besides its levels (``ar.dunning.level``)."""

from odoo import fields, models

from ..engine.constants import (
    DUNNING_CALL_FIRST_TIERS,
    DUNNING_GRADE_OFFSETS,
    STATEMENT_PERIOD_LABELS,
)
from .ar_security import INTERNAL_GROUP


def _offset(grade):
    return fields.Integer(
        f"Grade {grade}: days of offset",
        default=DUNNING_GRADE_OFFSETS[grade],
        help="Days the overdue dunning levels move for customers of this grade: later when "
        "positive, earlier when negative (never to or before the due date).",
        groups=INTERNAL_GROUP,
    )


def _call_first(tier, label):
    return fields.Boolean(
        f"Call {label} customers first",
        default=tier in DUNNING_CALL_FIRST_TIERS,
        help="The first reminder of these customers is a call by their collector, not an "
        "email or a letter.",
        groups=INTERNAL_GROUP,
    )


class ResCompany(models.Model):
    # one extension per theme of settings, so that no file grows too long
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    ar_dunning_auto_send = fields.Boolean(
        "Send reminders automatically",
        help="The daily dunning job sends the levels marked 'Send automatically'. Off: every "
        "reminder waits for a collector in Process reminders.",
        groups=INTERNAL_GROUP,
    )
    ar_dunning_offset_a = _offset("A")
    ar_dunning_offset_b = _offset("B")
    ar_dunning_offset_c = _offset("C")
    ar_dunning_offset_d = _offset("D")
    ar_dunning_call_core = _call_first("core", "core")
    ar_dunning_call_important = _call_first("important", "important")
    ar_dunning_call_general = _call_first("general", "general")
    ar_statement_period = fields.Selection(
        list(STATEMENT_PERIOD_LABELS),
        "Periodic statements",
        default="off",
        required=True,
        help="Email each customer with something open its statement of account once a month "
        "or a quarter (customers can opt out on their form).",
        groups=INTERNAL_GROUP,
    )
