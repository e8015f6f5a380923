"""One log line per request with its id; JSON or text; never a password, token or cookie."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Response

from literacy.notifications import unsubscribe
from literacy.operations import log_format, request_log
from literacy.operations.log_format import JsonFormatter
from literacy.security import InvalidSetting

from .conftest import PASSWORD, Auth, make_app, make_config


@pytest.fixture
def json_lines(app, capsys):
    """The JSON lines the site writes to standard error from here on (the real handler, in JSON)."""
    log_format.handler.setFormatter(JsonFormatter())
    capsys.readouterr()

    def read() -> list[dict]:
        err = capsys.readouterr().err
        return [json.loads(line) for line in err.splitlines() if line.startswith("{")]

    yield read
    log_format.handler.setFormatter(log_format.formatter_for(log_format.log_format(app)))


def _requests(lines: list[dict]) -> list[dict]:
    return [line for line in lines if "duration_ms" in line]


def test_one_json_line_per_request_with_its_fields(app, client, make_user, json_lines):
    user = make_user("learner@example.org")
    Auth(client).sign_in("learner@example.org")
    json_lines()
    response = client.get("/my-learning", headers={"X-Request-ID": "edge-7f3a"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "edge-7f3a"
    (line,) = _requests(json_lines())
    assert line["request_id"] == "edge-7f3a" and line["level"] == "INFO" and line["logger"] == "literacy"
    assert {key: line[key] for key in ("method", "route", "path", "status", "user_id")} == {
        "method": "GET", "route": "/my-learning", "path": "/my-learning", "status": 200, "user_id": user.id,
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")


def test_the_route_is_the_url_rule_and_a_stranger_has_no_user_id(app, client, json_lines):
    client.get("/modules/no-such-module")
    (line,) = _requests(json_lines())
    assert line["route"] == "/modules/<module_slug>" and line["path"] == "/modules/no-such-module"
    assert line["status"] == 404 and line["user_id"] is None


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("0f8fb1c2-3d4e-4a5b-9c6d-7e8f9a0b1c2d", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("two words", False),
        ("tab\tinside", False),
        ("ünïcode", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(app, client, incoming, kept):
    response = client.get("/help", headers={"X-Request-ID": incoming})
    echoed = response.headers["X-Request-ID"]
    if kept:
        assert echoed == incoming
    else:
        assert echoed != incoming and len(echoed) == 32 and int(echoed, 16) >= 0


def test_no_password_cookie_or_session_token_is_logged(app, client, make_user, json_lines):
    make_user("learner@example.org")
    auth = Auth(client)
    auth.sign_in("learner@example.org")
    cookie = client.get_cookie("session").value  # the signed-in session's cookie
    client.get("/my-learning?next=secret-query-value")
    auth.sign_out()
    out = json.dumps(json_lines())
    assert PASSWORD not in out
    assert "secret-query-value" not in out and "csrf" not in out.lower()
    assert cookie not in out and max(cookie.split("."), key=len) not in out
    lines = _requests(json.loads(out))
    assert [line["route"] for line in lines if line["method"] == "POST"] == ["/sign-in", "/sign-out"]


def test_a_signed_link_s_token_is_not_logged(app, client, make_user, json_lines):
    user = make_user("learner@example.org")
    token = unsubscribe.token(user.id, "notify_reminders")
    assert client.get(f"/unsubscribe/{token}").status_code == 200
    assert client.get("/password-reset/not-a-real-token-but-secret-all-the-same").status_code in (200, 404)
    client.get(f"/unsubscribe/{token}/and-more-after-it")  # matches no route: long segments are hidden
    lines = json_lines()
    out = json.dumps(lines)
    assert token not in out and "not-a-real-token-but-secret" not in out
    paths = [line["path"] for line in _requests(lines)]
    assert paths == ["/unsubscribe/<token>", "/password-reset/<token>", "/unsubscribe/<redacted>/<redacted>"]


def test_logged_path_replaces_only_secrets():
    assert request_log.logged_path("/invitations/abc/decline", {"token": "abc"}, True) == "/invitations/<token>/decline"
    assert request_log.logged_path("/certificates/XyZ", {"code": "XyZ"}, True) == "/certificates/<code>"
    assert request_log.logged_path("/modules/intro/lesson-1", {"module_slug": "intro"}, True) == (
        "/modules/intro/lesson-1"
    )
    assert request_log.logged_path("/wp-admin/setup.php", None, False) == "/wp-admin/setup.php"


def test_an_unknown_method_is_not_a_new_label(app, client, json_lines):
    client.open("/help", method="BREW")
    (line,) = _requests(json_lines())
    assert line["method"] == "other"


def test_a_streamed_response_is_logged_after_its_last_byte(app, client, json_lines):
    @app.get("/slow-export")
    def slow_export():
        def rows():
            yield "a\n"
            yield "b\n"

        return Response(rows(), mimetype="text/csv")

    response = client.get("/slow-export")
    assert _requests(json_lines()) == []  # not finished: nothing said yet
    assert response.get_data(as_text=True) == "a\nb\n"
    response.close()
    (line,) = _requests(json_lines())
    assert line["route"] == "/slow-export" and line["status"] == 200 and line["request_id"]


def test_an_exception_is_one_json_line_with_the_request_id_and_traceback(app, client, json_lines):
    @app.get("/invitations/<token>/boom")
    def boom(token):
        raise RuntimeError("something broke")

    app.testing = False
    response = client.get("/invitations/secret-invitation-token/boom", headers={"X-Request-ID": "err-1"})
    assert response.status_code == 500
    lines = json_lines()
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "err-1" and error["route"] == "/invitations/<token>/boom"
    assert "RuntimeError: something broke" in error["traceback"] and "Traceback" in error["traceback"]
    assert "secret-invitation-token" not in json.dumps(lines)


def test_log_lines_are_written_to_standard_error(app, client, capsys):
    client.get("/help", headers={"X-Request-ID": "text-1"})
    captured = capsys.readouterr()
    assert "[text-1] literacy: GET /help 200" in captured.err and "text-1" not in captured.out


def test_the_format_setting(database_url):
    assert log_format.log_format(make_app(make_config(database_url))) == "text"  # tests
    assert log_format.log_format(make_app(make_config(database_url, TESTING=False))) == "json"  # production
    assert log_format.log_format(make_app(make_config(database_url, TESTING=False, DEBUG=True))) == "text"
    assert log_format.log_format(make_app(make_config(database_url, LOG_FORMAT="JSON"))) == "json"
    with pytest.raises(InvalidSetting, match="json or text"):
        make_app(make_config(database_url, LOG_FORMAT="xml"))


def test_other_records_in_a_request_carry_its_id(app, client, caplog):
    @app.get("/note")
    def note():
        logging.getLogger("literacy.notifications").warning("something to note")
        return "ok"

    with caplog.at_level(logging.WARNING, logger="literacy"):
        client.get("/note", headers={"X-Request-ID": "note-1"})
    (record,) = [r for r in caplog.records if r.getMessage() == "something to note"]
    assert record.request_id == "note-1"
    formatted = json.loads(JsonFormatter().format(record))
    assert formatted["request_id"] == "note-1" and formatted["logger"] == "literacy.notifications"
