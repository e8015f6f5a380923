"""What the request log and the request metrics add to each request: ``start()`` and ``finish()`` of
``literacy.operations.request_log`` called in a request context for ``/help``, the JSON line written to
memory. Prints microseconds per request for five runs. Run under ``flock /tmp/bench.lock``.

    flock /tmp/bench.lock .venv/bin/python bench/request_log_cost.py
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
from pathlib import Path

from flask import Response, request

from literacy import create_app
from literacy.operations import log_format, request_log

RUNS, REQUESTS = 5, 5000


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app({"TESTING": False, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.db"})
    logger = logging.getLogger(log_format.LOGGER)
    logger.removeHandler(log_format.handler)  # the same formatter and filter, into memory instead of stderr
    memory = logging.StreamHandler(io.StringIO())
    memory.setFormatter(log_format.JsonFormatter())
    memory.addFilter(log_format.RequestIdFilter())
    logger.addHandler(memory)
    results = []
    for _ in range(RUNS):
        total = 0.0
        for _ in range(REQUESTS):
            with app.test_request_context("/help"):
                assert request.url_rule is not None
                started = time.perf_counter()
                request_log.start()
                request_log.finish(Response("x"))
                total += time.perf_counter() - started
        results.append(total / REQUESTS * 1e6)
    print("start() + finish() per request, µs:", ", ".join(f"{value:.1f}" for value in sorted(results)))


if __name__ == "__main__":
    main()
