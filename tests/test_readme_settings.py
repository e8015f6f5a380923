"""The README's configuration table names every ``LITERACY_*`` setting the code reads, with its default."""

from __future__ import annotations

import re
from pathlib import Path

from literacy.config import ENVIRONMENT, PACKAGE_ROOT

README = Path(__file__).resolve().parent.parent / "README.md"

#: defaults the table describes in words rather than as the value
DESCRIBED = {
    "LITERACY_SECRET_KEY",
    "LITERACY_DATABASE_URL",
    "LITERACY_COURSES_DIR",
    "LITERACY_SECURE_COOKIES",
    "LITERACY_MAIL_HOST",
    "LITERACY_MAIL_USERNAME",
    "LITERACY_MAIL_PASSWORD",
    "LITERACY_TRUSTED_HOSTS",
    "LITERACY_SITE_URL",
    "LITERACY_QUEUE_URL",
    "LITERACY_LOG_FORMAT",
    "LITERACY_METRICS_TOKEN",
    "LITERACY_CREDENTIAL_KEYS",
    "LITERACY_CREDENTIAL_KEYS_FILE",
    "LITERACY_CREDENTIAL_KEY_ID",
}

#: defined in config.py but read by nothing, so not documented (yet)
UNUSED: set[str] = set()


def table_rows() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if line.startswith("| `LITERACY_"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            for variable in re.findall(r"`(LITERACY_[A-Z_]+)`", cells[0]):
                rows[variable] = cells[-1]
    return rows


def test_every_setting_is_in_the_configuration_table_with_its_default():
    rows = table_rows()
    assert sorted(set(ENVIRONMENT) - set(rows) - UNUSED) == []
    assert sorted(set(rows) - set(ENVIRONMENT)) == []
    for variable, (_key, default) in ENVIRONMENT.items():
        if variable not in DESCRIBED | UNUSED:
            assert f"`{default}`" in rows[variable], f"{variable}: README {rows[variable]}, code {default!r}"


def test_the_undocumented_settings_are_really_unused():
    for variable in UNUSED:
        key = ENVIRONMENT[variable][0]
        readers = [
            path
            for path in PACKAGE_ROOT.rglob("*")
            if path.suffix in (".py", ".html") and path.name != "config.py" and key in path.read_text(encoding="utf-8")
        ]
        assert readers == [], f"{variable} is read by {readers}: document it in the README and drop it from UNUSED"
