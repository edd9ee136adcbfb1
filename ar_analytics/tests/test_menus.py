"""Every path the README sends users to exists: menus, settings and print actions, read
from the README itself (italic ``*A > B > C*``), on the English names, as admin sees them."""

import re
from pathlib import Path

from lxml import etree

from odoo.tests import TransactionCase, tagged

README = Path(__file__).parents[2] / "README.md"
#: an italic text (not bold); the paths among them have " > " between their steps
ITALIC = re.compile(r"(?<![*\w])\*(?![*\s])([^*]+?)(?<![*\s])\*(?![*\w])")
#: italic texts with " > " that are not paths, and why
NOT_PATHS = {
    "Overdue > 30/60/90 days": "names of the invoices' search filters (Overdue > 30 days, ...)",
}


def readme_paths(text):
    """The README's italic paths, in order, each once, as tuples of steps."""
    paths = []
    for match in ITALIC.finditer(text):
        italic = " ".join(match.group(1).split())
        if " > " in italic and italic not in NOT_PATHS:
            path = tuple(step.strip() for step in italic.split(" > "))
            if path not in paths:
                paths.append(path)
    return paths


def _label(node):
    return node.get("string") or node.get("title") or node.get("data-string")


@tagged("post_install", "-at_install")
class TestReadmePaths(TransactionCase):
    @classmethod
    def setUpClass(cls):
        if not README.is_file():
            raise cls.skipException(
                f"{README} not found: the addon is installed without its repository (a wheel)"
            )
        super().setUpClass()
        cls.paths = readme_paths(README.read_text(encoding="utf-8"))
        cls.admin = cls.env.ref("base.user_admin")
        cls.en = cls.env(user=cls.admin, context={"lang": "en_US"})

    @staticmethod
    def _chain(menu):
        names = []
        while menu:
            names.append(menu.name)
            menu = menu.parent_id
        return tuple(reversed(names))

    def _menu_chains(self):
        """Chains of names of the menus admin sees (each ancestor visible too), and of every
        menu including inactive ones (an app's root stays inactive until its app module is
        installed, e.g. Sales without sale_management)."""
        menus = self.en["ir.ui.menu"]
        visible = menus.search([])._filter_visible_menus()
        shown = {
            self._chain(menu)
            for menu in visible
            if all(parent in visible for parent in self._ancestors(menu))
        }
        every = {self._chain(menu) for menu in menus.with_context(active_test=False).search([])}
        return shown, every

    @staticmethod
    def _ancestors(menu):
        while menu.parent_id:
            menu = menu.parent_id
            yield menu

    @staticmethod
    def _resolves(path, chains):
        """A path from an app's root menu, or relative to a menu the README named before
        (e.g. *Receivables Analytics > Collection trend*): the end of a menu's chain."""
        return any(chain[-len(path) :] == path for chain in chains if len(chain) >= len(path))

    def _settings_resolve(self, steps):
        """Settings > app, block, setting or button, each inside the one before."""
        arch = self.en["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        nodes = [etree.fromstring(arch)]
        for step in steps:
            nodes = [
                node
                for parent in nodes
                for node in parent.iterdescendants()
                if isinstance(node.tag, str) and _label(node) == step
            ]
        return bool(nodes)

    def _print_resolves(self, steps):
        """Print > a report bound to a model's Print menu."""
        (name,) = steps
        return bool(
            self.en["ir.actions.report"].search_count(
                [("name", "=", name), ("binding_model_id", "!=", False)]
            )
        )

    def test_readme_paths_exist(self):
        self.assertTrue(self.paths, "the README names no path: the pattern is out of date")
        shown, every = self._menu_chains()
        missing, uninstalled = [], []
        for path in self.paths:
            head, *steps = path
            if head == "Settings" and steps:
                found = self._settings_resolve(steps)
            elif head == "Print" and len(steps) == 1:
                found = self._print_resolves(steps)
            else:
                found = self._resolves(path, shown)
                if not found and self._resolves(path, every):
                    uninstalled.append(" > ".join(path))
                    continue
            if not found:
                missing.append(" > ".join(path))
        self.assertFalse(
            missing,
            "README paths that lead nowhere (menus, settings, Print):\n" + "\n".join(missing),
        )
        if uninstalled:
            self.skipTest(
                "menus of an app not installed in this database (manage.py test installs "
                "sale_management): " + "; ".join(uninstalled)
            )
