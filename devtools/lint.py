"""The lint of ``manage.py test``: ruff over the checkout, pylint-odoo over the addons."""

import subprocess
import sys

from .project import ADDON, DEMO_ADDON, QUEUE_ADDON, ROOT, XLSX_ADDON, say


def lint():
    say("- lint: ruff")
    if subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-fix", str(ROOT)], check=False
    ).returncode:
        return 1
    say("- lint: pylint-odoo")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pylint",
            f"--rcfile={ROOT / '.pylintrc'}",
            str(ROOT / ADDON),
            str(ROOT / XLSX_ADDON),
            str(ROOT / DEMO_ADDON),
            str(ROOT / QUEUE_ADDON),
        ],
        check=False,
    ).returncode
