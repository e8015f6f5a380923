"""The entry point for production WSGI servers: ``gunicorn -c python:literacy.gunicorn_config 'literacy.wsgi:app'``.

It refuses to start without ``LITERACY_SECRET_KEY`` (the worker fails to boot with that message), rather
than serve error pages. It also refuses to start when ``WEB_CONCURRENCY`` asks for several workers while
the rate limits are counted in each process's memory, and otherwise warns once, at start, that the
limits are per process unless the server says how many processes it runs (``literacy.rate_limits``).

The case library is read and rendered before the first request (``cases.index.warm``), so no learner's
first lesson page in a worker waits a second for it. After the application is built, ``gc.freeze()``
moves everything created at start-up (the models, the routes, the templates' environment) out of the
garbage collector's reach. Those objects live as long as the process, and without this each full
collection walks them all again; on a 5,000-member cohort dashboard that cost up to 100 ms at the 95th
percentile (bench/dashboards.py).
"""

from __future__ import annotations

import gc

from . import create_app, rate_limits, require_secret_key
from .practice.cases import index as cases

app = create_app()
require_secret_key(app)
rate_limits.check_at_start(app)
cases.warm(app)
gc.freeze()
