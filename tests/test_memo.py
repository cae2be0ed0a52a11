"""The one module that keeps things: bounded, named caches, and each session's current analysis."""
import os
import time

import numpy as np

from conftest import EXAMPLES
from explorer import load_model, memo
from explorer.analysis.analysis import Analysis


def test_a_bounded_cache_keeps_the_most_recent_and_makes_each_value_once():
    made = []
    cache = memo.Bounded("test", 2)
    make = lambda v: lambda: made.append(v) or v  # noqa: E731
    assert cache.get("a", make(1)) == 1 and cache.get("a", make(99)) == 1
    cache.get("b", make(2))
    cache.get("a", make(99))  # a is now the most recent
    cache.get("c", make(3))  # so b goes
    assert list(cache.entries) == ["a", "c"] and made == [1, 2, 3]


def test_a_session_s_analysis_survives_other_people_s_uploads():
    memo.clear()
    loaded = load_model("embedded")
    mine = Analysis.of(loaded, EXAMPLES / "chelsea-cat.jpg", session="lecturer")
    for i in range(memo.RECENT + 4):  # a lecture hall uploads their own photos meanwhile
        Analysis.of(loaded, np.full((8, 8, 3), i, np.uint8), session=f"student-{i}")
    assert len(memo.RECENT_ANALYSES) == memo.RECENT
    assert memo.SESSION_ANALYSES.peek("lecturer")[1] is mine
    assert Analysis.of(loaded, EXAMPLES / "chelsea-cat.jpg", session="lecturer") is mine  # not made again
    Analysis.of(loaded, EXAMPLES / "cifar10-frog.jpg", session="lecturer")  # the lecturer moves on
    assert memo.SESSION_ANALYSES.peek("lecturer")[1] is not mine


def test_per_model_views_are_freed_with_the_model():
    import gc

    import torch

    model = torch.nn.Linear(2, 2)
    assert memo.per_model(model, "x", lambda: 1) == 1 and memo.per_model(model, "x", lambda: 2) == 1
    del model
    gc.collect()
    assert all(not isinstance(m, torch.nn.Linear) for m in memo.MODEL_VIEWS)


def test_old_exports_are_pruned_and_new_ones_kept():
    old, new = memo.export_root() / "explain-old", memo.export_root() / "explain-new"
    old.mkdir(exist_ok=True)
    new.mkdir(exist_ok=True)
    hour_ago = time.time() - memo.EXPORT_LIFETIME_S - 60
    os.utime(old, (hour_ago, hour_ago))
    memo.prune_exports()
    assert not old.exists() and new.exists()


def test_evicted_export_folders_are_deleted(tmp_path):
    memo.clear()
    folders = [memo.export(("key", i), lambda folder: (folder / "explanation.zip").write_bytes(b"zip"))
               for i in range(memo.EXPORT_FOLDERS + 1)]
    assert not folders[0].exists() and folders[-1].exists()


def test_a_value_asked_for_by_many_threads_at_once_is_made_once():
    """Six threads ask at the same moment (a barrier lets them go together). The first to make the value waits for a
    second maker (a barrier of two): without de-duplication a second thread makes it too and both are counted; with
    it, the others wait for the first and no second maker ever comes (the wait gives up after a second)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    made = []
    cache = memo.Bounded("test", 4)
    together, second_maker = threading.Barrier(6), threading.Barrier(2)

    def make() -> str:
        made.append(1)
        try:
            second_maker.wait(timeout=1)
        except threading.BrokenBarrierError:
            pass  # nobody else is making it: the others are waiting for this value
        return "analysis"

    def ask(_) -> str:
        together.wait(timeout=30)
        return cache.get("new image", make)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(ask, range(6)))
    assert results == ["analysis"] * 6 and len(made) == 1 and not cache.making
