"""The package installs as a wheel and runs from any folder: migrations, courses, demo data, gunicorn.

The wheel is built from a copy of what a build reads (pyproject.toml, README.md, literacy/), so stale
``build/`` folders in the checkout cannot leak into it, and installed with ``--no-deps`` into a new
virtual environment. To stay fast and offline that environment borrows the dependencies of the one
running the tests, through a ``.pth`` line naming its site-packages: a plain path entry, so that
environment's own ``.pth`` files (among them the editable install's finder, which would map
``literacy`` to the checkout) are not run. The test checks that ``literacy`` is imported from the new
environment, and runs every command with the working directory in a temporary folder and no
``PYTHONPATH``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def can_build_without_isolation() -> bool:
    """setuptools>=70.1 builds wheels by itself; older ones need the ``wheel`` package."""
    try:
        import setuptools
    except ImportError:
        return False
    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    if (major, minor) >= (70, 1):
        return True
    if major < 68:
        return False
    try:
        import wheel  # noqa: F401
    except ImportError:
        return False
    return True


def build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "literacy", source / "literacy", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)]
    if can_build_without_isolation():
        command.insert(4, "--no-build-isolation")
    built = run(command, cwd=tmp, env=dict(os.environ))
    if built.returncode != 0 and "No matching distribution found for setuptools" in built.stderr:
        pytest.skip(f"cannot build a wheel: setuptools is neither installed nor downloadable\n{built.stderr}")
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = out.glob("literacy-*.whl")
    return wheel


def clean_environment(venv: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LITERACY_", "FLASK_", "PYTHON", "VIRTUAL_ENV", "PIP_"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server
        return response.status, response.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A virtual environment with the wheel installed; yields its python."""
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(tmp)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    # Installed before the .pth below exists, so pip does not see the editable install as this package.
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet"]
    done = run([*install, str(wheel)], cwd=tmp, env=dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    site_packages = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, {})
    borrowed = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(site_packages.stdout.strip()) / "borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    yield python


def test_the_wheel_holds_the_files_the_site_reads(installed):
    env = clean_environment(installed.parent.parent)
    found = run(
        [
            str(installed),
            "-c",
            "import literacy, literacy.config as c; print(literacy.__file__); "
            "print(*(int((c.PACKAGE_ROOT / p).exists()) for p in ("
            "'templates/base.html', 'static/css/site.css', 'migrations/env.py', 'courses/glossary.yaml', "
            "'translations/cy/LC_MESSAGES/messages.mo')))",
        ],
        cwd=installed.parent,
        env=env,
    )
    assert found.returncode == 0, found.stderr
    location, present = found.stdout.splitlines()
    assert Path(location).is_relative_to(installed.parent.parent), f"literacy came from {location}, not the wheel"
    assert not Path(location).is_relative_to(REPO)
    assert present.split() == ["1"] * 5


def test_an_installed_wheel_migrates_publishes_and_serves(installed, tmp_path):
    venv = installed.parent.parent
    site = tmp_path / "site"
    site.mkdir()
    courses = tmp_path / "courses"
    shutil.copytree(REPO / "docs" / "example-courses", courses)
    database = tmp_path / "x.sqlite3"
    env = clean_environment(venv)
    flask = [str(installed), "-m", "flask", "--app", "literacy"]

    # The author's check, as a course repository's CI runs it, needs neither a secret key nor a database
    # (without LITERACY_DATABASE_URL that would be in the venv's var/literacy-instance/).
    checked = run([*flask, "courses", "check", str(courses)], cwd=site, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 module checked, 0 problems" in checked.stdout
    assert not (venv / "var").exists(), "courses check created the instance folder"

    env.update(LITERACY_DATABASE_URL=f"sqlite:///{database}", LITERACY_SECRET_KEY="a secret for the wheel test")
    upgraded = run([*flask, "db", "upgrade"], cwd=site, env=env)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert database.exists()

    synced = run([*flask, "courses", "sync"], cwd=site, env={**env, "LITERACY_COURSES_DIR": str(courses)})
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "published example-module version 1" in synced.stdout

    demo = run([*flask, "demo"], cwd=site, env=env)  # the packaged courses
    assert demo.returncode == 0, demo.stdout + demo.stderr
    shipped = len(list((Path(__file__).resolve().parents[1] / "literacy" / "courses").glob("*/module.yaml")))
    assert f"courses: {shipped} published" in demo.stderr
    assert [line.split()[0] for line in demo.stdout.splitlines()] == ["learner", "trainer", "manager", "admin"]

    port = free_port()
    server = subprocess.Popen(
        [str(installed), "-m", "gunicorn", "literacy.wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"gunicorn stopped:\n{server.communicate()[0]}"
            try:
                assert get(f"{base}/healthz")[0] == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.1)
        status, home = get(f"{base}/")
        assert status == 200 and 'class="site-header"' in home
        status, modules = get(f"{base}/modules")
        assert status == 200
        assert "Procuring AI" in modules and "Example module" in modules
        status, css = get(f"{base}/static/css/site.css")
        assert status == 200 and "{" in css
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output
    assert not list(site.iterdir()), "the commands wrote into the working directory"
