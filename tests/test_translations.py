"""The zh_CN translation is complete and keeps every placeholder (polib ships with Odoo)."""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%[sd]|%\.\d+f|%%")
ADDONS = ["ar_analytics", "ar_analytics_xlsx"]


@pytest.mark.parametrize("addon", ADDONS)
def test_zh_cn_is_complete(addon):
    template = polib.pofile(str(ROOT / addon / "i18n" / f"{addon}.pot"))
    translation = {
        entry.msgid: entry for entry in polib.pofile(str(ROOT / addon / "i18n" / "zh_CN.po"))
    }
    missing = [e.msgid for e in template if not translation.get(e.msgid, polib.POEntry()).msgstr]
    assert not missing, missing[:5]
    for entry in template:
        translated = translation[entry.msgid]
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(
            PLACEHOLDER.findall(translated.msgstr)
        ), entry.msgid
