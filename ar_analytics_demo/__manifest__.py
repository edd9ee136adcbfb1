{
    "name": "Receivables Analytics: demo books",
    "summary": "Generates realistic receivables books (invoices, payments, credit notes, "
    "write-offs) for demonstrations, tests and benchmarks of ar_analytics",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "ar_analytics contributors",
    "website": "https://github.com/ar-analytics/ar_analytics",
    "depends": ["ar_analytics", "sale_management"],
    "data": [],
    "installable": True,
}
