"""The nightly refresh of a company as a graph of queue jobs: its customers in batches, each
batch a job that any worker of any node runs (``ar.refresh._refresh_batch``: ranked among all
the company's customers, written for the batch only), then the company totals, then the
collection run. Every job takes the as-of date fixed when the graph is made."""

from odoo import api, models

from odoo.addons.queue_job.delay import chain, group

CHANNEL = "root.ar_analytics"


class ArRefresh(models.AbstractModel):
    _inherit = "ar.refresh"

    @api.model
    def _nightly(self, company):
        if not company.ar_refresh_in_jobs:
            return super()._nightly(company)
        return self._enqueue_refresh(company)

    @api.model
    def _enqueue_refresh(self, company, as_of=None):
        """Enqueue the refresh of ``company`` as jobs; returns the graph's first jobs."""
        as_of = as_of or self._default_as_of(company)
        batches = self._partner_batches(company, company.ar_refresh_batch_size)
        name = company.name
        refresh = self.sudo()
        jobs = [
            refresh.delayable(
                channel=CHANNEL,
                description=self.env._(
                    "Receivables figures of %(company)s, customers %(n)s of %(count)s",
                    company=name,
                    n=n,
                    count=len(batches),
                ),
            )._refresh_batch(company, batch, as_of)
            for n, batch in enumerate(batches, start=1)
        ]
        totals = refresh.delayable(
            channel=CHANNEL,
            description=self.env._("Receivables totals of %(company)s", company=name),
        )._refresh_totals(company, as_of)
        collection = (
            self.env["ar.collection.run"]
            .sudo()
            .delayable(
                channel=CHANNEL,
                description=self.env._(
                    "Collection trend, forecast and signals of %(company)s", company=name
                ),
            )
            ._run(company, as_of)
        )
        steps = [group(*jobs)] if jobs else []
        graph = chain(*steps, totals, collection)
        graph.delay()
        return graph
