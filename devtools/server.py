"""An Odoo server started here, and the address wkhtmltopdf fetches the PDFs' stylesheets from."""

import contextlib
import subprocess
import sys
import time

from .odoo_db import odoo_cli
from .project import SERVER_URL


def server_args(dbname):
    return odoo_cli(
        "-d",
        dbname,
        "--db-filter",
        f"^{dbname}$",
        "--http-interface",
        "127.0.0.1",
        "--log-level",
        "warn",
    )


def wait_for_server(server, url=f"{SERVER_URL}/web/login", timeout=120):
    """Wait until Odoo answers (or fail if it stopped)."""
    import urllib.error
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit("Odoo stopped before it was ready: is port 8069 already in use?")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    sys.exit("Odoo did not answer on http://127.0.0.1:8069 within two minutes.")


@contextlib.contextmanager
def report_url(env, url=SERVER_URL):
    """wkhtmltopdf fetches the stylesheets from the server started here, whatever
    web.base.url says (an admin's login through another address or port rewrites it)."""
    params = env["ir.config_parameter"].sudo()
    previous = params.get_param("report.url")
    params.set_param("report.url", url)
    try:
        yield
    finally:
        params.set_param("report.url", previous or False)


@contextlib.contextmanager
def pdf_server(env, port):
    """A quiet Odoo server of ``env``'s database on ``port``, for this process's PDFs
    (benchmarks): wkhtmltopdf fetches the stylesheets from it."""
    dbname = env.cr.dbname
    args = [*server_args(dbname), "--http-port", str(port), "--workers", "0"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(server, f"{url}/web/login")
        with report_url(env, url):
            yield
    finally:
        server.terminate()
        server.wait(30)
