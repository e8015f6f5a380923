"""Sending queued statements to organisations' LRSs in batches, with retries, and resending failed ones.

A consumer claims due rows with one conditional UPDATE (two consumers never take the same row), groups them
by organisation and POSTs each group to ``<endpoint>/statements`` as one array (``BATCH`` at most), with
``X-Experience-API-Version: 1.0.3``, basic auth from the environment variables the organisation named, and
a timeout. The outcome of each row is recorded:

- 200 or 204: sent (204 is the LRS saying it holds these statements already: a resend counts as sent);
- 400, 409 or 422 for a batch: each statement is sent on its own, so one the LRS refuses does not hold back
  the others; refused on its own it is failed at once (sending it again would not change the answer), with
  the LRS's words kept; a 409 for a statement the LRS holds identically counts as sent;
- anything else (the LRS down, slow, 5xx, 401, a credential not set): queued again with back-off, doubling
  from ``XAPI_RETRY_SECONDS``, until ``XAPI_MAX_ATTEMPTS``, then failed.

Nothing here runs in a learner's request: learning never waits for an LRS.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import LrsConnection, XapiStatement, utcnow
from ..notifications import claims
from .statements import VERSION

log = logging.getLogger("literacy.xapi")

BATCH = 50  # statements in one POST
CLAIM = 500  # rows one consumer takes at a time
STALE_AFTER = timedelta(minutes=15)  # a row "sending" this long belongs to a consumer that died


def claim(ids: Iterable[int] | None = None, *, now: datetime | None = None, limit: int = CLAIM) -> list[int]:
    """Take due queued rows (``ids``, or any) for this consumer (``notifications.claims.claim``); commits."""
    return claims.claim(XapiStatement, ids, now=now, limit=limit)


class Refused(Exception):  # noqa: N818 - an outcome
    """The LRS refused a statement for what it is: sending it again would not help."""


class Unavailable(Exception):  # noqa: N818 - an outcome
    """The LRS could not take it now (down, slow, an error, credentials missing): try again later."""


def _credentials(connection: LrsConnection) -> tuple[str, str]:
    missing = [name for name in (connection.username_env, connection.password_env) if not os.environ.get(name)]
    if missing:
        raise Unavailable("environment variable not set: " + ", ".join(missing))
    return os.environ[connection.username_env], os.environ[connection.password_env]


def _post(connection: LrsConnection, statements: list[dict[str, Any]]) -> requests.Response:
    timeout = float(current_app.config.get("XAPI_TIMEOUT_SECONDS") or 10)
    try:
        return requests.post(
            connection.endpoint.rstrip("/") + "/statements",
            data=json.dumps(statements),
            headers={"X-Experience-API-Version": VERSION, "Content-Type": "application/json"},
            auth=_credentials(connection),
            timeout=(min(timeout, 5.0), timeout),
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise Unavailable(f"the LRS could not be reached ({type(error).__name__}: {error})") from error


def _words(response: requests.Response) -> str:
    return f"the LRS answered {response.status_code}: {response.text[:500]}"


def _already_held(connection: LrsConnection, statement: dict[str, Any]) -> bool:
    """After a 409 for one statement: whether the LRS holds the same statement under its id (a resend)."""
    timeout = float(current_app.config.get("XAPI_TIMEOUT_SECONDS") or 10)
    try:
        response = requests.get(
            connection.endpoint.rstrip("/") + "/statements",
            params={"statementId": statement["id"]},
            headers={"X-Experience-API-Version": VERSION},
            auth=_credentials(connection),
            timeout=(min(timeout, 5.0), timeout),
            allow_redirects=False,
        )
        held = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError, Unavailable):
        return False
    if not isinstance(held, dict):
        return False
    same = ("verb", "object", "timestamp")
    return all(_comparable(held.get(key), key) == _comparable(statement.get(key), key) for key in same) and (
        held.get("actor", {}).get("account") == statement["actor"].get("account")
        and held.get("actor", {}).get("mbox") == statement["actor"].get("mbox")
    )


def _comparable(value: Any, key: str) -> Any:
    if key == "timestamp" and isinstance(value, str):
        return value.replace("+00:00", "Z")[:23]
    if key in ("verb", "object") and isinstance(value, dict):
        return value.get("id")
    return value


def send_batch(connection: LrsConnection, rows: list[XapiStatement], now: datetime) -> dict[str, int]:
    """POST ``rows`` as one array; on a refusal, each on its own. Records every row's outcome (not committed)."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    try:
        response = _post(connection, [row.statement for row in rows])
    except Unavailable as error:
        for row in rows:
            counts[_retry_or_fail(row, now, str(error))] += 1
        return counts
    if response.status_code in (200, 204):
        for row in rows:
            _finish(row, "sent", now)
        counts["sent"] += len(rows)
        return counts
    if response.status_code in (400, 409, 422) and len(rows) > 1:
        for row in rows:
            for key, value in send_batch(connection, [row], now).items():
                counts[key] += value
        return counts
    if response.status_code == 409 and _already_held(connection, rows[0].statement):
        _finish(rows[0], "sent", now, error="the LRS held this statement already")
        counts["sent"] += 1
        return counts
    if response.status_code in (400, 409, 422):
        _finish(rows[0], "failed", now, error=_words(response))
        counts["failed"] += 1
        return counts
    for row in rows:
        counts[_retry_or_fail(row, now, _words(response))] += 1
    return counts


def send_claimed(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Send claimed rows, organisation by organisation, ``BATCH`` at a time; commits after each batch."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    rows = list(db.session.scalars(select(XapiStatement).where(XapiStatement.id.in_(ids)).order_by(XapiStatement.id)))
    by_organisation: dict[int, list[XapiStatement]] = defaultdict(list)
    for row in rows:
        by_organisation[row.organisation_id].append(row)
    connections = {
        connection.organisation_id: connection
        for connection in db.session.scalars(
            select(LrsConnection).where(LrsConnection.organisation_id.in_(list(by_organisation)))
        )
    }
    for organisation_id, waiting in by_organisation.items():
        connection = connections.get(organisation_id)
        for start in range(0, len(waiting), BATCH):
            batch = waiting[start : start + BATCH]
            moment = now or utcnow()
            if connection is None or not connection.is_enabled:
                for row in batch:  # switched off since: kept, sent when it is switched on and resent
                    _finish(row, "failed", moment, error="sending statements is switched off for this organisation")
                    counts["failed"] += 1
            else:
                for key, value in send_batch(connection, batch, moment).items():
                    counts[key] += value
            db.session.commit()
    db.session.commit()
    return counts


def _finish(row: XapiStatement, status: str, now: datetime, *, error: str | None = None) -> None:
    row.status = status
    row.claimed_by = None
    if status == "sent":
        row.sent_at = now
    row.last_error = error[:2000] if error is not None else (row.last_error if status == "failed" else None)


def _retry_or_fail(row: XapiStatement, now: datetime, error: str) -> str:
    config = current_app.config
    row.last_error = error[:2000]
    row.claimed_by = None
    if row.attempts >= int(config.get("XAPI_MAX_ATTEMPTS") or 8):
        row.status = "failed"
        log.warning("Statement %s for organisation %s failed: %s", row.id, row.organisation_id, error)
        return "failed"
    row.status = "queued"
    row.next_attempt_at = claims.next_attempt(now, row.attempts, int(config.get("XAPI_RETRY_SECONDS") or 60))
    return "retry"


def recover(now: datetime | None = None) -> int:
    """Queue again rows left "sending" by a consumer that died; commits."""
    return claims.recover(XapiStatement, now=now, stale_after=STALE_AFTER)


def send_due(*, now: datetime | None = None, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Claim and send what is due (``ids`` only, when given) until nothing is left; returns the counts."""
    totals = {"sent": 0, "retry": 0, "failed": 0}
    return claims.drain(
        lambda batch: claim(batch, now=now), lambda claimed: send_claimed(claimed, now=now), ids, CLAIM, totals
    )


def resend_failed(organisation_id: int, *, now: datetime | None = None) -> list[int]:
    """Queue an organisation's failed statements again, with a fresh count of attempts (the caller commits and
    then hands the ids to the queue). Returns their ids."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(XapiStatement.id).where(
                XapiStatement.organisation_id == organisation_id, XapiStatement.status == "failed"
            )
        )
    )
    if ids:
        db.session.execute(
            update(XapiStatement)
            .where(XapiStatement.id.in_(ids), XapiStatement.status == "failed")
            .values(status="queued", attempts=0, next_attempt_at=now, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
    return ids


def counts(organisation_id: int) -> dict[str, int]:
    """How many of an organisation's statements are in each state (one query)."""
    found = {status: 0 for status in ("queued", "sending", "sent", "failed")}
    rows = db.session.execute(
        select(XapiStatement.status, func.count())
        .where(XapiStatement.organisation_id == organisation_id)
        .group_by(XapiStatement.status)
    )
    for status, number in rows:
        found[status] = number
    return found
