"""The translated names of the case library's fixed lists (sectors, countries, risks)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SECTOR_LABELS = {
    "benefits": _l("Benefits"),
    "education": _l("Education"),
    "policing": _l("Policing"),
    "health": _l("Health"),
    "local-government": _l("Local government"),
    "tax": _l("Tax"),
    "immigration": _l("Immigration"),
    "employment": _l("Employment"),
    "central-government": _l("Central government"),
}
COUNTRY_LABELS = {
    "uk": _l("United Kingdom"),
    "wales": _l("Wales"),
    "scotland": _l("Scotland"),
    "sweden": _l("Sweden"),
    "netherlands": _l("Netherlands"),
    "eu": _l("European Union"),
    "australia": _l("Australia"),
    "usa": _l("United States"),
    "other": _l("Other countries"),
}
RISK_LABELS = {
    "bias": _l("Bias"),
    "transparency": _l("Transparency"),
    "accuracy": _l("Accuracy"),
    "privacy": _l("Privacy"),
    "accountability": _l("Accountability"),
    "legality": _l("Legality"),
    "human-oversight": _l("Human oversight"),
}
