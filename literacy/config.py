"""Settings from ``LITERACY_*`` environment variables.

Every setting can also be passed to ``create_app(config)``, which wins over the environment; that is
how the tests run against their own database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: the installed package: templates, static files, migrations and the default courses live inside it,
#: so a wheel works as well as a checkout (the repository's top-level folders are links to these).
PACKAGE_ROOT = Path(__file__).resolve().parent

#: environment variable -> (Flask config key, default). Documented in README.md.
ENVIRONMENT: dict[str, tuple[str, Any]] = {
    "LITERACY_SECRET_KEY": ("SECRET_KEY", None),
    "LITERACY_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", None),
    "LITERACY_COURSES_DIR": ("COURSES_DIR", str(PACKAGE_ROOT / "courses")),
    "LITERACY_RATELIMIT_STORAGE_URL": ("RATELIMIT_STORAGE_URI", "memory://"),
    "LITERACY_DEFAULT_LOCALE": ("BABEL_DEFAULT_LOCALE", "en"),
    "LITERACY_DEFAULT_TIMEZONE": ("BABEL_DEFAULT_TIMEZONE", "Europe/London"),
    "LITERACY_SITE_NAME": ("SITE_NAME", "AI literacy"),
    "LITERACY_SECURE_COOKIES": ("SECURE_COOKIES", None),
    "LITERACY_PASSWORD_HASH_METHOD": ("PASSWORD_HASH_METHOD", "scrypt"),
    "LITERACY_SIGN_IN_LIMIT_ACCOUNT": ("SIGN_IN_LIMIT_ACCOUNT", "5 per minute;20 per hour"),
    "LITERACY_SIGN_IN_LIMIT_ADDRESS": ("SIGN_IN_LIMIT_ADDRESS", "20 per minute;100 per hour"),
    "LITERACY_MAIL_HOST": ("MAIL_HOST", None),
    "LITERACY_MAIL_PORT": ("MAIL_PORT", "25"),
    "LITERACY_MAIL_USERNAME": ("MAIL_USERNAME", None),
    "LITERACY_MAIL_PASSWORD": ("MAIL_PASSWORD", None),
    "LITERACY_MAIL_USE_TLS": ("MAIL_USE_TLS", "false"),
    "LITERACY_MAIL_SENDER": ("MAIL_SENDER", "no-reply@localhost"),
    "LITERACY_INVITATION_DAYS": ("INVITATION_DAYS", "14"),
    "LITERACY_SMALL_GROUP_THRESHOLD": ("SMALL_GROUP_THRESHOLD", "5"),
    "LITERACY_SESSION_IDLE_MINUTES": ("SESSION_IDLE_MINUTES", "120"),
    "LITERACY_SESSION_LIFETIME_HOURS": ("SESSION_LIFETIME_HOURS", "12"),
    "LITERACY_PASSWORD_RESET_MINUTES": ("PASSWORD_RESET_MINUTES", "60"),
    "LITERACY_EMAIL_VERIFICATION_HOURS": ("EMAIL_VERIFICATION_HOURS", "48"),
    "LITERACY_RESET_LIMIT_ACCOUNT": ("RESET_LIMIT_ACCOUNT", "3 per hour;10 per day"),
    "LITERACY_RESET_LIMIT_ADDRESS": ("RESET_LIMIT_ADDRESS", "10 per hour;50 per day"),
    "LITERACY_INVITATIONS_PER_DAY": ("INVITATIONS_PER_DAY", "500"),
    "LITERACY_SITE_URL": ("SITE_URL", None),
    "LITERACY_TRUSTED_PROXIES": ("TRUSTED_PROXIES", "0"),
    "LITERACY_TRUSTED_HOSTS": ("TRUSTED_HOST_NAMES", None),
    "LITERACY_IMPORT_MAX_BYTES": ("IMPORT_MAX_BYTES", "10485760"),
    "LITERACY_IMPORT_MAX_UNPACKED_BYTES": ("IMPORT_MAX_UNPACKED_BYTES", "20971520"),
    "LITERACY_IMPORT_MAX_FILES": ("IMPORT_MAX_FILES", "500"),
    "LITERACY_MAX_QUESTIONS": ("MAX_QUESTIONS", "500"),
    "LITERACY_STASH_MAX_BYTES": ("STASH_MAX_BYTES", "262144"),
    "LITERACY_QUEUE_URL": ("QUEUE_URL", None),
    "LITERACY_QUEUE_WORKERS": ("QUEUE_WORKERS", "2"),
    "LITERACY_MAIL_MAX_ATTEMPTS": ("MAIL_MAX_ATTEMPTS", "6"),
    "LITERACY_MAIL_RETRY_SECONDS": ("MAIL_RETRY_SECONDS", "60"),
    # xAPI statements to organisations' LRSs (literacy.xapi.sending): attempts, first wait, and a request's timeout
    "LITERACY_XAPI_MAX_ATTEMPTS": ("XAPI_MAX_ATTEMPTS", "8"),
    "LITERACY_XAPI_RETRY_SECONDS": ("XAPI_RETRY_SECONDS", "60"),
    "LITERACY_XAPI_TIMEOUT_SECONDS": ("XAPI_TIMEOUT_SECONDS", "10"),
    "LITERACY_LOG_FORMAT": ("LOG_FORMAT", None),  # json or text; None: text with --debug and in tests, else json
    "LITERACY_METRICS_TOKEN": ("METRICS_TOKEN", None),  # /metrics wants it as a bearer token; None: loopback only
    # Open Badges 3.0 signing keys (literacy.credentials.keys): PEM, JWK or JWK Set; the file wins over the value
    "LITERACY_CREDENTIAL_KEYS": ("CREDENTIAL_KEYS", None),
    "LITERACY_CREDENTIAL_KEYS_FILE": ("CREDENTIAL_KEYS_FILE", None),
    "LITERACY_CREDENTIAL_KEY_ID": ("CREDENTIAL_KEY_ID", None),  # the key that signs; None: the first private one
}

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def offered_languages(folder: Path = TRANSLATIONS_DIR) -> dict[str, str]:
    """English, then every language with a catalogue in ``folder``, each by its own name ("Cymraeg",
    "Svenska"): adding a language is adding its catalogue (docs/translating.md), no code."""
    from babel import Locale

    languages = {"en": "English"}
    for code in sorted(p.name for p in folder.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()):
        name = Locale.parse(code).get_display_name(code) or code
        languages[code] = name[:1].upper() + name[1:]
    return languages


LANGUAGES = offered_languages()


def normalise_database_url(url: str) -> str:
    """Let people paste a plain ``postgresql://`` URL and still get psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: TCP keepalives for PostgreSQL: a server that vanished without closing the connection (a host or network
#: gone) shows as a closed socket within about a minute instead of the system's two hours
POSTGRESQL_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


#: seconds before opening a PostgreSQL connection gives up on a server that does not answer at all (a host
#: gone rather than a refusal), so a page or ``/readyz`` fails in bounded time instead of hanging
POSTGRESQL_CONNECT_TIMEOUT = 10


def engine_options(url: str) -> dict[str, Any]:
    """SQLAlchemy's engine options. No ``pool_pre_ping``: its ``SELECT 1`` (with psycopg a ``BEGIN`` too)
    on every checkout was two of a page's round trips; a connection the database closed is found without
    one (``database_liveness``), see docs/operations.md, "When the database goes away".

    ``hide_parameters``: a database error's message, which the log writes with its traceback, shows the
    statement but not its values (people's email addresses, names, answers)."""
    options: dict[str, Any] = {"hide_parameters": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {**POSTGRESQL_KEEPALIVES, "connect_timeout": POSTGRESQL_CONNECT_TIMEOUT}
    return options


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from defaults, the environment and explicit overrides."""
    settings: dict[str, Any] = {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The cookie is sent again only when the session changes: ``auth.sessions`` writes the time of the last
        # request into it at most once a minute (its own idle and absolute limits, checked on the server), so
        # re-signing it on every response bought nothing but CPU and a header.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, so long forms are not lost
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": LANGUAGES,
        "RATELIMIT_HEADERS_ENABLED": False,
    }
    for variable, (key, default) in ENVIRONMENT.items():
        value = os.environ.get(variable)
        settings[key] = value if value not in (None, "") else default
    settings.update(overrides or {})
    if not settings.get("MAX_CONTENT_LENGTH"):  # an upload at the limit, with room for the form around it
        settings["MAX_CONTENT_LENGTH"] = int(settings["IMPORT_MAX_BYTES"]) + 1024 * 1024
    if not settings.get("SQLALCHEMY_DATABASE_URI"):
        settings["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "literacy.sqlite3")
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings["SQLALCHEMY_DATABASE_URI"])
    if "SQLALCHEMY_ENGINE_OPTIONS" not in settings:
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings["SQLALCHEMY_DATABASE_URI"])
    if not settings.get("QUEUE_URL"):  # the embedded task queue: a SQLite file beside the database's default
        settings["QUEUE_URL"] = "sqlite:///" + str(Path(instance_path) / "queue.sqlite3")
    if settings.get("TRUSTED_HOST_NAMES") and not settings.get("TRUSTED_HOSTS"):
        # Flask answers 400 to any other Host header, so a forged one never reaches an emailed link
        # (password resets, invitations, verification).
        settings["TRUSTED_HOSTS"] = [name.strip() for name in settings["TRUSTED_HOST_NAMES"].split(",") if name.strip()]
    return settings
