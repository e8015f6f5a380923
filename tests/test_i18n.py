"""Languages: every interface string is translated into every offered language; the locale follows the
person's choice."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, format_decimal

from literacy.config import LANGUAGES, offered_languages
from literacy.extensions import db
from literacy.models import AuditEvent, User

from .conftest import REPO

TRANSLATIONS = REPO / "literacy" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
TRANSLATED = [code for code in LANGUAGES if code != "en"]  # English is the source language


def interface_strings() -> set[str]:
    """Every string marked for translation in the code and the templates, extracted now."""
    method_map = [("literacy/**.py", "python"), ("literacy/templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, keywords={**KEYWORDS}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue_of(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def welsh_catalogue():
    return catalogue_of("cy")


def test_the_offered_languages_are_english_and_the_catalogues_each_by_its_own_name(tmp_path):
    assert LANGUAGES == {"en": "English", "cy": "Cymraeg", "sv": "Svenska"}
    for code in ("de", "fi"):  # a fourth language is a catalogue, no code
        (tmp_path / code / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / code / "LC_MESSAGES" / "messages.po").write_text("", encoding="utf-8")
    (tmp_path / "README").write_text("not a catalogue", encoding="utf-8")
    assert offered_languages(tmp_path) == {"en": "English", "de": "Deutsch", "fi": "Suomi"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_interface_string_is_translated(language):
    catalogue = catalogue_of(language)
    missing = []
    for message_id in sorted(interface_strings()):
        message = catalogue.get(message_id)
        if message is None:
            missing.append(message_id)
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message_id)
    assert not missing, f"{LANGUAGES[language]} translation missing (see docs/translating.md): " + repr(missing)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_their_placeholders(language):
    for message in catalogue_of(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)s", string)) == wanted, message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogue_matches_the_source(language):
    def flat(catalogue):
        return {
            str(tuple(m.id)) if isinstance(m.id, list | tuple) else m.id: str(tuple(m.string))
            if isinstance(m.string, list | tuple)
            else m.string
            for m in catalogue
            if m.id
        }

    po = flat(catalogue_of(language))
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        mo = flat(read_mo(handle))
    assert mo == po, "run: pybabel compile -d literacy/translations"


def test_browser_language_is_used_when_nobody_chose(client):
    page = client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="cy">' in page and "Neidio i’r prif gynnwys" in page
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_the_language_switch_wins_over_the_browser(client, auth):
    response = auth.post("/language/cy", {"next": "/help"})
    assert response.status_code == 302 and response.headers["Location"] == "/help"
    page = client.get("/help", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="cy">' in page and "Newid yr iaith" in page
    auth.post("/language/en")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "cy"}).get_data(as_text=True)


def test_language_switch_needs_csrf_and_a_known_language(client, auth):
    assert client.post("/language/cy").status_code == 400
    assert auth.post("/language/fr").status_code == 404


def test_the_switch_does_not_redirect_off_site(auth):
    response = auth.post("/language/cy", {"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_signed_in_persons_choice_is_kept_on_their_account(app, client, auth, make_user):
    user = make_user("cy@example.org")
    auth.sign_in("cy@example.org")
    auth.post("/language/cy")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "cy"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "account.language_changed"))
    assert (event.actor_id, event.details["language"]) == (user.id, "cy")  # the header switch is audited too
    auth.sign_out()
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    fresh = app.test_client()
    from .conftest import Auth

    Auth(fresh).sign_in("cy@example.org")
    assert '<html lang="cy">' in fresh.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_sign_in_prompt_is_in_the_persons_language(client):
    """Flask-Login's message when a page needs signing in goes through the catalogue too."""
    welsh = client.get("/account", headers={"Accept-Language": "cy"}, follow_redirects=True).get_data(as_text=True)
    assert "Mewngofnodwch i weld y dudalen hon." in welsh
    english = client.get("/account", headers={"Accept-Language": "en"}, follow_redirects=True).get_data(as_text=True)
    assert "Sign in to see this page." in english and "Please log in" not in english


def test_every_page_offers_the_language_switch(client):
    for path in ("/", "/sign-in", "/help", "/missing"):
        page = client.get(path).get_data(as_text=True)
        assert 'action="/language/cy"' in page and 'lang="cy">Cymraeg</button>' in page


def test_dates_and_numbers_are_formatted_for_the_locale(app):
    with app.test_request_context():
        with force_locale("cy"):
            assert format_date(date(2026, 12, 12), "long") == "12 Rhagfyr 2026"
            assert format_decimal(12345) == "12,345"
        with force_locale("en_GB"):
            assert format_date(date(2026, 12, 12), "long") == "12 December 2026"


def test_no_template_has_untranslated_visible_text():
    """A rough guard: text between tags in templates should be inside _() calls."""
    offenders = []
    for path in Path(REPO / "literacy" / "templates").rglob("*.html"):
        source = re.sub(r"{[{%#].*?[}%#]}", "", path.read_text(), flags=re.S)
        source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
        for text in re.findall(r">([^<>]+)<", source):
            words = re.sub(r"[\s|,.:()–-]+", "", text)
            if words and re.search(r"[A-Za-z]{2,}", words):
                offenders.append(f"{path.relative_to(REPO)}: {text.strip()[:60]}")
    assert not offenders, offenders


def test_swedish_is_offered_and_picked_from_the_browser(client):
    english = client.get("/").get_data(as_text=True)
    assert 'action="/language/sv"' in english and 'lang="sv">Svenska</button>' in english
    page = client.get("/", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="sv">' in page and ">Logga in</a>" in page
    assert '<span lang="sv" aria-current="true">Svenska</span>' in page


def test_swedish_dates_and_numbers(app):
    with app.test_request_context(), force_locale("sv"):
        assert format_date(date(2026, 12, 12), "long") == "12 december 2026"
        assert format_decimal(12345) == "12\xa0345"  # a no-break space groups thousands
