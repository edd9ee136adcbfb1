from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.ar_analytics.tests.common import BOOK_END, BookCase
from odoo.addons.queue_job.tests.common import trap_jobs

BATCH = 4


@tagged("post_install", "-at_install")
class TestRefreshInJobs(BookCase):
    """The nightly refresh of a company split into queue jobs stores the figures that the
    single-process refresh stores."""

    def _totals(self, company):
        stat = self.env["ar.company.stat"].search([("company_id", "=", company.id)])
        return stat.read(["overdue_amount", "dso", "collection_rate", "cei"], load=None)[0] | {
            "id": None
        }

    def test_jobs_store_the_figures_of_the_single_process_refresh(self):
        company = self.company_a
        refresh = self.env["ar.refresh"]
        refresh._refresh_company(company, as_of=BOOK_END)
        self.env["ar.collection.run"]._run(company, BOOK_END)
        single = self._stored_figures(company)
        single_totals = self._totals(company)
        self.assertTrue(single[0] and single[1] and single[2], "a book to compare")
        self._forget_figures(company)
        company.ar_refresh_batch_size = BATCH
        batches = refresh._partner_batches(company, BATCH)
        self.assertGreater(len(batches), 2, "several batches")
        with trap_jobs() as trap:
            refresh._enqueue_refresh(company, as_of=BOOK_END)
            trap.assert_jobs_count(len(batches) + 2)
            trap.assert_jobs_count(len(batches), only=refresh._refresh_batch)
            for batch in batches:
                trap.assert_enqueued_job(
                    refresh.sudo()._refresh_batch,
                    args=(company, batch, BOOK_END),
                    properties={"channel": "root.ar_analytics"},
                )
            trap.assert_enqueued_job(refresh.sudo()._refresh_totals, args=(company, BOOK_END))
            self.assertFalse(
                self._stored_figures(company)[0], "nothing refreshed before the jobs run"
            )
            trap.perform_enqueued_jobs()
        self.assertEqual(self._stored_figures(company), single)
        # the totals job sums the parts of batches: the same figures, summed in another order
        totals = self._totals(company)
        self.assertEqual(totals.keys(), single_totals.keys())
        for name, value in single_totals.items():
            if isinstance(value, float):
                self.assertAlmostEqual(totals[name], value, delta=1e-9 * max(1.0, abs(value)))
            else:
                self.assertEqual(totals[name], value, name)
        # the collection run, last in the graph, ran on the refreshed figures
        self.assertTrue(
            self.env["ar.collection.trend"].search_count([("company_id", "=", company.id)])
        )

    def test_nightly_job_enqueues_only_the_companies_that_asked(self):
        self.company_a.write({"ar_refresh_in_jobs": True, "ar_refresh_batch_size": BATCH})
        self.company_b.ar_refresh_in_jobs = False
        self._forget_figures(self.company_a)
        self._forget_figures(self.company_b)
        refresh = self.env["ar.refresh"]
        with trap_jobs() as trap, patch.object(self.env.cr, "commit", lambda: None):
            refresh._cron_refresh()
            batches = refresh._partner_batches(self.company_a, BATCH)
            trap.assert_jobs_count(len(batches) + 2)
            # the company in jobs is refreshed by its jobs, the other one in place
            self.assertFalse(self._stored_figures(self.company_a)[0])
            self.assertTrue(self._stored_figures(self.company_b)[0])
            trap.perform_enqueued_jobs()
        self.assertTrue(self._stored_figures(self.company_a)[0])

    def test_a_job_refreshes_at_least_one_customer(self):
        with self.assertRaises(ValidationError):
            self.company_a.ar_refresh_batch_size = 0
