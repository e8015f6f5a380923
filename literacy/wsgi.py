"""The entry point for production WSGI servers: ``gunicorn 'literacy.wsgi:app'``.

It refuses to start without ``LITERACY_SECRET_KEY`` (the worker fails to boot with that message), rather
than serve error pages.

After the application is built, ``gc.freeze()`` moves everything created at start-up (the models, the
routes, the templates' environment) out of the garbage collector's reach. Those objects live as long as
the process, and without this each full collection walks them all again; on a 5,000-member cohort
dashboard that cost up to 100 ms at the 95th percentile (bench/dashboards.py).
"""

from __future__ import annotations

import gc

from . import create_app, require_secret_key

app = create_app()
require_secret_key(app)
gc.freeze()
