{
    "name": "Receivables Analytics",
    "summary": "Payment behaviour, aging, credit scoring and credit rules "
    "from posted invoices and their reconciliations",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "ar_analytics contributors",
    "website": "https://github.com/ar-analytics/ar_analytics",
    "depends": ["account", "sale"],
    "external_dependencies": {"python": ["pandas", "numpy"]},
    "data": [],
    "installable": True,
    "application": False,
}
