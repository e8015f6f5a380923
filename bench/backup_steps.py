"""A SQLite backup while another connection writes: ``literacy.backup.backup_sqlite`` (one step of the online
backup API, on a WAL database) against a backup in steps of N pages, as the brief for ``flask backup`` first
asked for. Prints the time of each, the writes that went through meanwhile and the writer's longest wait.

A stepped backup restarts whenever another connection writes between two steps, so it is given up after
``--max-steps`` steps.

    flock /tmp/bench.lock .venv/bin/python bench/backup_steps.py [--megabytes 100] [--pages 256]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from literacy.backup import backup_sqlite  # noqa: E402


class Writer(threading.Thread):
    """Commits one small row every millisecond or so, recording how long each commit took."""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.database, self.stop, self.commits, self.longest = database, threading.Event(), 0, 0.0

    def run(self) -> None:
        with closing(sqlite3.connect(self.database, timeout=30, isolation_level=None)) as connection:
            while not self.stop.is_set():
                started = time.perf_counter()
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO filler (body) VALUES ('w')")
                connection.execute("COMMIT")
                self.longest = max(self.longest, time.perf_counter() - started)
                self.commits += 1
                time.sleep(0.001)


def stepped(source: Path, target: Path, pages: int, max_steps: int) -> tuple[bool, int]:
    steps = 0

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal steps
        steps += 1
        if steps >= max_steps:
            raise RuntimeError("gave up")

    with closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as live, closing(
        sqlite3.connect(target)
    ) as copy:
        try:
            live.backup(copy, pages=pages, progress=progress)
        except RuntimeError:
            return False, steps
    return True, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--pages", type=int, default=256)
    parser.add_argument("--max-steps", type=int, default=5000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "live.sqlite3"
        with closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)")
            connection.executemany(
                "INSERT INTO filler (body) VALUES (?)", (("x" * 500,) for _ in range(options.megabytes * 1950))
            )
            connection.commit()
        print(f"database: {database.stat().st_size / 1e6:.0f} MB, WAL mode, one writer committing every ~1 ms")
        writer = Writer(database)
        writer.start()
        time.sleep(0.2)
        for name in ("one step (flask backup)", f"steps of {options.pages} pages"):
            writer.longest, before, started = 0.0, writer.commits, time.perf_counter()
            target = Path(folder) / f"copy-{time.monotonic_ns()}.sqlite3"
            if name.startswith("one"):
                backup_sqlite(database, target)
                finished, steps = True, 1
            else:
                finished, steps = stepped(database, target, options.pages, options.max_steps)
            elapsed = time.perf_counter() - started
            outcome = "finished" if finished else f"gave up after {steps} steps (restarted by the writes)"
            print(
                f"{name}: {outcome} in {elapsed:.2f} s; {writer.commits - before} writes meanwhile, "
                f"the writer's longest commit {writer.longest * 1000:.0f} ms"
            )
        writer.stop.set()
        writer.join()


if __name__ == "__main__":
    main()
