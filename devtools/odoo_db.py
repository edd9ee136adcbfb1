"""Odoo on one of our databases: its command line, installing the modules, an environment."""

import contextlib
import subprocess
import sys
import time

from .postgres import db_exists
from .project import MODULES, ROOT, Missing, our_addons, say


def odoo_cli(*args):
    return [sys.executable, "-m", "odoo", "--addons-path", str(ROOT), *args]


def install_db(name, modules=MODULES):
    """Create the database and install the modules; on an existing database, install what
    is missing and upgrade ar_analytics to this checkout's code."""
    existing = db_exists(name)
    say(
        f"- {'upgrading' if existing else 'installing'} {modules} in database {name} "
        "(takes a minute or two)"
    )
    started = time.time()
    upgrade = ["-u", ",".join(our_addons())] if existing else []
    done = subprocess.run(
        odoo_cli("-d", name, "-i", modules, *upgrade, "--stop-after-init", "--log-level=warn"),
        check=False,
    )
    if done.returncode:
        raise Missing(f"Odoo could not install {modules} into {name} (see the log above).")
    say(f"  done in {time.time() - started:.0f} s")


@contextlib.contextmanager
def odoo_env(name):
    """An environment (superuser) on the database; commits when the block succeeds."""
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-d", name, "--addons-path", str(ROOT), "--log-level", "warn"])
    registry = Registry(name)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
