"""Dunning on the demo book: the shipped policy switched on, six months of weekly dunning
replayed (so that the effectiveness figures have reminders and payments to measure), then
today's run as the daily job and a collector would do it: the automatic levels sent, the
levels waiting for review sent from Process reminders, the letters printed as one PDF.

The demo has no mail server: today's emails stay queued (shown in Settings > Technical >
Emails); the replayed history's emails are cancelled, never sent. Idempotent: a second run
finds the history there and today's reminders sent.
"""

import datetime

#: weeks of dunning history replayed before today
HISTORY_WEEKS = 26


def _replay(env, company, today):
    """Weekly runs over the last HISTORY_WEEKS weeks, every level sent, without statement
    PDFs nor periodic statements (the history needs the log, not the attachments); their
    emails cancelled."""
    reminders = env["ar.dunning.reminder"]
    if reminders.search_count([("company_id", "=", company.id), ("date", "<", today)]):
        return reminders
    levels = env["ar.dunning.level"].search([("company_id", "=", company.id)])
    attach = {level.id: level.attach_statement for level in levels}
    levels.attach_statement = False
    run = env["ar.dunning.run"]
    for weeks in range(HISTORY_WEEKS, 0, -1):
        reminders |= run._run_company(company, today - datetime.timedelta(weeks=weeks), False)
    for level in levels:
        level.attach_statement = attach[level.id]
    reminders.message_id.mail_ids.filtered(lambda m: m.state == "outgoing").write(
        {"state": "cancel", "failure_reason": "demo history: never sent"}
    )
    return reminders


def _collectors(env, company):
    """Give the customers without a salesperson one of two collectors (the admin and a
    receivables user), so that the worklist and the figures per collector have people."""
    users = env.ref("base.user_admin")
    login = "ar_demo_collector"
    colleague = env["res.users"].search([("login", "=", login)])
    if not colleague:
        colleague = env["res.users"].create(
            {
                "name": "Lin Wei",
                "login": login,
                "password": login,
                "company_id": env.ref("base.main_company").id,
                "company_ids": [(6, 0, env["res.company"].search([]).ids)],
                "group_ids": [
                    (4, env.ref("account.group_account_invoice").id),
                    (4, env.ref("ar_analytics.group_ar_analytics_user").id),
                ],
            }
        )
    users |= colleague
    stats = env["ar.customer.stat"].search([("company_id", "=", company.id)])
    partners = stats.partner_id.filtered(lambda p: not p.user_id).sorted("id")
    for n, partner in enumerate(partners):
        partner.user_id = users[n % 2]


def dunning_demo(env, today=None):
    """Run the demo's dunning; returns (the lines to print, today's letters PDF or None)."""
    today = today or datetime.date.today()
    lines, letters_pdf = [], None
    for company in env["res.company"].search([("active", "=", True)]):
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        company.ar_dunning_auto_send = True
        _collectors(env, company)
        history = _replay(env, company, today)
        company.ar_statement_period = "month"
        run = env["ar.dunning.run"]
        automatic = run._run_company(company, today) or env["ar.dunning.reminder"]
        process = env["ar.dunning.process"].with_company(company).create({})
        if process.line_ids:
            process.action_send()
        sent = env["ar.dunning.reminder"].search(
            [("company_id", "=", company.id), ("date", "=", today)]
        )
        lines += _summary(env, company, history, automatic, sent)
        letters = sent.filtered("letter")
        if letters and letters_pdf is None:
            letters_pdf = env["ir.actions.report"]._render_qweb_pdf(
                "ar_analytics.action_report_dunning_letter", letters.ids
            )[0]
    return lines, letters_pdf


def _label(record, field):
    return dict(record._fields[field]._description_selection(record.env)).get(record[field], "")


def _summary(env, company, history, automatic, sent):
    money = company.currency_id.symbol
    lines = [
        (
            f"- dunning of {company.name}: {len(history)} reminders replayed over "
            f"{HISTORY_WEEKS} weeks; today {len(sent)} reminders ({len(automatic)} "
            f"automatic, {len(sent) - len(automatic)} from Process reminders)"
        )
    ]
    for level in sent.level_id.sorted("days"):
        of_level = sent.filtered(lambda r, level=level: r.level_id == level)
        channels = {}
        for reminder in of_level:
            for channel in ("email", "letter", "call", "escalate"):
                if reminder[channel]:
                    label = reminder._fields[channel].string
                    channels[label] = channels.get(label, 0) + 1
        text = ", ".join(f"{label} {count}" for label, count in channels.items())
        amount = sum(of_level.mapped("amount"))
        lines.append(
            f"    {level.name:<18} {len(of_level):>4} customers  {money} {amount:>12,.2f}  {text}"
        )
    queued = env["mail.mail"].search_count(
        [("state", "=", "outgoing"), ("mail_message_id", "in", sent.message_id.ids)]
    )
    no_email = sent.filtered("no_email")
    statements = env["ar.dunning.statement"].search(
        [("company_id", "=", company.id), ("date", "=", datetime.date.today())]
    )
    lines.append(
        f"  {queued} emails queued (no mail server in the demo), {len(no_email)} customers "
        f"without an email address get a letter; {len(statements)} monthly statements queued"
    )
    lines += _effect(env, company)
    return lines


def _effect(env, company):
    """The stored effectiveness rows of last month, as the pivot shows them."""
    last_month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    effects = env["ar.dunning.effect"].search(
        [("company_id", "=", company.id), ("month", "=", last_month)]
    )
    if not effects:
        return []
    lines = [
        (
            f"  collection effectiveness of {last_month:%B %Y} (Collections > Collection "
            "effectiveness):"
        ),
        (
            f"    {'level':<18} {'collector':<16} {'reminders':>9} {'reminded':>14} "
            f"{'paid 7 d':>9} {'14 d':>6} {'30 d':>6} {'median days':>12} {'promises kept':>14}"
        ),
    ]
    for row in effects.sorted(lambda e: (e.level_id.days, e.collector_id.name or "")):
        kept = f"{row.kept}/{row.kept + row.broken}" if row.kept + row.broken else "-"
        lines.append(
            f"    {row.level_id.name or '-':<18} {row.collector_id.name or '-':<16} "
            f"{row.reminders:>9} {row.amount:>14,.2f} {row.share_7:>9.0%} {row.share_14:>6.0%} "
            f"{row.share_30:>6.0%} {row.days_to_pay:>12.1f} {kept:>14}"
        )
    return lines
