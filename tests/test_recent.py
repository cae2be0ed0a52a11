"""The recent-explanations memo: one explain per (image content, model, class), files written once, pruned."""
import os
import shutil
import time

import pytest

from conftest import EXAMPLES
from explorer import load_model, recent
from explorer.errors import ImageError


def test_entries_follow_the_image_bytes_and_the_class(tmp_path):
    memo, loaded = recent.RecentExplanations(size=2), load_model("embedded")
    path = tmp_path / "upload.jpg"
    shutil.copy(EXAMPLES / "cifar10-ship.jpg", path)
    first = memo.get(loaded, str(path), None)
    os.utime(path)  # rewritten with the same bytes, as Gradio does with every upload
    assert memo.get(loaded, str(path), None) is first
    assert memo.get(loaded, str(path), 2) is not first and memo.get(loaded, str(path), 2).result.summary["evidence"]["index"] == 2
    shutil.copy(EXAMPLES / "cifar10-frog.jpg", path)
    assert memo.get(loaded, str(path), None).result.summary["top_k"][0]["label"] == "frog"
    assert len(memo.entries) == 2  # the oldest went


def test_a_missing_file_gets_the_decoder_s_message(tmp_path):
    with pytest.raises(ImageError, match="gone.jpg: no such file"):
        recent.RecentExplanations().get(load_model("embedded"), str(tmp_path / "gone.jpg"), None)


def test_export_is_written_once_and_rewritten_if_its_files_went(tmp_path):
    entry = recent.RecentExplanations().get(load_model("embedded"), str(EXAMPLES / "cifar10-horse.jpg"), None)
    folder = entry.export_folder(load_model("embedded"))
    assert (folder / "explanation.zip").exists() and (folder / "explanation" / "summary.json").exists()
    assert entry.export_folder(load_model("embedded")) == folder
    shutil.rmtree(folder)
    again = entry.export_folder(load_model("embedded"))
    assert again != folder and (again / "explanation.zip").exists()


def test_old_exports_are_pruned_and_new_ones_kept():
    old, new = recent.export_root() / "explain-old", recent.export_root() / "explain-new"
    old.mkdir(exist_ok=True)
    new.mkdir(exist_ok=True)
    hour_ago = time.time() - recent.EXPORT_LIFETIME_S - 60
    os.utime(old, (hour_ago, hour_ago))
    recent.prune_exports()
    assert not old.exists() and new.exists()
