"""Access (issue 9): every model, field group, report, server action, menu and RPC-callable
method of the addon, walked for each role (salesperson, accountant, auditor, AR user, credit
manager, portal), and multi-company isolation of every company-dependent model.

The tables below are the specification: a model, field, report, server action, menu or public
method that the addon declares and the tables do not list fails the test, with a message
saying where to add it."""

import inspect

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ArCase

MODULES = ("ar_analytics", "ar_analytics_xlsx")
ROLES = ("salesperson", "accountant", "auditor", "ar_user", "credit_manager", "portal")
ROLE_GROUPS = {
    "salesperson": "sales_team.group_sale_salesman",
    "accountant": "account.group_account_invoice",
    "auditor": "account.group_account_readonly",
    "ar_user": "ar_analytics.group_ar_analytics_user",
    "credit_manager": (
        "account.group_account_invoice,ar_analytics.group_ar_analytics_credit_manager"
    ),
    "portal": "base.group_portal",
}
FIGURE_READERS = ("accountant", "auditor", "ar_user", "credit_manager")
INTERNAL = ("salesperson", "accountant", "auditor", "ar_user", "credit_manager")
#: who works the collections (the receivables writers: not the read-only auditor)
COLLECTORS = ("accountant", "ar_user", "credit_manager")

R = dict.fromkeys(FIGURE_READERS, "r")
#: model -> {role: operations allowed among r(ead) w(rite) c(reate) u(nlink)}; "abstract":
#: no table, nothing to grant
ACCESS = {
    "ar.aging.bucket": {**R, "credit_manager": "rwcu"},
    "ar.customer.stat": R,
    "ar.customer.aging": R,
    "ar.company.stat": R,
    "ar.score.history": R,
    "ar.overdue.analysis": R,
    "ar.trend.month": R,
    "ar.collection.trend": R,
    "ar.expected.cash": R,
    "ar.customer.signal": R,
    "ar.backtest.predictor": R,
    "ar.credit.override": {
        "salesperson": "r",
        "accountant": "r",
        "auditor": "r",
        "ar_user": "r",
        "credit_manager": "rc",
    },
    "ar.overdue.reason": {**dict.fromkeys(INTERNAL, "r"), "credit_manager": "rwcu"},
    "ar.aging.report.wizard": dict.fromkeys(FIGURE_READERS, "rwc"),
    "ar.grade.override.wizard": {"credit_manager": "rwc"},
    "ar.credit.override.wizard": {"credit_manager": "rwc"},
    "ar.credit.approval.wizard": {"salesperson": "rwc"},
    "ar.dunning.level": {**dict.fromkeys(INTERNAL, "r"), "credit_manager": "rwcu"},
    # collectors set the collector, the pause and the next action; the run writes the rest
    "ar.dunning.state": {
        "accountant": "rw",
        "auditor": "r",
        "ar_user": "rw",
        "credit_manager": "rw",
    },
    "ar.dunning.reminder": R,
    "ar.dunning.reminder.line": R,
    "ar.dunning.statement": R,
    "ar.dunning.effect": R,
    **dict.fromkeys(
        ("ar.dunning.call", "ar.dunning.process", "ar.dunning.process.line"),
        dict.fromkeys(COLLECTORS, "rwc"),
    ),
    "ar.dunning.run": "abstract",
    "report.ar_analytics.report_dunning_letter": "abstract",
    # internal queues and locks: written by the addon's own code (sudo), nobody else
    "ar.refresh.request": {},
    "ar.credit.lock": {},
    "ar.refresh": "abstract",
    "ar.backtest": "abstract",
    "ar.item.closing": "abstract",
    "ar.collection.run": "abstract",
    "ar.figures.mixin": "abstract",
    "ar.credit.checked.mixin": "abstract",
    "ar.credit.rules": "abstract",
    "report.ar_analytics.report_aged_receivables": "abstract",
    "report.ar_analytics.report_credit_statement": "abstract",
    "report.ar_analytics.report_credit_statement_internal": "abstract",
    "report.ar_analytics.report_customer_contribution": "abstract",
    "report.ar_analytics_xlsx.aged_receivables_xlsx": "abstract",
    "report.ar_analytics_xlsx.customer_contribution_xlsx": "abstract",
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

#: fields the addon adds to core models: who reads them
VERDICT, FIGURE = "verdict", "figure"
FIELDS = {
    "res.partner": {
        **dict.fromkeys(
            (
                "ar_credit_grade",
                "ar_tier",
                "ar_action",
                "ar_grade_overridden",
                "ar_order_verdict",
                "ar_dunning_level_id",
            ),
            VERDICT,
        ),
        **dict.fromkeys(
            (
                "ar_stat_ids",
                "ar_stat_id",
                "ar_credit_score",
                "ar_payment_cycle_days",
                "ar_score_explanation",
                "ar_figures_as_of",
                "ar_window_days",
                "ar_aging_ids",
                "ar_exposure",
                "ar_limit_use",
                "ar_company_currency_id",
                "ar_history_count",
                "ar_open_item_count",
                "ar_signal_severity",
                "ar_signal_ids",
                "ar_dunning_state_id",
                "ar_dunning_last_date",
                "ar_dunning_next_date",
                "ar_dunning_collector_id",
                "ar_dunning_paused_until",
                "ar_statement_opt_out",
            ),
            FIGURE,
        ),
    },
    "account.move": {
        **dict.fromkeys(
            ("ar_credit_verdict", "ar_credit_blocked", "ar_credit_override_ids"), VERDICT
        ),
        **dict.fromkeys(
            (
                "ar_computed",
                "ar_payment_date",
                "ar_days_to_pay",
                "ar_days_late",
                "ar_paid_on_time",
                "ar_cash_share",
                "ar_pending_share",
                "ar_credit_note_share",
                "ar_writeoff_share",
                "ar_expected_date",
                "ar_expected_source",
                "ar_days_overdue",
                "ar_aging_bucket_id",
                "ar_overdue_reason_id",
                "ar_collection_note",
                "ar_promise_date",
                "ar_promise_amount",
                "ar_promise_residual",
                "ar_promise_status",
            ),
            FIGURE,
        ),
    },
    "sale.order": dict.fromkeys(
        (
            "ar_credit_verdict",
            "ar_credit_blocked",
            "ar_credit_override_ids",
            "ar_is_credit_manager",
        ),
        VERDICT,
    ),
}
FIELD_READERS = {VERDICT: INTERNAL, FIGURE: FIGURE_READERS}

PRINTERS = FIGURE_READERS
#: report xmlid -> (roles whose Print menu shows it, roles that may render it)
REPORTS = {
    "ar_analytics.action_report_aged_receivables": (PRINTERS, PRINTERS),
    "ar_analytics.action_report_credit_statement": (PRINTERS, PRINTERS),
    # offered to credit reviewers; the figures in it are readable by every printer anyway
    "ar_analytics.action_report_credit_statement_internal": (
        ("ar_user", "credit_manager"),
        PRINTERS,
    ),
    "ar_analytics.action_report_customer_contribution": (PRINTERS, PRINTERS),
    "ar_analytics.action_report_dunning_letter": (COLLECTORS, PRINTERS),
    "ar_analytics_xlsx.action_report_aged_receivables_xlsx": (PRINTERS, PRINTERS),
    "ar_analytics_xlsx.action_report_customer_contribution_xlsx": (PRINTERS, PRINTERS),
}
#: server action xmlid -> roles that may run it
SERVER_ACTIONS = {
    "ar_analytics.res_partner_action_ar_refresh": ("accountant", "ar_user", "credit_manager"),
    "ar_analytics.account_move_action_ar_refresh": ("accountant", "ar_user", "credit_manager"),
    "ar_analytics.action_server_partner_print_aging": PRINTERS,
    "ar_analytics.action_server_customer_contribution": PRINTERS,
    # the scheduled refreshes: run by the cron's user only
    "ar_analytics.ir_cron_ar_refresh_ir_actions_server": (),
    "ar_analytics.ir_cron_ar_refresh_queue_ir_actions_server": (),
    "ar_analytics.ir_cron_ar_dunning_ir_actions_server": (),
    "ar_analytics.ar_dunning_run_action_server": COLLECTORS,
    "ar_analytics.ar_dunning_process_open": COLLECTORS,
    "ar_analytics.ar_dunning_state_worklist": COLLECTORS,
}
#: menu xmlid -> roles that see it (the addon's own app, and one menu under Sales, whose own
#: groups apply first)
INVOICING = ("accountant", "auditor", "ar_user", "credit_manager")
MENUS = {
    "ar_analytics.ar_analytics_reporting_menu": INVOICING,
    "ar_analytics.ar_analysis_menu": INVOICING,
    "ar_analytics.ar_collections_menu": INVOICING,
    "ar_analytics.ar_forecast_menu": INVOICING,
    "ar_analytics.ar_configuration_menu": ("credit_manager",),
    "ar_analytics.ar_settings_menu": (),
    "ar_analytics.ar_customer_stat_menu": INVOICING,
    "ar_analytics.ar_customer_aging_menu": INVOICING,
    "ar_analytics.ar_company_stat_menu": INVOICING,
    "ar_analytics.ar_customer_stat_menu_contribution": INVOICING,
    "ar_analytics.ar_score_history_menu": INVOICING,
    "ar_analytics.ar_aging_report_wizard_menu": INVOICING,
    "ar_analytics.ar_customer_contribution_report_menu": INVOICING,
    "ar_analytics.ar_overdue_analysis_menu": INVOICING,
    "ar_analytics.ar_credit_override_menu": INVOICING,
    "ar_analytics.ar_collection_trend_menu": INVOICING,
    "ar_analytics.ar_customer_signal_menu": INVOICING,
    "ar_analytics.ar_expected_cash_menu": INVOICING,
    "ar_analytics.ar_trend_month_menu": INVOICING,
    "ar_analytics.ar_dunning_state_menu": COLLECTORS,
    "ar_analytics.ar_dunning_process_menu": COLLECTORS,
    "ar_analytics.ar_dunning_reminder_menu": COLLECTORS,
    "ar_analytics.ar_dunning_level_menu": ("credit_manager",),
    "ar_analytics.ar_dunning_statement_menu": COLLECTORS,
    "ar_analytics.ar_dunning_effect_menu": INVOICING,
    # Sales > Reporting: sales managers; Invoicing > Configuration > Accounting: managers
    "ar_analytics.ar_credit_override_menu_sale": (),
    "ar_analytics.ar_overdue_reason_menu": ("credit_manager",),
    "ar_analytics.ar_aging_bucket_menu": ("credit_manager",),
}
#: public methods (callable by RPC) the addon defines -> roles that may call them; "open":
#: returns an action or writes only what the caller may write (checked by ACLs and rules)
METHODS = {
    ("res.partner", "action_ar_refresh"): ("accountant", "ar_user", "credit_manager"),
    ("account.move", "action_ar_refresh"): ("accountant", "ar_user", "credit_manager"),
    ("ar.customer.stat", "action_clear_override"): ("credit_manager",),
    ("ar.grade.override.wizard", "action_apply"): ("credit_manager",),
    ("ar.credit.override.wizard", "action_override"): ("credit_manager",),
    # schedules activities on an order the caller may write (ACLs and rules)
    ("ar.credit.approval.wizard", "action_request"): "open",
    ("ar.dunning.run", "run_now"): COLLECTORS,
    ("ar.dunning.process", "action_send"): COLLECTORS,
    ("ar.dunning.process", "action_open"): COLLECTORS,
    # the wizards' and states' own ACLs say who may
    ("ar.dunning.call", "action_log"): "open",
    ("ar.dunning.state", "action_log_call"): "open",
    # an action on a model the caller may read (its ACLs)
    ("ar.dunning.state", "action_open_worklist"): "open",
    ("ar.dunning.state", "action_open_partner"): "open",
    ("ar.dunning.process.line", "action_preview"): "open",
    # the mail queue's, with the statement PDFs it waits for attached first
    ("mail.mail", "send"): "open",
    ("res.config.settings", "action_ar_backtest"): ("credit_manager",),
    ("res.config.settings", "action_ar_backfill"): ("credit_manager",),
    ("res.config.settings", "action_ar_suggest_weights"): ("credit_manager",),
    ("res.config.settings", "action_ar_apply_weights"): ("credit_manager",),
    ("res.config.settings", "action_ar_refresh"): "open",
    ("res.config.settings", "action_ar_signals"): "open",
    ("res.config.settings", "action_ar_buckets"): "open",
    ("res.partner", "action_ar_open_items"): "open",
    ("res.partner", "action_ar_score_history"): "open",
    ("ar.customer.stat", "action_override_grade"): "open",
    ("sale.order", "action_ar_credit_override"): "open",
    ("account.move", "action_ar_credit_override"): "open",
    ("sale.order", "action_ar_request_credit_approval"): "open",
    ("sale.order", "action_confirm"): "open",
    ("ar.aging.report.wizard", "action_print"): "open",
    ("ar.aging.report.wizard", "action_view_html"): "open",
    ("ar.aging.report.wizard", "action_xlsx"): "open",
    ("account.move", "button_draft"): "open",
    ("account.move", "button_cancel"): "open",
    ("ar.credit.checked.mixin", "action_ar_credit_override"): "open",
    # called by report_xlsx with a workbook: nothing to return to a caller
    ("report.ar_analytics_xlsx.aged_receivables_xlsx", "generate_xlsx_report"): "open",
    ("report.ar_analytics_xlsx.customer_contribution_xlsx", "generate_xlsx_report"): "open",
}
CRUD = {"create", "write", "unlink", "copy", "read", "search"}
ADDON_PACKAGES = ("odoo.addons.ar_analytics.", "odoo.addons.ar_analytics_xlsx.")


def _addon_models(env):
    """The models the addons define (not the core models they extend)."""
    return {name for name, model in env.registry.items() if model._original_module in MODULES}


def _installed(env):
    """Which of MODULES this database has (the XLSX exports need OCA's report_xlsx)."""
    modules = env["ir.module.module"].search([("name", "in", MODULES), ("state", "=", "installed")])
    return set(modules.mapped("name"))


def _xmlids(env, model):
    data = env["ir.model.data"].search([("module", "in", MODULES), ("model", "=", model)])
    return {f"{d.module}.{d.name}" for d in data}


class SecurityCase(ArCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_a.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls.company_b = cls.setup_other_company(name="Security company B")["company"]
        cls.users = {
            role: new_test_user(
                cls.env,
                login=f"ar_sec_{role}",
                groups=groups,
                company_id=cls.company_a.id,
                company_ids=[Command.set(cls.company_a.ids)],
            )
            for role, groups in ROLE_GROUPS.items()
        }
        cls.customer = cls.env["res.partner"].create({"name": "Security shared customer"})
        cls.invoice_a = cls._invoice(cls.customer, "2026-01-10", 1000)
        cls._pay(cls.invoice_a, 400, "2026-02-20")
        cls.invoice_b = cls._invoice(cls.customer, "2026-01-15", 700, company=cls.company_b)
        cls.other_b = cls.env["res.partner"].create({"name": "Only in company B"})
        cls._invoice(cls.other_b, "2026-02-01", 300, company=cls.company_b)
        refresh = cls.env["ar.refresh"]
        for company in (cls.company_a, cls.company_b):
            refresh._refresh_company(company, as_of=cls._date("2026-03-31"))

    @classmethod
    def _date(cls, text):
        return fields.Date.to_date(text)

    def env_of(self, role):
        return self.env(user=self.users[role])


@tagged("post_install", "-at_install")
class TestRoles(SecurityCase):
    def test_every_model_has_an_access_row_per_role(self):
        models = _addon_models(self.env)
        unknown = sorted(models - set(ACCESS))
        self.assertFalse(unknown, [f"add {m} to the access table" for m in unknown])
        access = self.env["ir.model.access"]
        for model in sorted(models):
            expected = ACCESS[model]
            if expected == "abstract":
                self.assertTrue(self.env[model]._abstract, f"{model} is not abstract")
                continue
            for role in ROLES:
                allowed = expected.get(role, "")
                for letter, operation in OPERATIONS.items():
                    with self.subTest(model=model, role=role, operation=operation):
                        granted = access.with_user(self.users[role]).check(
                            model, operation, raise_exception=False
                        )
                        self.assertEqual(granted, letter in allowed)

    def test_portal_has_no_access_at_all(self):
        portal = self.users["portal"]
        for model in sorted(_addon_models(self.env)):
            if ACCESS.get(model) == "abstract":
                continue
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(portal).search([], limit=1)

    def test_every_field_on_core_models_has_its_readers(self):
        for model, table in FIELDS.items():
            fields = self.env[model]._fields
            declared = {
                name
                for name, field in fields.items()
                if name.startswith("ar_") and field._module in MODULES
            }
            missing = sorted(declared - set(table))
            self.assertFalse(missing, [f"add {model}.{f} to the field table" for f in missing])
            for name, kind in table.items():
                for role in ROLES:
                    with self.subTest(model=model, field=name, role=role):
                        records = self.env[model].with_user(self.users[role])
                        self.assertEqual(
                            records._has_field_access(fields[name], "read"),
                            role in FIELD_READERS[kind],
                        )

    def test_company_settings_are_internal(self):
        company = self.env["res.company"]
        names = [name for name in company._fields if name.startswith("ar_")]
        self.assertGreater(len(names), 25)
        for role in ROLES:
            records = company.with_user(self.users[role])
            for name in names:
                with self.subTest(field=name, role=role):
                    self.assertEqual(
                        records._has_field_access(company._fields[name], "read"),
                        role in INTERNAL,
                    )
        portal = self.users["portal"]
        with self.assertRaises(AccessError):
            portal.company_id.with_user(portal).read(["ar_weight_index"])

    def test_rpc_reads_of_partner_figures(self):
        salesperson = self.customer.with_user(self.users["salesperson"])
        self.assertTrue(salesperson.read(["ar_credit_grade", "ar_tier"])[0]["ar_credit_grade"])
        for name in ("ar_credit_score", "ar_payment_cycle_days", "ar_score_explanation"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                salesperson.read([name])
        # searching on a figure is reading it
        with self.assertRaises(AccessError):
            salesperson.search([("ar_credit_score", ">", 0)])
        # the portal user's own partner: nothing, not even the grade
        portal = self.users["portal"]
        for name in ("ar_credit_grade", "ar_order_verdict", "ar_credit_score"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                portal.partner_id.with_user(portal).read([name])
        invoice = self.invoice_a.with_user(self.users["salesperson"])
        with self.assertRaises(AccessError):
            invoice.read(["ar_days_late"])
        self.assertEqual(
            self.invoice_a.with_user(self.users["accountant"]).read(["ar_days_late"])[0][
                "ar_days_late"
            ],
            self.invoice_a.ar_days_late,
        )

    def test_reports_by_role(self):
        reports = _xmlids(self.env, "ir.actions.report")
        unknown = sorted(reports - set(REPORTS))
        self.assertFalse(unknown, [f"add {r} to the report table" for r in unknown])
        stat = self._stat(self.customer)
        reminder = self._reminder()
        installed = _installed(self.env)
        for xmlid, (shown, allowed) in REPORTS.items():
            module = xmlid.split(".")[0]
            if module not in installed:
                with self.subTest(report=xmlid):
                    self.skipTest(f"{module} is not installed (it needs OCA's report_xlsx)")
                continue
            report = self.env.ref(xmlid)
            docids = {
                "ar.customer.stat": stat.ids,
                "ar.dunning.reminder": reminder.ids,
            }.get(report.model, self.customer.ids)
            # buckets typed in: the company's bucket records (and their ACLs) are not read
            data = {
                "company_id": self.company_a.id,
                "as_of": "2026-03-31",
                "bucket_limits": "0, 30, 60",
            }
            for role in ROLES:
                with self.subTest(report=xmlid, role=role):
                    user = self.users[role]
                    self.assertEqual(
                        not report.group_ids or bool(report.group_ids & user.all_group_ids),
                        role in shown,
                        "shown in the Print menu",
                    )
                    render = self.env["ir.actions.report"].with_user(user)
                    kind = report.report_type
                    if role in allowed:
                        content = self._render(render, report, kind, docids, data)
                        self.assertTrue(content)
                    else:
                        with self.assertRaises(AccessError):
                            self._render(render, report, kind, docids, data)

    def _reminder(self):
        """A reminder to the customer at the company's first dunning level."""
        level = self.env["ar.dunning.level"].search(
            [("company_id", "=", self.company_a.id)], order="days", limit=1
        )
        return (
            self.env["ar.dunning.reminder"]
            .sudo()
            .create(
                {
                    "company_id": self.company_a.id,
                    "partner_id": self.customer.id,
                    "date": "2026-03-31",
                    "level_id": level.id,
                    "letter": True,
                }
            )
        )

    def _render(self, render, report, kind, docids, data):
        if kind == "xlsx":
            return render._render_xlsx(report.report_name, docids, data)[0]
        return render._render_qweb_html(report.report_name, docids, data=data)[0]

    def test_server_actions_by_role(self):
        actions = _xmlids(self.env, "ir.actions.server")
        unknown = sorted(actions - set(SERVER_ACTIONS))
        self.assertFalse(unknown, [f"add {a} to the server action table" for a in unknown])
        for xmlid, allowed in SERVER_ACTIONS.items():
            action = self.env.ref(xmlid)
            records = self.invoice_a if action.model_id.model == "account.move" else self.customer
            for role in ROLES:
                with self.subTest(action=xmlid, role=role):
                    run = action.with_user(self.users[role]).with_context(
                        active_model=records._name,
                        active_ids=records.ids,
                        active_id=records.id,
                    )
                    if role in allowed:
                        run.run()
                    else:
                        with self.assertRaises(AccessError):
                            run.run()

    def test_menus_by_role(self):
        menus = _xmlids(self.env, "ir.ui.menu")
        unknown = sorted(menus - set(MENUS))
        self.assertFalse(unknown, [f"add {m} to the menu table" for m in unknown])
        for role in ROLES:
            menus = self.env["ir.ui.menu"].with_user(self.users[role])
            visible = menus._visible_menu_ids() if menus.has_access("read") else ()
            for xmlid, allowed in MENUS.items():
                menu, reachable = self.env.ref(xmlid), True
                while menu:  # shown when it and every menu above it are
                    reachable &= menu.id in visible
                    menu = menu.parent_id
                with self.subTest(menu=xmlid, role=role):
                    self.assertEqual(reachable, role in allowed)

    @staticmethod
    def _rpc_private(model_class, attr):
        """Whether RPC refuses the method (``@api.private`` on it or what it overrides, as
        ``odoo.service.model.get_public_method`` checks)."""
        return any(
            getattr(getattr(c, attr, None), "_api_private", False) for c in model_class.mro()
        )

    def test_every_public_method_is_listed(self):
        found = set()
        for name in self.env.registry:
            for cls in type(self.env[name]).__mro__:
                module = cls.__module__ or ""
                if not module.startswith(ADDON_PACKAGES) or ".tests." in module:
                    continue
                found |= {
                    (name, attr)
                    for attr, value in vars(cls).items()
                    if inspect.isfunction(value)
                    and not attr.startswith("_")
                    and attr not in CRUD
                    and not self._rpc_private(type(self.env[name]), attr)
                }
        unknown = sorted(found - set(METHODS))
        self.assertFalse(unknown, [f"add {m}.{a} to the method table" for m, a in unknown])

    def test_restricted_methods_refused_by_rpc(self):
        stat = self._stat(self.customer)
        stat.sudo().write(
            {
                "grade_override": "A",
                "grade_override_reason": "Test",
                "grade_override_expiry": "2099-01-01",
            }
        )
        calls = {
            ("res.partner", "action_ar_refresh"): lambda env: (
                env["res.partner"].browse(self.customer.id).action_ar_refresh()
            ),
            ("account.move", "action_ar_refresh"): lambda env: (
                env["account.move"].browse(self.invoice_a.id).action_ar_refresh()
            ),
            ("ar.customer.stat", "action_clear_override"): lambda env: (
                env["ar.customer.stat"].browse(stat.id).action_clear_override()
            ),
            ("ar.dunning.run", "run_now"): lambda env: env["ar.dunning.run"].run_now(),
            # sends what is due, if anything: the wizard's creation and its sending are
            # guarded alike
            ("ar.dunning.process", "action_send"): lambda env: (
                (process := env["ar.dunning.process"].create({})).line_ids and process.action_send()
            ),
        }
        for (model, method), call in calls.items():
            allowed = METHODS[(model, method)]
            for role in ROLES:
                with self.subTest(method=f"{model}.{method}", role=role):
                    env = self.env_of(role)
                    if role in allowed:
                        call(env)
                    else:
                        with self.assertRaises(AccessError):
                            call(env)
                        self.env.invalidate_all()
        # writes that the ACLs refuse, whatever the UI shows
        for role in ROLES:
            if role == "credit_manager":
                continue
            with self.subTest(write=role), self.assertRaises(AccessError):
                self.env_of(role)["ar.customer.stat"].browse(stat.id).write({"grade": "A"})
            with self.subTest(unlink=role), self.assertRaises(AccessError):
                self.env_of(role)["ar.customer.stat"].browse(stat.id).unlink()
        with self.assertRaises(AccessError):
            self.env_of("credit_manager")["ar.customer.stat"].browse(stat.id).unlink()


@tagged("post_install", "-at_install")
class TestMultiCompany(SecurityCase):
    def test_every_company_model_has_a_company_rule(self):
        for model in sorted(_addon_models(self.env)):
            records = self.env[model]
            field = records._fields.get("company_id")
            if records._abstract or not field or not field.store:
                continue
            with self.subTest(model=model):
                rules = self.env["ir.rule"].search([("model_id.model", "=", model)])
                self.assertTrue(
                    any("company_ids" in (rule.domain_force or "") for rule in rules),
                    f"add a company ir.rule for {model}",
                )

    def test_user_of_a_sees_nothing_of_b(self):
        sudo_counts = {}
        user = self.users["credit_manager"]
        for model in sorted(_addon_models(self.env)):
            records = self.env[model]
            field = records._fields.get("company_id")
            if records._abstract or not field or not field.store:
                continue
            sudo_counts[model] = records.sudo().search_count(
                [("company_id", "=", self.company_b.id)]
            )
            with self.subTest(model=model):
                if (
                    not self.env["ir.model.access"]
                    .with_user(user)
                    .check(model, "read", raise_exception=False)
                ):
                    continue
                self.assertFalse(
                    records.with_user(user).search([("company_id", "=", self.company_b.id)]),
                )
                any_b = records.sudo().search([("company_id", "=", self.company_b.id)], limit=1)
                if any_b:
                    with self.assertRaises(AccessError):
                        any_b.with_user(user).read(["company_id"])
        for model in (
            "ar.customer.stat",
            "ar.customer.aging",
            "ar.company.stat",
            "ar.score.history",
        ):
            self.assertTrue(sudo_counts[model], f"company B has {model} rows to hide")
        # the shared customer shows company A's grade and aging only
        customer = self.customer.with_user(user)
        stat_a = self.env["ar.customer.stat"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company_a.id)]
        )
        self.assertEqual(customer.ar_stat_ids, stat_a.with_user(user))
        self.assertEqual(set(customer.ar_aging_ids.mapped("company_id").ids), {self.company_a.id})
        self.assertEqual(customer.ar_credit_grade, stat_a.grade)

    def test_reports_of_another_company_are_refused(self):
        user = self.users["credit_manager"]
        aging = self.env["report.ar_analytics.report_aged_receivables"].with_user(user)
        with self.assertRaises(AccessError):
            aging._aging_data({"company_id": self.company_b.id, "as_of": "2026-03-31"})
        contribution = self.env["report.ar_analytics.report_customer_contribution"]
        with self.assertRaises(AccessError):
            contribution.with_user(user)._get_report_values([], {"company_id": self.company_b.id})
        # company A's report: company A's amounts only (B's 700 and 300 never appear)
        data = aging._aging_data({"company_id": self.company_a.id, "as_of": "2026-03-31"})
        self.assertEqual(data["totals"]["total"], 600.0)

    def test_a_user_of_both_companies_sees_the_active_ones(self):
        user = self.users["credit_manager"]
        user.company_ids = [Command.link(self.company_b.id)]
        stats = self.env["ar.customer.stat"].with_user(user)
        only_a = stats.with_context(allowed_company_ids=self.company_a.ids).search([])
        self.assertEqual(set(only_a.mapped("company_id").ids), {self.company_a.id})
        both = stats.with_context(
            allowed_company_ids=[self.company_a.id, self.company_b.id]
        ).search([])
        self.assertEqual(set(both.mapped("company_id").ids), {self.company_a.id, self.company_b.id})
        # the partner's figures follow the current company
        customer = self.customer.with_user(user)
        grade_b = (
            self.env["ar.customer.stat"]
            .search([("partner_id", "=", self.customer.id), ("company_id", "=", self.company_b.id)])
            .grade
        )
        self.assertAlmostEqual(
            customer.with_company(self.company_b).ar_credit_score,
            self.env["ar.customer.stat"]
            .search([("partner_id", "=", self.customer.id), ("company_id", "=", self.company_b.id)])
            .credit_score,
            delta=0.051,
        )
        self.assertEqual(customer.with_company(self.company_b).ar_credit_grade, grade_b)

    def test_computation_reads_only_its_company(self):
        refresh = self.env["ar.refresh"]
        as_of = self._date("2026-03-31")
        for company, total in ((self.company_a, 600.0), (self.company_b, 1000.0)):
            items, allocs = refresh._extract(company, as_of)
            with self.subTest(company=company.name):
                self.assertEqual(set(items["company_id"]), {company.id})
                self.assertAlmostEqual(items["balance"].astype(float).sum(), total)
                lines = self.env["account.move.line"].browse(allocs["counterpart_id"].tolist())
                self.assertLessEqual(set(lines.company_id.ids), {company.id})
                stats = self.env["ar.customer.stat"].search([("company_id", "=", company.id)])
                self.assertAlmostEqual(sum(stats.mapped("total_ar")), total)
