"""Module pictures: a shared cache may keep those of modules shared with everyone, never those of a module
private to an organisation (``Cache-Control: private``); and only people who may take the module get them.
"""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import ModuleImage

from .cohorts_support import make_module

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _picture(module) -> None:
    db.session.add(
        ModuleImage(version_id=module.current_version_id, name="chart.png", media_type="image/png", data=PNG)
    )
    db.session.commit()


@pytest.fixture
def modules(make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    other = make_organisation("org-b", "Organisation B")
    make_user("learner@a.example", organisation=org)
    make_user("learner@b.example", organisation=other)
    shared = make_module("shared")
    private = make_module("ours", organisation=org)
    _picture(shared)
    _picture(private)
    return shared, private


def test_a_shared_modules_picture_may_be_cached_unless_it_carries_a_session(client, auth, modules):
    response = client.get("/modules/shared/images/chart.png")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "Set-Cookie" not in response.headers  # nothing personal in a response a proxy may keep
    auth.sign_in("learner@b.example")
    signed_in = client.get("/modules/shared/images/chart.png")
    assert signed_in.status_code == 200 and signed_in.data == PNG
    # a response to a session may carry its cookie (sent again when the session changes): never shared
    assert signed_in.headers["Cache-Control"] == "private, max-age=3600"


def test_a_private_modules_picture_is_private(client, auth, modules):
    auth.sign_in("learner@a.example")
    response = client.get("/modules/ours/images/chart.png")
    assert response.status_code == 200 and response.data == PNG
    cache = response.headers["Cache-Control"]
    assert "public" not in cache and ("private" in cache or "no-store" in cache)
    assert "Cookie" in response.headers.get("Vary", "")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_only_people_who_may_take_a_private_module_get_its_pictures(client, auth, modules):
    assert client.get("/modules/ours/images/chart.png").status_code == 404  # signed out
    auth.sign_in("learner@b.example")
    response = client.get("/modules/ours/images/chart.png")
    assert response.status_code == 404 and response.data != PNG  # another organisation's people
    assert "public" not in response.headers.get("Cache-Control", "")
    assert client.get("/modules/shared/images/missing.png").status_code == 404
