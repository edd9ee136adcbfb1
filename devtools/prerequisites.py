"""What the commands need installed: Odoo 19 (checked), Python packages and OCA's peer addons
(from the registry), wkhtmltopdf (from Debian's packages) and a running PostgreSQL."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .postgres import ensure_postgres
from .project import (
    ADDON,
    PEER_ADDONS,
    PEER_DEPS,
    QUEUE_ADDON,
    ROOT,
    XLSX_ADDON,
    Missing,
    addon_available,
    say,
)


def check_odoo():
    try:
        import odoo.release
    except ImportError as exc:
        raise Missing(
            "Odoo 19 is not importable by this python3 (`python3 -c 'import odoo'` fails: "
            f"{exc}). Install Odoo 19.0 first: see README.md, 'Requirements'."
        ) from None
    if tuple(odoo.release.version_info[:2]) != (19, 0):
        raise Missing(f"Odoo {odoo.release.version} found; ar_analytics needs Odoo 19.0.")
    spec = importlib.util.find_spec(f"odoo.addons.{ADDON}")
    if spec and spec.origin and Path(spec.origin).resolve().parent != ROOT / ADDON:
        raise Missing(
            f"another copy of {ADDON} is installed at {Path(spec.origin).parent} and would "
            f"shadow this checkout: remove it (pip uninstall odoo-addon-{ADDON})."
        )


def ensure_python(packages):
    """Install the missing Python packages (module name -> PyPI name) into this python."""
    missing = [pypi for module, pypi in packages.items() if not importlib.util.find_spec(module)]
    if missing:
        say(f"- installing Python packages: {', '.join(missing)}")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", *missing],
            check=False,
        )
        if done.returncode:
            raise Missing(f"pip could not install {', '.join(missing)}.")


def ensure_peers(peers=PEER_ADDONS):
    """Install the missing OCA peer addons from their 19.0 wheels (``--no-deps``: their
    dependencies name Odoo). A peer that cannot be had is said once; the addons and tests
    that need it are then left out, never failed."""
    ensure_python(PEER_DEPS)
    missing = {name: wheel for name, wheel in peers.items() if not addon_available(name)}
    if not missing:
        return
    say(f"- installing OCA addons: {', '.join(missing.values())}")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", *missing.values()],
        check=False,
    )
    if done.returncode:
        say(
            f"! pip could not install {', '.join(missing)}: the addons that need them "
            f"({XLSX_ADDON}, {QUEUE_ADDON}) are not installed and their tests are not run."
        )


def ensure_wkhtmltopdf():
    """Odoo prints PDFs with wkhtmltopdf: installed from Debian's packages when this runs as
    root on a Debian-like system, otherwise said once (HTML reports still work)."""
    if shutil.which("wkhtmltopdf"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("- installing wkhtmltopdf (Debian package) to print PDF reports")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["update"], ["install", "-y", "wkhtmltopdf"]):
            subprocess.run(
                ["apt-get", "-q", *command], env=env, stdout=subprocess.DEVNULL, check=False
            )
    if not shutil.which("wkhtmltopdf"):
        say(
            "! wkhtmltopdf is not installed: PDF reports cannot be printed "
            "(install it, e.g. `apt-get install wkhtmltopdf`); HTML reports still work."
        )
        return False
    return True


def prerequisites(packages):
    check_odoo()
    ensure_python(packages)
    ensure_peers()
    ensure_postgres()
