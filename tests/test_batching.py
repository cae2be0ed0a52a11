"""Concurrent forward passes of one model share a batch; every caller gets its own answer."""
import threading
import time
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


def test_callers_arriving_during_a_pass_share_the_next_one_and_get_their_own_results():
    batches = []

    def run_batch(items):
        batches.append(list(items))
        time.sleep(0.05)  # a forward pass: the others arrive meanwhile
        return [i * 10 for i in items]

    batcher = Batcher(max_batch=4)
    results = run_together(batcher, [("m", i) for i in range(9)], run_batch)
    assert results == [i * 10 for i in range(9)]
    assert sorted(i for b in batches for i in b) == list(range(9))  # each item ran exactly once
    assert max(map(len, batches)) > 1 and max(map(len, batches)) <= 4
    assert batcher.sizes == [len(b) for b in batches]


def test_a_lone_caller_runs_at_once():
    batcher = Batcher()
    t0 = time.perf_counter()
    assert batcher.run("m", 3, lambda items: [i + 1 for i in items]) == 4
    assert time.perf_counter() - t0 < 0.05 and batcher.sizes == [1]


def test_different_models_never_share_a_batch():
    batches = []

    def run_batch(items):
        batches.append(list(items))
        time.sleep(0.02)
        return items

    run_together(Batcher(), [("a" if i % 2 else "b", i) for i in range(8)], run_batch)
    assert all(len({i % 2 for i in b}) == 1 for b in batches)


def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_runs():
    def run_batch(items):
        time.sleep(0.02)
        if 0 in items:
            raise RuntimeError("out of memory")
        return items

    batcher = Batcher()
    with pytest.raises(RuntimeError, match="out of memory"):
        batcher.run("m", 0, run_batch)
    assert batcher.run("m", 5, run_batch) == 5


def test_concurrent_predict_calls_batch_and_answer_as_they_do_alone(app_url, tmp_path):
    from gradio_client import Client, handle_file

    from explorer import memo
    from explorer.analysis.analysis import FORWARDS

    rng = np.random.default_rng(0)
    paths = []
    for i in range(12):  # new images: nothing kept answers them
        path = tmp_path / f"noise{i}.png"
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    clients = [Client(app_url, verbose=False) for _ in range(len(paths))]
    predict = lambda client, path: client.predict(handle_file(str(path)), "embedded", "pretrained", 10, api_name="/predict")  # noqa: E731

    alone = []
    for path in paths:
        memo.clear()
        alone.append(predict(clients[0], path)[0])
    memo.clear()
    before = len(FORWARDS.sizes)
    with ThreadPoolExecutor(len(paths)) as pool:
        together = [r[0] for r in pool.map(predict, clients, paths)]

    assert max(FORWARDS.sizes[before:]) > 1  # some of them shared a forward pass
    for a, t in zip(alone, together):
        assert [c["label"] for c in a["confidences"]] == [c["label"] for c in t["confidences"]]
        np.testing.assert_allclose([c["confidence"] for c in a["confidences"]], [c["confidence"] for c in t["confidences"]], atol=2e-6)
