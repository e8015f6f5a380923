"""``navigation.path_for``: the site's own paths built once and kept, always equal to ``url_for``'s, under
whatever root the site is served (the kept path of one root is never given for another)."""

from __future__ import annotations

from flask import url_for

from literacy import navigation

LINKS = [
    ("static", {"filename": "css/site.css"}),
    ("site.home", {}),
    ("site.page", {"name": "help"}),
    ("site.switch_language", {"code": "cy"}),
    ("learning.lesson", {"module_slug": "ai-basics", "lesson_slug": "what-ai-is"}),
]


def test_a_kept_path_is_the_one_url_for_builds_under_each_root(app):
    for root in ("", "/learning", ""):
        with app.test_request_context("/modules", base_url=f"http://localhost{root}/"):
            for endpoint, values in LINKS:
                assert navigation.path_for(endpoint, **values) == url_for(endpoint, **values)
                assert navigation.path_for(endpoint, **values).startswith(root + "/")
    with app.test_request_context("/", base_url="http://localhost/learning/"):
        assert navigation.path_for("site.page", name="privacy") != navigation.path_for("site.page", name="help")


def test_the_kept_paths_are_bounded(app, monkeypatch):
    monkeypatch.setattr(navigation, "MAX_PATHS", 3)
    with app.test_request_context("/"):
        for number in range(10):
            assert navigation.path_for("learning.module", module_slug=f"m-{number}") == f"/modules/m-{number}"
        assert len(app.extensions[navigation._PATHS]) == 3


def test_pages_link_through_kept_paths(client):
    page = client.get("/help").get_data(as_text=True)
    with client.application.test_request_context("/help"):
        for endpoint, values in (("static", {"filename": "css/site.css"}), ("site.page", {"name": "privacy"})):
            assert f'href="{url_for(endpoint, **values)}"' in page
