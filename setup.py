"""Wheel of the addon, OCA style: ``pip install .`` installs ``odoo/addons/ar_analytics``
into site-packages, where Odoo 19 finds it without any addons path."""

import ast
from pathlib import Path

from setuptools import find_packages, setup

ADDON = "ar_analytics"
ROOT = Path(__file__).resolve().parent
MANIFEST = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())
PACKAGE = f"odoo.addons.{ADDON}"
DATA = sorted(
    str(path.relative_to(ROOT / ADDON))
    for path in (ROOT / ADDON).rglob("*")
    if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
)

setup(
    name=f"odoo-addon-{ADDON}",
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    long_description=(ROOT / ADDON / "README.rst").read_text(),
    long_description_content_type="text/x-rst",
    author=MANIFEST["author"],
    url=MANIFEST["website"],
    license=MANIFEST["license"],
    packages=[PACKAGE, *(f"{PACKAGE}.{sub}" for sub in find_packages(ADDON))],
    package_dir={PACKAGE: ADDON},
    package_data={PACKAGE: DATA},
    install_requires=MANIFEST["external_dependencies"]["python"],
    python_requires=">=3.10",
    classifiers=[
        "Programming Language :: Python",
        "Framework :: Odoo",
        "Framework :: Odoo :: 19.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    ],
)
