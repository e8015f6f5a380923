"""The task queue's configuration: which Huey storage a URL names, and no files written before use."""

from __future__ import annotations

import pytest
from huey import MemoryHuey, RedisHuey

from literacy.notifications import queue


def test_a_sqlite_queue_creates_its_file_only_when_first_used(tmp_path):
    path = tmp_path / "deep" / "queue.sqlite3"
    huey = queue.build(f"sqlite:///{path}")
    assert not path.exists()  # importing the package or building the app writes nothing
    huey.storage.enqueue(b"data")
    assert path.exists() and huey.storage.queue_size() == 1
    assert huey.storage.dequeue() == b"data"


def test_redis_and_memory_urls(tmp_path):
    redis_huey = queue.build("redis://127.0.0.1:6379/3?name=site-two")
    assert isinstance(redis_huey, RedisHuey) and redis_huey.name == "site-two"
    assert isinstance(queue.build("memory://"), MemoryHuey)


def test_an_unknown_url_is_refused_with_the_setting_named():
    with pytest.raises(ValueError, match="LITERACY_QUEUE_URL must start with"):
        queue.build("amqp://127.0.0.1")


def test_tests_run_tasks_at_once(app):
    assert queue.huey.immediate is True
