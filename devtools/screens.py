"""``python3 manage.py screens``: screenshots of every ar_analytics screen, for the docs.

A headless Chromium of its own, driven through the DevTools Protocol (websocket-client), logs in
to a running Odoo server in the user's language for the run (restored at the end), opens each
screen of SCREENS, waits until it is idle, runs its JavaScript if any (a tab, a button), waits
again and saves ``OUT/<name>.png`` (1440x900). A screen that fails is said, the others run.
"""

import base64
import collections
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests
import websocket

WIDTH, HEIGHT = 1440, 900
QUIET, SETTLE, TIMEOUT = 0.5, 1.0, 45  # seconds: without requests; to render; per wait
READY = ".o_action_manager .o_content, .modal-body"  # an Odoo view or dialog is there
BUSY = """document.readyState !== 'complete' || !!document.querySelector('.o_loading_indicator')
  || [...document.querySelectorAll('iframe')].some((f) => {
       try { return f.contentDocument.readyState !== 'complete'; } catch (e) { return false; } })"""
SCROLL = """(() => { let el = document.querySelector(%s).closest(%s);
  if (el.matches('.o_settings_container'))  // a block of Settings: from its title
    while (el.tagName !== 'H2' && el.previousElementSibling) el = el.previousElementSibling;
  const bar = document.querySelector('.o_form_view .o_form_statusbar');  // sticky: not over it
  el.style.scrollMarginTop = bar ? `${bar.offsetHeight + 8}px` : '';
  el.scrollIntoView({block: 'start'}); return true; })()"""


def act(xmlid, suffix=""):
    """The URL of an action (of ar_analytics unless the xmlid names its module)."""
    return f"/odoo/action-{xmlid if '.' in xmlid else 'ar_analytics.' + xmlid}{suffix}"


def click(selector):
    """JavaScript clicking the element, failing with its selector when it is not there."""
    sel = json.dumps(selector)
    found = f"const el = document.querySelector({sel}); if (!el) throw Error('no ' + {sel})"
    return f"(() => {{ {found}; el.click(); return true; }})()"


def scroll(selector, ancestor="*"):
    """JavaScript scrolling the element's closest ``ancestor`` to the top of the screen."""
    return SCROLL % (json.dumps(selector), json.dumps(ancestor))


def tab(name):
    """JavaScript opening the notebook page ``name``, then (once rendered) scrolling it up."""
    return click(f"a[name={name}]"), scroll(f"a[name={name}]", ".o_notebook")


def settings(field, ancestor=".o_settings_container"):
    """Settings scrolled to the block of ``field`` (or to another ``ancestor`` of it)."""
    return screen(act("account.action_account_config"), js=scroll(field, ancestor))


#: url ({id}: the first record of ``record`` = (model, domain, order[, field that must be set]);
#: {company}: the user's company), js (or several, one after the other) run once the page is
#: idle, then a selector to wait for
screen = collections.namedtuple("Screen", "url record js wait", defaults=(None, None, None))


MODAL = ".modal-body"
STAT_FORM = act("ar_customer_stat_action", "/{id}")
INVOICE = act("account.action_move_out_invoice_type", "/{id}")
FORECAST, FORECAST_ROW = (
    act("ar_collection_trend_action", "/{id}"),
    ("ar.collection.trend", [], "id"),
)
QUOTATION = act("sale.action_quotations_with_onboarding", "/{id}")
GRADED = ("ar.customer.stat", [("grade", "in", ["A", "B", "C", "D"])], "overdue_amount desc")
WEAK = ("res.partner", [("ar_credit_grade", "in", ["C", "D"])], "id")
POSTED = [("move_type", "=", "out_invoice"), ("state", "=", "posted")]
PAID_LATE = [*POSTED, ("payment_state", "in", ["paid", "in_payment"]), ("ar_days_late", ">", 0)]
OVERDUE = [*POSTED, ("payment_state", "in", ["not_paid", "partial"]), ("ar_days_overdue", ">", 30)]
DEMO_QUOTATIONS = [("client_order_ref", "=like", "AR demo:%"), ("state", "in", ["draft", "sent"])]
BLOCKED = ("sale.order", DEMO_QUOTATIONS, "id", "ar_credit_blocked")  # credit_demo.py's REF
CONTRIBUTION = "/report/html/ar_analytics.report_customer_contribution?options=" + (
    urllib.parse.quote('{"company_id": COMPANY}').replace("COMPANY", "{company}")
)
# fmt: off
#: every screen of the addon by menu, then the screens of Odoo it extends
SCREENS = {
    "customer_figures_list": screen(act("ar_customer_stat_action")),
    "customer_figures_pivot": screen(act("ar_customer_stat_action", "?view_type=pivot")),
    "customer_figures_graph": screen(act("ar_customer_stat_action", "?view_type=graph")),
    "customer_figures_form": screen(STAT_FORM, GRADED),
    "customer_figures_form_more": screen(STAT_FORM, GRADED, scroll("[name=total_ar]", ".o_group")),
    "grade_override_wizard": screen(STAT_FORM, GRADED,
                                    click("[name=action_override_grade]"), MODAL),
    "company_totals": screen(act("ar_company_stat_action")),
    "aging_by_customer_pivot": screen(act("ar_customer_aging_action")),
    "aging_by_customer_list": screen(act("ar_customer_aging_action", "?view_type=list")),
    "aged_receivables_wizard": screen(act("ar_aging_report_wizard_action")),
    "aged_receivables_html": screen(act("ar_aging_report_wizard_action"), None,
                                    click(".modal [name=action_view_html]"), ".o_action iframe"),
    "contribution_list": screen(act("ar_customer_stat_action_contribution")),
    "contribution_report": screen(CONTRIBUTION),
    "score_history_list": screen(act("ar_score_history_action")),
    "score_history_graph": screen(act("ar_score_history_action", "?view_type=graph")),
    "signals_list": screen(act("ar_customer_signal_action")),
    "signal_form": screen(act("ar_customer_signal_action", "/{id}"),
                          ("ar.customer.signal", [], "severity, id")),
    "overdue_analysis_pivot": screen(act("ar_overdue_analysis_action")),
    "overdue_analysis_list": screen(act("ar_overdue_analysis_action", "?view_type=list")),
    "credit_overrides_list": screen(act("ar_credit_override_action")),
    "credit_override_form": screen(act("ar_credit_override_action", "/{id}"),
                                   ("ar.credit.override", [], "id desc")),
    "collection_trend_graph": screen(act("ar_trend_month_action")),
    "collection_trend_list": screen(act("ar_trend_month_action", "?view_type=list")),
    "collection_forecast_list": screen(act("ar_collection_trend_action")),
    "collection_forecast_form": screen(FORECAST, FORECAST_ROW),
    "collection_forecast_form_more": screen(FORECAST, FORECAST_ROW,
                                            scroll("[name=benchmark]", ".o_inner_group")),
    "expected_cash_pivot": screen(act("ar_expected_cash_action")),
    "expected_cash_graph": screen(act("ar_expected_cash_action", "?view_type=graph")),
    "aging_buckets": screen(act("ar_aging_bucket_action")),
    "overdue_reasons": screen(act("ar_overdue_reason_action")),
    "settings": settings("[name=ar_aging_basis]"),
    "settings_signals": settings("[name=ar_signal_index_alert]", ".row"),
    "settings_credit_rules": settings("[name=ar_rule_limit]"),
    "settings_credit_score": settings("[name=ar_weight_index]"),
    "dunning_levels": screen(act("ar_dunning_level_action")),
    "dunning_level_form": screen(act("ar_dunning_level_action", "/{id}"),
                                 ("ar.dunning.level", [("days", "=", 45)], "id")),
    "dunning_worklist": screen(act("ar_dunning_state_worklist")),
    "dunning_call": screen(act("ar_dunning_state_worklist"), None,
                           click(".o_data_row button[name=action_log_call]"), MODAL),
    "dunning_process": screen(act("ar_dunning_process_open")),
    "dunning_preview": screen(act("ar_dunning_process_open"), None,
                              click(".o_data_row button[name=action_preview]"), MODAL),
    "dunning_reminders": screen(act("ar_dunning_reminder_action")),
    "dunning_effect": screen(act("ar_dunning_effect_action", "?view_type=pivot")),
    "dunning_effect_list": screen(act("ar_dunning_effect_action")),
    "settings_dunning": settings("[name=ar_dunning_auto_send]", ".o_setting_box"),
    # with ar_analytics_queue installed (OCA's queue_job)
    "settings_queue": settings("[name=ar_refresh_in_jobs]", ".o_setting_box"),
    "partner_credit_tab": screen(act("account.res_partner_action_customer", "/{id}"), WEAK,
                                 tab("ar_credit")),
    "invoice_payment_behaviour": screen(INVOICE, ("account.move", PAID_LATE, "invoice_date desc"),
                                        click("a[name=ar_payment]")),
    "invoice_collection": screen(INVOICE, ("account.move", OVERDUE, "invoice_date desc"),
                                 click("a[name=ar_collection]")),
    "quotation_blocked": screen(QUOTATION, BLOCKED),
    "quotation_refusal": screen(QUOTATION, BLOCKED,
                                click(".o_form_statusbar [name=action_confirm]"), MODAL),
    "quotation_override_wizard": screen(QUOTATION, BLOCKED,
                                        click("[name=action_ar_credit_override]"), MODAL),
}
# fmt: on


class Odoo:
    """JSON-RPC in the session of the login."""

    def __init__(self, url, db, login, password):
        self.url, self.http = url.rstrip("/"), requests.Session()
        try:
            info = self.post("/web/session/authenticate", db=db, login=login, password=password)
        except (RuntimeError, requests.RequestException) as exc:
            raise SystemExit(f"cannot log in as {login} on {db} at {url}: {exc}") from None
        self.uid, self.company = info["uid"], info["user_companies"]["current_company"]
        self.session_id = self.http.cookies["session_id"]

    def post(self, path, **params):
        reply = self.http.post(
            self.url + path, json={"jsonrpc": "2.0", "params": params}, timeout=300
        )
        reply.raise_for_status()
        if error := reply.json().get("error"):
            raise RuntimeError(error.get("data", {}).get("message") or error["message"])
        return reply.json()["result"]

    def call(self, model, method, *args, **kwargs):
        path = f"/web/dataset/call_kw/{model}/{method}"
        return self.post(path, model=model, method=method, args=list(args), kwargs=kwargs)

    def find(self, model, domain, order, required=None):
        rows = self.call(model, "search_read", domain, [required or "id"], order=order, limit=50)
        return next((row["id"] for row in rows if not required or row[required]), None)


class Page:
    """One Chromium tab over CDP, which counts the requests in flight for ``wait``."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=TIMEOUT, suppress_origin=True)
        self.ids, self.inflight, self.last_net, self.loaded = 0, {}, time.monotonic(), True
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable")
        metrics = {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", **metrics)

    def send(self, method, params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        return self.ids

    def call(self, method, **params):
        sent = self.send(method, params)
        while (message := json.loads(self.ws.recv())).get("id") != sent:
            self.event(message)
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error'].get('message')}")
        return message.get("result", {})

    def event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.inflight[params["requestId"]] = self.last_net = time.monotonic()
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            self.inflight.pop(params["requestId"], None)
            self.last_net = time.monotonic()
        elif method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Page.javascriptDialogOpening":  # "leave this page?"
            self.send("Page.handleJavaScriptDialog", {"accept": True})

    def pump(self, seconds):
        """Handle the events of the next ``seconds``."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                self.event(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        self.ws.settimeout(TIMEOUT)

    def js(self, expression):
        options = {"returnByValue": True, "awaitPromise": True}
        result = self.call("Runtime.evaluate", expression=expression, **options)
        if details := result.get("exceptionDetails"):
            raise RuntimeError(details.get("exception", {}).get("description") or details["text"])
        return result["result"].get("value")

    def wait(self, selector):
        """Until loaded, without requests for QUIET s (those older than 10 s aside), without
        Odoo's loading indicator and with ``selector``; then SETTLE s to render."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            self.pump(0.1)
            now = time.monotonic()
            if not self.loaded or any(now - start < 10 for start in self.inflight.values()):
                continue
            found = f"!!document.querySelector({json.dumps(selector or 'body')})"
            if now - self.last_net >= QUIET and not self.js(BUSY) and self.js(found):
                return self.pump(SETTLE)
        raise TimeoutError(f"page not ready after {TIMEOUT} s (waiting for {selector!r})")


@contextlib.contextmanager
def chromium():
    """A headless Chromium of its own (free port, temporary profile), killed at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    profile = tempfile.mkdtemp(prefix="ar-screens-")
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    flags = [f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "--no-sandbox"]
    flags += ["--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}", "--no-first-run"]
    # its own process group: Debian's chromium is a wrapper script that does not exec
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    process = subprocess.Popen([binary, "--headless=new", *flags], **quiet, start_new_session=True)
    page = None
    try:
        for _ in range(150):
            with contextlib.suppress(requests.RequestException, ValueError):
                targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
                if tabs := [target for target in targets if target.get("type") == "page"]:
                    break
            time.sleep(0.2)
        else:
            raise SystemExit(f"{binary} did not open its DevTools port {port}")
        page = Page(tabs[0]["webSocketDebuggerUrl"])
        yield page
    finally:
        if page:
            page.ws.close()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, sig)
                process.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


def shoot(page, odoo, name, spec, out):
    url = spec.url.replace("{company}", str(odoo.company))
    if spec.record:
        if not (record_id := odoo.find(*spec.record)):
            return "skipped: no record"
        url = url.replace("{id}", str(record_id))
    page.loaded = False
    page.call("Page.navigate", url=odoo.url + url)
    page.wait(READY if url.startswith("/odoo") else None)
    for script in [spec.js] if isinstance(spec.js, str) else spec.js or ():
        page.last_net = time.monotonic()
        page.js(script)
        page.wait(spec.wait)
    path = out / f"{name}.png"
    path.write_bytes(base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"]))
    return path


def run(args):
    names = [name.strip() for name in args.only.split(",")] if args.only else list(SCREENS)
    if unknown := set(names) - set(SCREENS):
        raise SystemExit(f"unknown screens {sorted(unknown)}; known: {', '.join(SCREENS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    odoo = Odoo(args.url, args.db, args.login, args.password)
    if not odoo.call("res.lang", "search_count", [("code", "=", args.lang)]):
        load = f"python3 -m odoo -d {args.db} --load-language {args.lang} --stop-after-init"
        raise SystemExit(f"{args.lang} is not installed in {args.db}: {load}")
    previous = odoo.call("res.users", "read", [odoo.uid], ["lang"])[0]["lang"]
    odoo.call("res.users", "write", [odoo.uid], {"lang": args.lang})
    failed = 0
    try:
        with chromium() as page:
            host = urllib.parse.urlsplit(odoo.url).hostname
            cookie = {"name": "session_id", "value": odoo.session_id, "domain": host, "path": "/"}
            page.call("Network.setCookie", **cookie, httpOnly=True)
            for name in names:
                try:
                    print(f"{name:<27} {shoot(page, odoo, name, SCREENS[name], out)}", flush=True)
                except (RuntimeError, TimeoutError, websocket.WebSocketException) as exc:
                    failed += 1
                    print(f"{name:<27} FAILED: {exc}", flush=True)
    finally:
        odoo.call("res.users", "write", [odoo.uid], {"lang": previous})
    return 1 if failed else 0
