"""Concurrent forward passes of one model share a batch; every caller gets its own answer."""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from explorer.model.batching import Batcher


def run_together(batcher: Batcher, calls: list[tuple[str, int]], run_batch) -> list:
    """Start every (key, item) call at the same moment from its own thread; their results in order."""
    start = threading.Barrier(len(calls))

    def call(key_item):
        start.wait()
        return batcher.run(key_item[0], key_item[1], run_batch)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(call, calls))


class CountingCondition(threading.Condition):
    """A Condition that counts how often a caller waited on it."""

    def __init__(self):
        super().__init__()
        self.waits = 0

    def wait(self, timeout=None):
        self.waits += 1
        return super().wait(timeout)


def test_callers_arriving_during_a_pass_share_the_next_one_and_get_their_own_results():
    first_running, others_waiting = threading.Event(), threading.Event()
    batches = []
    changed = CountingCondition()

    def run_batch(items):
        batches.append(list(items))
        if len(batches) == 1:  # the first pass runs until all 8 others are waiting for it
            first_running.set()
            assert others_waiting.wait(30)
        return [i * 10 for i in items]

    batcher = Batcher(max_batch=4, changed=changed)
    with ThreadPoolExecutor(9) as pool:
        lead = pool.submit(batcher.run, "m", 0, run_batch)
        assert first_running.wait(30)
        rest = [pool.submit(batcher.run, "m", i, run_batch) for i in range(1, 9)]
        while True:  # every one of them queued behind the running pass
            with changed:
                if len(batcher.pending.get("m", [])) == 8:
                    break
            threading.Event().wait(0.01)
        others_waiting.set()
        results = [lead.result(), *(f.result() for f in rest)]
    assert results == [i * 10 for i in range(9)]
    assert sorted(i for b in batches for i in b) == list(range(9))  # each item ran exactly once
    assert [len(b) for b in batches] == [1, 4, 4]  # the 8 who waited went through in two full batches, not one by one
    assert batcher.sizes == [1, 4, 4]


def test_a_lone_caller_runs_at_once():
    changed = CountingCondition()
    batcher = Batcher(changed=changed)
    caller = threading.get_ident()
    ran_on = []
    assert batcher.run("m", 3, lambda items: ran_on.append(threading.get_ident()) or [i + 1 for i in items]) == 4
    # no waiting for company: its own thread ran it
    assert changed.waits == 0 and ran_on == [caller] and batcher.sizes == [1]


def test_different_models_never_share_a_batch():
    """A pass of model a and one of model b held running while three more callers of each queue up behind them:
    released, the six waiting go through as one batch per model, never one mixed batch (nor one by one)."""
    release = threading.Event()
    batches = []

    def run_batch(items):
        batches.append(list(items))
        if items in ([0], [1]):  # the two leads hold their passes until everyone else is queued
            assert release.wait(30)
        return items

    batcher = Batcher(max_batch=8)
    key = lambda i: "a" if i % 2 == 0 else "b"  # noqa: E731 - even items are model a's, odd ones model b's

    def until(condition) -> None:
        with batcher.changed:
            assert batcher.changed.wait_for(condition, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        leads = [pool.submit(batcher.run, key(i), i, run_batch) for i in (0, 1)]
        until(lambda: batcher.running == {"a", "b"})
        rest = [pool.submit(batcher.run, key(i), i, run_batch) for i in range(2, 8)]
        until(lambda: len(batcher.pending.get("a", [])) == 3 and len(batcher.pending.get("b", [])) == 3)
        release.set()
        results = [f.result() for f in leads + rest]
    assert results == [0, 1, *range(2, 8)]
    assert sorted(sorted(b) for b in batches) == [[0], [1], [2, 4, 6], [3, 5, 7]]


def test_a_lone_failing_call_gets_its_error_and_the_next_call_runs():
    def run_batch(items):
        if 0 in items:
            raise RuntimeError("out of memory")
        return items

    batcher = Batcher()
    with pytest.raises(RuntimeError, match="out of memory"):
        batcher.run("m", 0, run_batch)
    assert batcher.run("m", 5, run_batch) == 5 and batcher.sizes == [1, 1] and not batcher.running


def test_several_callers_of_one_failing_batch_each_get_the_error_and_the_next_batch_runs():
    first_running, others_waiting = threading.Event(), threading.Event()
    batches = []

    def run_batch(items):
        batches.append(list(items))
        if len(batches) == 1:
            first_running.set()
            assert others_waiting.wait(30)
            return items
        if len(batches) == 2:
            raise RuntimeError("out of memory")
        return items

    batcher = Batcher(max_batch=4)
    with ThreadPoolExecutor(5) as pool:
        lead = pool.submit(batcher.run, "m", 0, run_batch)
        assert first_running.wait(30)
        shared = [pool.submit(batcher.run, "m", i, run_batch) for i in range(1, 4)]
        while True:
            with batcher.changed:
                if len(batcher.pending.get("m", [])) == 3:
                    break
            threading.Event().wait(0.01)
        others_waiting.set()
        assert lead.result() == 0
        errors = [f.exception(timeout=30) for f in shared]
    assert sorted(batches[1]) == [1, 2, 3]  # the three shared the failing pass ...
    assert all(isinstance(e, RuntimeError) and str(e) == "out of memory" for e in errors)  # ... and each was told
    assert batcher.run("m", 5, run_batch) == 5 and batches[-1] == [5] and not batcher.running


def test_concurrent_predict_calls_batch_and_answer_as_they_do_alone(app_url, tmp_path):
    from gradio_client import Client, handle_file

    from explorer import memo
    from explorer.analysis.image import PREDICTIONS  # /predict: plain forward passes, batched

    rng = np.random.default_rng(0)
    paths = []
    for i in range(12):  # new images: nothing kept answers them
        path = tmp_path / f"noise{i}.png"
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    clients = [Client(app_url, verbose=False) for _ in range(len(paths))]
    predict = lambda client, path: client.predict(handle_file(str(path)), "embedded", "pretrained", 10,  # noqa: E731
                                                  api_name="/predict")

    alone = []
    for path in paths:
        memo.clear()
        alone.append(predict(clients[0], path)[0])
    memo.clear()
    PREDICTIONS.sizes = []  # the batches of the calls below alone (it keeps the last 1,000: a count would stall there)
    with ThreadPoolExecutor(len(paths)) as pool:
        together = [r[0] for r in pool.map(predict, clients, paths)]

    assert max(PREDICTIONS.sizes) > 1  # some of them shared a forward pass
    for a, t in zip(alone, together):
        assert [c["label"] for c in a["confidences"]] == [c["label"] for c in t["confidences"]]
        np.testing.assert_allclose([c["confidence"] for c in a["confidences"]],
                                   [c["confidence"] for c in t["confidences"]], atol=2e-6)
