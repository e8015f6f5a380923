"""Scale-out (issue 17): the nginx and systemd examples in docs/operations.md are the files
``bench/scale_out.py`` runs, nginx accepts that configuration, and the script itself passes: two gunicorn
instances behind nginx on one PostgreSQL database and Redis, with a session, the sign-in limit and the
queue shared, and one instance killed under load without losing an answer.

The last test starts real servers (50-90 s on this 2-core machine, shared; it does not wait for the
benchmarks' lock, as no test does). It needs nginx, Redis on 127.0.0.1:6379
and PostgreSQL on 127.0.0.1 (user postgres); each missing one skips it with the reason. It creates a database
of its own, ``literacy_scale_out_test_<pid>``, whichever database the other tests use, and drops it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import scale_out  # noqa: E402

OPERATIONS = ROOT / "docs" / "operations.md"


def _blocks(markdown: str) -> list[str]:
    """The contents of every fenced code block."""
    return [match.group(1) for match in re.finditer(r"^```[a-z]*\n(.*?)^```$", markdown, re.S | re.M)]


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading + "\n")
    following = re.search(r"^## ", markdown[start + len(heading) :], re.M)
    return markdown[start : start + len(heading) + following.start()] if following else markdown[start:]


@pytest.mark.parametrize(
    "example",
    [scale_out.NGINX_SITE, scale_out.WEB_UNIT, scale_out.CONSUMER_UNIT, scale_out.ENVIRONMENT_FILE],
    ids=lambda path: path.name,
)
def test_operations_guide_shows_each_example_file_as_it_is(example):
    """The documented examples cannot drift from what the script runs: each file is a code block, verbatim."""
    assert example.read_text() in _blocks(OPERATIONS.read_text())


def test_the_section_shows_the_nginx_site_and_the_web_unit():
    section = _section(OPERATIONS.read_text(), "## Several instances behind nginx")
    blocks = _blocks(section)
    assert scale_out.NGINX_SITE.read_text() in blocks
    assert scale_out.WEB_UNIT.read_text() in blocks
    assert "bench/scale_out.py" in section


def test_the_script_runs_the_units_command_lines():
    assert scale_out.unit_command(scale_out.WEB_UNIT, "8001") == [
        str(scale_out.BIN / "gunicorn"),
        "-c",
        "python:literacy.gunicorn_config",
        "--workers",
        "2",
        "--bind",
        "127.0.0.1:8001",
        "literacy.wsgi:app",
    ]
    command = scale_out.unit_command(scale_out.CONSUMER_UNIT)
    assert command[:2] == [str(scale_out.BIN / "huey_consumer"), "literacy.notifications.jobs.huey"]


def test_the_script_changes_only_ports_host_and_certificate():
    site = scale_out.nginx_site((18001, 18002), 18443, "/srv/tls/c.pem", "/srv/tls/k.pem")
    example = scale_out.NGINX_SITE.read_text()
    changed = [(old, new) for old, new in zip(example.splitlines(), site.splitlines(), strict=True) if old != new]
    assert [new.strip() for _old, new in changed] == [
        "server 127.0.0.1:18001 max_fails=1 fail_timeout=10s;",
        "server 127.0.0.1:18002 max_fails=1 fail_timeout=10s;",
        "listen 127.0.0.1:18443 ssl;",
        "server_name 127.0.0.1;",
        "ssl_certificate /srv/tls/c.pem;",
        "ssl_certificate_key /srv/tls/k.pem;",
    ]


def test_every_documented_setting_is_set_by_the_script():
    documented = scale_out.documented_settings()
    assert {"LITERACY_SECRET_KEY", "LITERACY_DATABASE_URL", "LITERACY_QUEUE_URL"} <= documented
    assert {"LITERACY_RATELIMIT_STORAGE_URL", "LITERACY_TRUSTED_PROXIES", "LITERACY_TRUSTED_HOSTS"} <= documented
    source = (ROOT / "bench" / "scale_out.py").read_text()
    for name in documented - scale_out.NOT_NEEDED_HERE:
        assert f'"{name}":' in source, name


def _nginx() -> str | None:
    return scale_out.shutil_which("nginx")


@pytest.mark.skipif(_nginx() is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_nginx_accepts_the_documented_configuration(tmp_path):
    certificate, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(  # noqa: S603 - openssl with fixed arguments
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]  # noqa: S607
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    site = tmp_path / "literacy.conf"
    site.write_text(scale_out.nginx_site((18001, 18002), scale_out.free_port(), str(certificate), str(key)))
    (tmp_path / "nginx.conf").write_text(scale_out.nginx_main(tmp_path, site))
    done = subprocess.run(  # noqa: S603 - nginx's own syntax check
        [_nginx(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
        + ["-g", f"pid {tmp_path}/nginx.pid; error_log stderr;"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def _missing_service() -> str | None:
    if _nginx() is None:
        return "nginx is not installed (apt-get install nginx-light)"
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except Exception:
        return "Redis is not running on 127.0.0.1:6379"
    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1/postgres", connect_timeout=2).close()
    except Exception:
        return "PostgreSQL is not reachable as postgres@127.0.0.1"
    if shutil.which("openssl") is None:
        return "openssl is not installed (the throw-away certificate)"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_missing_service() is not None, reason=_missing_service() or "")
def test_two_instances_behind_nginx_pass_every_check():
    """The whole script, smaller: 10 learners for 10 s, instance A killed after 4 s."""
    database = f"postgresql://postgres@127.0.0.1/literacy_scale_out_test_{os.getpid()}"  # one per run, dropped
    script = subprocess.Popen(  # noqa: S603 - the benchmark script with fixed arguments
        [sys.executable, str(ROOT / "bench" / "scale_out.py"), "--database", database, "--drop-database"]
        + ["--limits-db", "11", "--queue-db", "12", "--no-lock"]  # a test does not wait for benchmarks
        + ["--learners", "10", "--seconds", "10", "--kill-after", "4", "--resets", "4"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = script.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        script.terminate()  # SIGTERM: the script stops its servers and drops its database
        output, _ = script.communicate(timeout=120)
        pytest.fail(f"bench/scale_out.py took more than 600 s:\n{output}")
    assert script.returncode == 0, output
    for number in range(1, 5):
        assert re.search(rf"^PASS {number}\. ", output, re.M), output
    assert "4 of 4 checks passed" in output


def test_the_web_unit_gives_each_instance_its_own_metrics_folder(tmp_path):
    first = scale_out.unit_environment(scale_out.WEB_UNIT, "8001", tmp_path)
    second = scale_out.unit_environment(scale_out.WEB_UNIT, "8002", tmp_path)
    assert first == {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "literacy-metrics-8001")}
    assert second["PROMETHEUS_MULTIPROC_DIR"] != first["PROMETHEUS_MULTIPROC_DIR"]
    assert (tmp_path / "literacy-metrics-8001").is_dir()
