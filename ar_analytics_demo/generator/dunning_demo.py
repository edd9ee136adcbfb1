"""Dunning on the demo book: the shipped policy switched on, six months of weekly dunning
replayed (so that the effectiveness figures have reminders and payments to measure), then
today's run as the daily job does it: the automatic levels sent, the others left for a
collector in Process reminders; then the latest letter printed (``latest_letter``, once the
server that serves the PDF's stylesheets is up).

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
    done = reminders.search([("company_id", "=", company.id), ("date", "<", today)])
    if done:
        return done
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
    """Run the demo's dunning; returns the lines to print."""
    today = today or datetime.date.today()
    lines = []
    for company in env["res.company"].search([("active", "=", True)]):
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        company.ar_dunning_auto_send = True
        _collectors(env, company)
        history = _replay(env, company, today)
        company.ar_statement_period = "month"
        env["ar.dunning.run"]._run_company(company, today)
        sent = env["ar.dunning.reminder"].search(
            [("company_id", "=", company.id), ("date", "=", today)]
        )
        waiting = env["ar.dunning.process"].with_company(company).create({}).line_ids
        lines += _summary(env, company, history, sent, waiting)
    return lines


def latest_letter(env):
    """The PDF of the main company's latest dunning letter (None without one)."""
    company = env.ref("base.main_company")
    letter = env["ar.dunning.reminder"].search(
        [("company_id", "=", company.id), ("letter", "=", True)], order="date desc, id", limit=1
    )
    if not letter:
        return None
    report = env["ir.actions.report"].with_company(company)
    return report._render_qweb_pdf("ar_analytics.action_report_dunning_letter", letter.ids)[0]


def _by_level(records, money):
    """One line per level: customers, amount, channels."""
    lines = []
    for level in records.level_id.sorted("days"):
        of_level = records.filtered(lambda r, level=level: r.level_id == level)
        channels = {}
        for record in of_level:
            for channel in ("email", "letter", "call", "escalate"):
                if record[channel]:
                    label = record._fields[channel].string
                    channels[label] = channels.get(label, 0) + 1
        text = ", ".join(f"{label} {count}" for label, count in channels.items())
        amount = sum(of_level.mapped("amount"))
        lines.append(
            f"    {level.name:<18} {len(of_level):>4} customers  {money} {amount:>12,.2f}  {text}"
        )
    return lines


def _summary(env, company, history, sent, waiting):
    money = company.currency_id.symbol
    lines = [
        (
            f"- dunning of {company.name}: {len(history)} reminders replayed over "
            f"{HISTORY_WEEKS} weeks; today's automatic levels sent to {len(sent)} customers:"
        ),
        *_by_level(sent, money),
        f"  waiting for a collector's review in Process reminders: {len(waiting)} customers",
        *_by_level(waiting, money),
    ]
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
            f"  collection effectiveness of {last_month:%B %Y} (Forecast > Collection "
            "effectiveness):"
        ),
        (
            f"    {'level':<18} {'collector':<16} {'reminders':>9} {'reminded':>14} "
            f"{'paid 7 d':>9} {'14 d':>6} {'30 d':>6} {'median days':>12} {'promises kept':>14}"
        ),
    ]
    for row in effects.sorted(lambda e: (e.level_id.days, e.collector_id.name or "")):
        kept = f"{row.kept}/{row.kept + row.broken}" if row.kept + row.broken else "-"
        days = f"{row.days_to_pay:.1f}" if row.days_to_pay else "-"  # none paid yet
        lines.append(
            f"    {row.level_id.name or '-':<18} {row.collector_id.name or '-':<16} "
            f"{row.reminders:>9} {row.amount:>14,.2f} {row.share_7:>9.0%} {row.share_14:>6.0%} "
            f"{row.share_30:>6.0%} {days:>12} {kept:>14}"
        )
    return lines
