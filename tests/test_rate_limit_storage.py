"""Where the sign-in limits are counted: shared by every worker in Redis, never silently per worker.

With the default ``memory://`` storage each process keeps its own counts, so N workers allow N times the
failed sign-ins. The tests show the doubling, then that two app instances (two workers) using the real
Redis on 127.0.0.1:6379 share one count; the Redis tests are skipped, with the reason, when it is not
running (CI runs it). Each test counts under a key prefix of its own and deletes its keys afterwards.

Then the refusal: gunicorn started through ``literacy.gunicorn_config`` with two workers and memory storage
stops before any worker starts; with one worker, or with Redis, it serves. Where the number of processes
cannot be known, ``literacy.wsgi`` logs a warning at start.
"""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from literacy import rate_limits
from literacy.extensions import limiter

from .conftest import PASSWORD, csrf_token, make_app, make_config
from .support.servers import (
    GUNICORN_CONFIG,
    REDIS_URL,
    delete_redis_keys,
    environment,
    gunicorn,
    redis_keys,
    redis_unreachable,
    run_gunicorn,
    serving,
)

ACCOUNT_LIMIT = "5 per minute"


@pytest.fixture
def redis_url() -> str:
    reason = redis_unreachable()
    if reason:
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
def key_prefix(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Redis key prefix for this test alone; its keys are deleted afterwards.

    The limiter is one object for every app in the process and keeps the first non-empty prefix it is
    given, so the test starts it without one and puts the old value back afterwards.
    """
    prefix = f"literacy-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(limiter, "_key_prefix", "")
    yield prefix
    delete_redis_keys(prefix)
    assert not redis_keys(prefix)


def worker(database_url: str, **settings: str):
    """A new app instance, as a new worker process builds one: its own connection to the limit storage."""
    app = make_app(
        make_config(database_url, WTF_CSRF_ENABLED=False, SIGN_IN_LIMIT_ACCOUNT=ACCOUNT_LIMIT, **settings)
    )
    return app.test_client()


def fail(client, times: int) -> list[int]:
    """Wrong passwords for one account; the status of each answer (200: refused, 429: limited)."""
    data = {"email": "target@example.org", "password": "wrong"}
    return [client.post("/sign-in", data=data).status_code for _ in range(times)]


def test_with_memory_storage_each_worker_counts_alone(database_url):
    # The reason for everything below: the second worker starts from nothing, so two workers allow ten
    # failures where the limit says five.
    first = worker(database_url, RATELIMIT_STORAGE_URI="memory://")
    assert fail(first, 5) == [200] * 5
    assert fail(first, 1) == [429]
    second = worker(database_url, RATELIMIT_STORAGE_URI="memory://")
    assert fail(second, 5) == [200] * 5


def test_two_workers_share_one_count_in_redis(database_url, redis_url, key_prefix):
    first = worker(database_url, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=key_prefix)
    assert fail(first, 3) == [200] * 3
    assert any(b"account:target@example.org" in key for key in redis_keys(key_prefix)), "not counted in Redis"
    second = worker(database_url, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=key_prefix)
    assert fail(second, 3) == [200, 200, 429]  # five in all, whichever worker answered


WORKER_PROCESS = """
import sys
from literacy import create_app
url, storage, prefix, limit, times = sys.argv[1:]
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                  "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix,
                  "SIGN_IN_LIMIT_ACCOUNT": limit})
client = app.test_client()
data = {"email": "target@example.org", "password": "wrong"}
print(*(client.post("/sign-in", data=data).status_code for _ in range(int(times))))
"""


@pytest.mark.slow
def test_two_worker_processes_share_one_count_in_redis(database_url, redis_url, key_prefix, tmp_path):
    def process(times: int) -> list[int]:
        done = subprocess.run(
            [sys.executable, "-c", WORKER_PROCESS, database_url, redis_url, key_prefix, ACCOUNT_LIMIT, str(times)],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )
        assert done.returncode == 0, done.stderr
        return [int(status) for status in done.stdout.split()]

    assert process(3) == [200] * 3
    assert process(3) == [200, 200, 429]


# The rule, as the servers apply it.


def test_only_memory_storage_is_per_process():
    assert not rate_limits.is_shared("memory://")
    assert not rate_limits.is_shared(None)
    for shared in ("redis://127.0.0.1:6379/0", "rediss://cache.internal:6380/1", "memcached://cache:11211"):
        assert rate_limits.is_shared(shared)


def test_several_workers_with_memory_storage_are_refused_outside_debug():
    with pytest.raises(rate_limits.UnsharedLimitStorage, match="LITERACY_RATELIMIT_STORAGE_URL") as refused:
        rate_limits.check("memory://", workers=2, debug=False)
    assert "2 times as high" in str(refused.value) and "redis://127.0.0.1:6379/0" in str(refused.value)
    rate_limits.check("memory://", workers=1, debug=False)
    rate_limits.check("memory://", workers=4, debug=True)
    rate_limits.check("redis://127.0.0.1:6379/0", workers=4, debug=False)


@pytest.fixture
def production_app(database_url, monkeypatch):
    monkeypatch.setattr(rate_limits, "_server_checks_workers", False)
    return make_app(make_config(database_url, TESTING=False))


def test_web_concurrency_above_one_with_memory_storage_is_refused(production_app):
    with pytest.raises(rate_limits.UnsharedLimitStorage, match="WEB_CONCURRENCY=3"):
        rate_limits.check_at_start(production_app, {"WEB_CONCURRENCY": "3"})


def test_an_unknown_number_of_processes_is_warned_about(production_app, caplog):
    with caplog.at_level(logging.WARNING):
        rate_limits.check_at_start(production_app, {})
    (warning,) = [record for record in caplog.records if "LITERACY_RATELIMIT_STORAGE_URL" in record.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "multiplied" in warning.getMessage() and "literacy.gunicorn_config" in warning.getMessage()


def test_nothing_is_said_with_one_worker_shared_storage_debug_or_gunicorns_check(database_url, caplog, monkeypatch):
    monkeypatch.setattr(rate_limits, "_server_checks_workers", False)
    quiet = [
        (make_app(make_config(database_url, TESTING=False)), {"WEB_CONCURRENCY": "1"}),
        (make_app(make_config(database_url, TESTING=False, RATELIMIT_STORAGE_URI=REDIS_URL)), {}),
        (make_app(make_config(database_url, TESTING=False, DEBUG=True)), {"WEB_CONCURRENCY": "4"}),
    ]
    with caplog.at_level(logging.WARNING):
        for app, environ in quiet:
            rate_limits.check_at_start(app, environ)
        monkeypatch.setattr(rate_limits, "_server_checks_workers", True)  # literacy.gunicorn_config was loaded
        rate_limits.check_at_start(make_app(make_config(database_url, TESTING=False)), {"WEB_CONCURRENCY": "4"})
    assert not caplog.records


def test_the_production_entry_point_warns_once_at_start(monkeypatch, tmp_path, caplog):
    import gc

    monkeypatch.setattr(rate_limits, "_server_checks_workers", False)
    monkeypatch.setenv("LITERACY_SECRET_KEY", "a production secret for this test")
    monkeypatch.setenv("LITERACY_DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    monkeypatch.delenv("LITERACY_RATELIMIT_STORAGE_URL", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    sys.modules.pop("literacy.wsgi", None)
    try:
        with caplog.at_level(logging.WARNING):
            importlib.import_module("literacy.wsgi")
    finally:
        gc.unfreeze()
        sys.modules.pop("literacy.wsgi", None)
    warnings = [record for record in caplog.records if "LITERACY_RATELIMIT_STORAGE_URL" in record.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


# gunicorn, as the README starts it.


@pytest.mark.slow
def test_gunicorn_refuses_two_workers_counting_in_memory(tmp_path):
    result = run_gunicorn(gunicorn("-c", GUNICORN_CONFIG, "--workers", "2", "--bind", "127.0.0.1:0"),
                          tmp_path, environment(tmp_path))
    assert result.returncode != 0
    assert "Error: Refusing to start 2 workers" in result.stderr
    assert "Set LITERACY_RATELIMIT_STORAGE_URL to a storage every worker shares" in result.stderr
    assert "Booting worker" not in result.stderr  # refused before any worker started


@pytest.mark.slow
def test_gunicorn_refuses_web_concurrency_two_counting_in_memory(tmp_path):
    # WEB_CONCURRENCY is gunicorn's default for --workers: the config module sees 2 workers.
    result = run_gunicorn(gunicorn("-c", GUNICORN_CONFIG, "--bind", "127.0.0.1:0"),
                          tmp_path, environment(tmp_path, WEB_CONCURRENCY="2"))
    assert result.returncode != 0 and "Error: Refusing to start 2 workers" in result.stderr


@pytest.mark.slow
def test_without_the_config_module_web_concurrency_two_still_stops_the_workers(tmp_path):
    result = run_gunicorn(gunicorn("--bind", "127.0.0.1:0"), tmp_path, environment(tmp_path, WEB_CONCURRENCY="2"))
    assert result.returncode != 0
    assert "Refusing to start 2 workers (WEB_CONCURRENCY=2)" in result.stderr


@pytest.mark.slow
def test_gunicorn_serves_with_one_worker_counting_in_memory(tmp_path):
    with serving(gunicorn("-c", GUNICORN_CONFIG, "--workers", "1"), tmp_path, environment(tmp_path)) as server:
        status, _headers, body = server.get("/healthz")
        assert status == 200 and '"ok"' in body
    assert "RATELIMIT" not in server.output  # one worker: nothing to warn about


@pytest.mark.slow
def test_gunicorn_serves_several_workers_counting_in_redis(tmp_path, redis_url):
    env = environment(tmp_path, LITERACY_RATELIMIT_STORAGE_URL=redis_url)
    with serving(gunicorn("-c", GUNICORN_CONFIG, "--workers", "2"), tmp_path, env) as server:
        assert server.get("/healthz")[0] == 200
    assert server.output.count("Booting worker") == 2 and "RATELIMIT" not in server.output


@pytest.mark.slow
def test_gunicorn_without_the_config_module_warns_that_it_cannot_tell(tmp_path):
    with serving(gunicorn("--workers", "1"), tmp_path, environment(tmp_path)) as server:
        assert server.get("/healthz")[0] == 200
    assert "LITERACY_RATELIMIT_STORAGE_URL is memory://" in server.output


def test_when_the_shared_storage_is_down_sign_in_fails_closed(database_url, make_user):
    # Signing in without a count would let guessing run unlimited: the sign-in form answers the service's
    # error page until the storage is back, while every page that is only read still works.
    make_user("person@example.org")
    down = make_app(make_config(database_url, TESTING=False, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0"))
    client = down.test_client()
    assert client.get("/sign-in").status_code == 200
    token = csrf_token(client)
    data = {"email": "person@example.org", "password": PASSWORD, "csrf_token": token}
    response = client.post("/sign-in", data=data)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)


def test_every_limit_counts_only_posts_so_reading_pages_skip_the_limiter(app, client):
    """``extensions._reading_requests_are_not_limited`` lets GETs past the limiter without looking up limits:
    right only while no limit counts reads. A limit on GET must drop that filter first."""
    decorated = limiter.limit_manager._decorated_limits  # the limits set with @limiter.limit, by view
    assert len(decorated) >= 4
    for view, limits in decorated.items():
        for limit in limits:
            assert limit.methods and set(limit.methods) <= {"post"}, (view, limit.methods)
    assert not limiter.limit_manager._default_limits and not limiter.limit_manager._application_limits
    for _ in range(30):  # far above the sign-in limits: reading the form is never refused
        assert client.get("/sign-in").status_code == 200
