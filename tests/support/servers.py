"""Real servers for the tests: gunicorn in a subprocess, and the Redis the rate limits can be counted in.

gunicorn runs from this virtual environment (``python -m gunicorn``) in a temporary folder, with none of
the caller's ``LITERACY_*``, ``FLASK_*`` or ``WEB_CONCURRENCY`` settings, only the ones a test gives.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REDIS_URL = os.environ.get("LITERACY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
GUNICORN_CONFIG = "python:literacy.gunicorn_config"


def redis_unreachable() -> str | None:
    """Why the test Redis cannot be used, or None when it answers PING."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        return f"Redis is not reachable at {REDIS_URL} ({error}); CI runs one, or set LITERACY_TEST_REDIS_URL"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A production-like environment: a secret key, a SQLite file in ``tmp_path``, and ``settings``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LITERACY_", "FLASK_", "PYTHON", "WEB_CONCURRENCY", "GUNICORN_"))
    }
    env["LITERACY_SECRET_KEY"] = "a secret for the server tests"
    env["LITERACY_DATABASE_URL"] = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    env.update(settings)
    return env


def gunicorn(*args: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", *args, "literacy.wsgi:app"]


def run_gunicorn(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run gunicorn expecting it to stop by itself (it refuses to start)."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local test server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")


class Server:
    def __init__(self, process: subprocess.Popen[str], base: str) -> None:
        self.process = process
        self.base = base
        self.output = ""

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        return get(self.base + path, headers)


@contextlib.contextmanager
def serving(args: list[str], cwd: Path, env: dict[str, str]) -> Iterator[Server]:
    """gunicorn started with ``args`` (which must not bind), answering ``/healthz``; stopped afterwards.

    ``Server.output`` holds everything it printed once it has stopped; it must stop cleanly.
    """
    port = free_port()
    command = [*args[:-1], "--bind", f"127.0.0.1:{port}", args[-1]]
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"gunicorn stopped:\n{process.communicate()[0]}"
            try:
                assert server.get("/healthz")[0] == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        server.output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, server.output


def redis_keys(prefix: str) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return list(client.scan_iter(match=f"*{prefix}*"))
    finally:
        client.close()


def delete_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
    finally:
        client.close()
