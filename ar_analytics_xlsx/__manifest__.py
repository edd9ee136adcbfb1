{
    "name": "Receivables Analytics: XLSX exports",
    "summary": "Aged receivables and customer contribution as Excel workbooks "
    "(with OCA's report_xlsx)",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "ar_analytics contributors",
    "website": "https://github.com/ar-analytics/ar_analytics",
    "depends": ["ar_analytics", "report_xlsx"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "reports/ar_xlsx_reports.xml",
        "views/ar_aging_report_wizard_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
