"""Partial indexes (explorer.units.partial): shares of a reference set reduced apart and merged in any order and
grouping give the index the local engine builds in one pass."""
import numpy as np
import pytest
import torch

from explorer.images import load_image
from explorer.model.loading import load_model
from explorer.units.index import build_index
from explorer.units.partial import (
    finish,
    load_partial,
    merge,
    partial_from_batch,
    save_partial,
)


@pytest.fixture(scope="module")
def embedded():
    return load_model("embedded", fallback=False)


def same_index(a, b) -> None:
    """Two UnitIndexes agree: the same images, every unit's top images in the same order with the same peaks,
    activations within 1e-5, the same best-mean image."""
    assert (a.names, a.count, a.model, a.weights, a.fingerprint, a.grid) == (b.names, b.count, b.model, b.weights,
                                                                             b.fingerprint, b.grid)
    for kind in a.tops:
        x, y = a.tops[kind], b.tops[kind]
        assert np.array_equal(x.ids, y.ids) and np.array_equal(x.peaks, y.peaks)
        assert np.array_equal(x.best_mean_id, y.best_mean_id)
        assert np.allclose(x.values, y.values, rtol=0, atol=1e-5)
        assert np.allclose(x.best_mean, y.best_mean, rtol=0, atol=1e-5)


def test_shares_merged_in_any_order_and_grouping_give_the_one_pass_index(embedded, tmp_path):
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (32, 36, 3), dtype=np.uint8) for _ in range(23)]
    names = [f"image {i}" for i in range(24)]
    unreadable = 7  # position 7 is a file that could not be read: the local engine skips it, ids close up
    local = build_index(embedded, images, [n for i, n in enumerate(names) if i != unreadable], top_k=4,
                        batch_size=5)
    positions = [p for p in range(24) if p != unreadable]
    x = torch.stack([embedded.transform(load_image(img)) for img in images])  # (23, 3, 32, 32)
    cuts = [0, 3, 4, 11, 20, 23]  # shares of 3, 1, 7, 9 and 3 images
    parts = [partial_from_batch(embedded.model, x[a:b], positions[a:b], 4) for a, b in zip(cuts, cuts[1:])]
    parts.append(partial_from_batch(embedded.model, x[:0], [], 4, {unreadable: "broken"}))  # a batch of none
    save_partial(parts[2], tmp_path / "shard.npz")
    parts[2] = load_partial(tmp_path / "shard.npz")  # a share through its file: the same share
    in_order = parts[0]
    for part in parts[1:]:
        in_order = merge(in_order, part)
    shuffled = [parts[i] for i in (4, 1, 5, 0, 3, 2)]
    grouped = merge(merge(shuffled[0], shuffled[1]), merge(merge(shuffled[2], shuffled[3]), merge(shuffled[4],
                                                                                                   shuffled[5])))
    assert in_order.skipped == grouped.skipped == {unreadable: "broken"}
    for whole in (in_order, grouped):
        same_index(finish(whole, embedded, names, description="the images given"), local)
