{
    "name": "Receivables Analytics: refresh in queue jobs",
    "summary": "Splits the nightly receivables refresh into partner-batch jobs that any number "
    "of Odoo workers on any number of nodes run (OCA queue_job)",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "ar_analytics contributors",
    "website": "https://github.com/ar-analytics/ar_analytics",
    "depends": ["ar_analytics", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "views/res_config_settings_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
