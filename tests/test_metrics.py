"""/metrics: who may read it, what it counts, and the counts of several worker processes added up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from literacy import rate_limits
from literacy.extensions import db
from literacy.models import OutboxMessage
from literacy.operations import metrics

REPO = Path(__file__).resolve().parent.parent
STRANGER = {"REMOTE_ADDR": "203.0.113.9"}
TOKEN = "a-long-random-metrics-token"
HELP = "/<any(accessibility, privacy, help):name>"  # the rule of /help


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def requests_counted(text: str, route: str, status: str = "200") -> float:
    key = ("literacy_http_request_duration_seconds_count", (("method", "GET"), ("route", route), ("status", status)))
    return samples(text).get(key, 0.0)


def scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.get_data(as_text=True)


# Who may read it


def test_without_a_token_only_a_direct_loopback_request_is_answered(app, client):
    answered = client.get("/metrics")  # the test client comes from 127.0.0.1
    assert answered.status_code == 200 and "Set-Cookie" not in answered.headers
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    refused = [
        client.get("/metrics", environ_base=STRANGER),
        client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}),  # relayed by a proxy on the machine
        client.get("/metrics", headers={"Forwarded": "for=203.0.113.9"}),
        client.get("/metrics", headers={"X-Real-IP": "203.0.113.9"}),
    ]
    for response in refused:
        assert response.status_code == 404
        assert b"literacy_" not in response.data


@pytest.mark.parametrize("app_config", [{"METRICS_TOKEN": TOKEN}])
def test_with_a_token_only_its_bearer_is_answered(app, client):
    refused = [
        client.get("/metrics"),  # loopback is not enough once there is a token
        client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}),
        client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}),
        client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}),
        client.get("/metrics", headers={"Authorization": TOKEN}),
        client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN[:-1]}"}),
    ]
    for response in refused:
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert b"literacy_" not in response.data and TOKEN.encode() not in response.data
    assert "literacy_database_up" in scrape(client, headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=STRANGER)


def test_the_token_is_compared_in_constant_time(monkeypatch):
    from literacy.operations import probes

    compared = []
    real = probes.hmac.compare_digest

    def spy(a, b):
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(probes.hmac, "compare_digest", spy)
    assert probes.bearer_matches(f"Bearer {TOKEN}", TOKEN)
    assert not probes.bearer_matches("Bearer short", TOKEN)
    assert compared == [(32, 32), (32, 32)]  # digests of equal length, whatever was sent


# What it counts


def test_requests_are_counted_per_route_and_status(app, client):
    before = scrape(client)
    client.get("/help")
    client.get("/help")
    client.get("/modules/no-such-module")
    client.get("/no/such/page")
    after = scrape(client)
    assert requests_counted(after, HELP) - requests_counted(before, HELP) == 2
    assert requests_counted(after, "/modules/<module_slug>", "404") - requests_counted(
        before, "/modules/<module_slug>", "404"
    ) == 1
    assert requests_counted(after, "<unmatched>", "404") - requests_counted(before, "<unmatched>", "404") == 1
    assert "no-such-module" not in after and "/no/such/page" not in after
    assert 'le="0.005"' in after  # a histogram, with its buckets
    assert "process_cpu_seconds_total" in after  # one process: its own figures too


def test_the_outbox_and_the_queue_are_counted_at_scrape_time(app, client):
    for status in ("queued", "queued", "sending", "failed", "sent", "not_sent"):
        db.session.add(OutboxMessage(kind="invitation", recipient="someone@example.org", status=status))
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = samples(scrape(client))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "outbox_message" in statements[0]  # one query per scrape
    outbox = {labels[0][1]: value for (name, labels), value in found.items() if name == "literacy_outbox_messages"}
    assert outbox == {"queued": 2, "sending": 1, "failed": 1}
    assert found[("literacy_queue_pending", ())] == 0
    assert found[("literacy_database_up", ())] == 1 and found[("literacy_queue_up", ())] == 1


def test_a_page_costs_no_query_for_the_metrics_or_the_log(app, client):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/help").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []


def test_a_scrape_still_answers_when_the_database_is_down(app, client, monkeypatch, caplog):
    def down():
        raise OperationalError("SELECT ...", {}, Exception("connection refused"))

    monkeypatch.setattr(metrics, "outbox_counts", down)
    found = samples(scrape(client))
    assert found[("literacy_database_up", ())] == 0 and found[("literacy_queue_up", ())] == 1
    assert not any(name == "literacy_outbox_messages" for name, _ in found)
    assert "the outbox could not be counted: Exception: connection refused" in caplog.text


# Several processes (gunicorn's workers)

WORKER = textwrap.dedent(
    """
    import sys
    from literacy import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    client = app.test_client()
    for _ in range(int(sys.argv[2])):
        assert client.get("/help").status_code == 200
    if sys.argv[3] == "scrape":
        print(client.get("/metrics").get_data(as_text=True))
    """
)


def test_the_workers_counts_are_added_up_in_multiprocess_mode(database_url, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LITERACY_", "PROMETHEUS_"))}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)

    def worker(requests: int, then: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, database_url, str(requests), then],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
        )
        return done.stdout

    worker(3, "exit")
    text = worker(2, "scrape")  # another process (another pid) answers the scrape
    assert len(list(directory.glob("histogram_*.db"))) == 2
    assert requests_counted(text, HELP) == 5
    assert "process_cpu_seconds_total" not in text  # per-process figures mean nothing added up
    assert "literacy_database_up 1.0" in text


def test_gunicorns_hooks_clear_the_folder_at_start_and_mark_dead_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(rate_limits, "_server_checks_workers", False)  # importing the config module sets it
    from literacy import gunicorn_config

    directory = tmp_path / "metrics"
    directory.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    for name in ("histogram_41.db", "gauge_livesum_41.db", "gauge_livesum_42.db"):
        (directory / name).write_bytes(b"")
    (directory / "README").write_text("not ours")
    gunicorn_config.child_exit(None, SimpleNamespace(pid=41))
    assert sorted(path.name for path in directory.iterdir()) == ["README", "gauge_livesum_42.db", "histogram_41.db"]
    server = SimpleNamespace(cfg=SimpleNamespace(workers=1))
    gunicorn_config.on_starting(server)
    assert sorted(path.name for path in directory.iterdir()) == ["README"]


def test_without_the_folder_setting_the_hooks_do_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    metrics.prepare_directory()
    metrics.process_exited(12345)
    assert metrics.multiprocess_dir() is None


@pytest.mark.slow
def test_under_gunicorn_with_two_workers(tmp_path):
    """As the docs say to run it: two workers, the counts folder, a trusted host name, JSON logs."""
    from .support.servers import GUNICORN_CONFIG, REDIS_URL, environment, gunicorn, redis_unreachable, serving

    if reason := redis_unreachable():
        pytest.skip(reason)
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "histogram_1.db").write_bytes(b"left by an earlier run")
    env = environment(
        tmp_path,
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        LITERACY_RATELIMIT_STORAGE_URL=REDIS_URL,
        LITERACY_TRUSTED_HOSTS="learning.example.gov.uk",
    )
    site = {"Host": "learning.example.gov.uk"}
    with serving(gunicorn("-c", GUNICORN_CONFIG, "--workers", "2"), tmp_path, env) as server:
        assert not (directory / "histogram_1.db").exists()
        for _ in range(10):
            assert server.get("/help", site)[0] == 200
        status, _headers, text = server.get("/metrics")  # from 127.0.0.1, with Host: 127.0.0.1:port
        assert status == 200
        assert requests_counted(text, HELP) == 10
        assert server.get("/healthz")[0] == 200
        try:
            server.get("/readyz")
            raise AssertionError("ready without migrations")
        except OSError as error:  # urllib raises on 503
            assert getattr(error, "code", None) == 503
    lines = [line for line in server.output.splitlines() if line.startswith("{")]
    requests = [json.loads(line) for line in lines if '"duration_ms"' in line]
    assert len(requests) == 10 and {line["route"] for line in requests} == {HELP}
    assert any("not ready: database:" in line for line in lines)
