"""``python -m literacy.content check|list``: what authors and the Flask commands rely on."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import literacy.content
from literacy.content.__main__ import main

from .support import FIXTURES, VALID_MODULE, demo_files


def write_module(folder: Path, changes: dict | None = None) -> Path:
    for name, data in demo_files(changes).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def test_check_a_valid_courses_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(FIXTURES)]) == 0
    assert capsys.readouterr().out == "1 module checked, 0 problems\n"


def test_check_a_module_folder_uses_the_glossary_beside_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(VALID_MODULE)]) == 0
    assert capsys.readouterr().out == "1 module checked, 0 problems\n"


def test_check_prints_every_problem_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_module(tmp_path / "good", {"module.yaml": demo_files()["module.yaml"].replace(b"demo", b"good")})
    write_module(tmp_path / "bad", {"quiz.md": "::: question q1\ntype: single\n\nPick.\n\n- [ ] A\n- [ ] B\n:::\n",
                                    "first.md": "no header\n"})
    assert main(["check", str(tmp_path)]) == 1
    root = tmp_path.as_posix()
    assert capsys.readouterr().out.splitlines() == [
        f"{root}/bad/first.md:1: first.md has no header: start it with a line ---, then title: and minutes:, "
        "then a line ---",
        f'{root}/bad/quiz.md:1: question "q1" has no correct option (mark it - [x])',
        "2 modules checked, 2 problems",
    ]


def test_check_several_paths_and_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_module(tmp_path / "courses" / "demo")
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 0
    assert capsys.readouterr().out == "1 module checked, 0 problems\n"
    assert main(["check", "courses/demo", "courses/missing"]) == 1
    assert capsys.readouterr().out.splitlines() == ["courses/missing:1: no such folder",
                                                    "1 module checked, 1 problem"]


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json", str(FIXTURES)]) == 0
    (summary,) = json.loads(capsys.readouterr().out)
    assert summary == {
        "slug": "fixture-basics", "title": "Fixture basics", "edition": 2, "language": "en",
        "languages": ["en", "cy"], "level": "introductory", "minutes": 30, "lesson_count": 2,
        "question_count": 5, "check_count": 2, "precheck_question_count": 2,
        "content_hash": summary["content_hash"],
    }


def test_list_reports_problems_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_module(tmp_path / "demo", {"second.md": None})
    assert main(["list", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "second.md is missing" in captured.err


def test_runs_as_a_module() -> None:
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "literacy.content", "check", str(FIXTURES)], cwd=repo,
                          capture_output=True, text=True, check=False, timeout=120)
    assert (done.returncode, done.stdout) == (0, "1 module checked, 0 problems\n")


def test_the_content_package_imports_no_flask() -> None:
    for path in Path(literacy.content.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(name.split(".")[0] in ("flask", "flask_sqlalchemy", "sqlalchemy") for name in names), path
