import io
import json
import math
import shutil
import signal
import subprocess
import sys
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from conftest import EMBEDDED_BLOCKS, ROOT
from explorer.model.loading import build_embedded, load_weights
from explorer.train.augment import CIFAR10_POLICY, apply_auto_augment, auto_augment, cutmix, random_crop_flip
from explorer.train.checkpoint import can_resume
from explorer.train.data import split_train_val
from explorer.train.distill import distillation_loss, load_teachers, teacher_digest
from explorer.train.airbench import Teacher

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def make_tarball(path, per_class: int):
    """A tarball laid out like the real one: train/<class>/NNNN.jpg, coloured noise per class."""
    rng = np.random.default_rng(0)
    with tarfile.open(path, "w:gz") as tar:
        for c, name in enumerate(CLASSES):
            for i in range(per_class):
                pixels = np.clip(rng.normal(25 * c, 20, (32, 32, 3)), 0, 255).astype(np.uint8)
                buf = io.BytesIO()
                Image.fromarray(pixels).save(buf, "JPEG")
                info = tarfile.TarInfo(f"train/{name}/{i:04d}.jpg")
                info.size = len(buf.getvalue())
                tar.addfile(info, io.BytesIO(buf.getvalue()))
    return path


def held_out(tiny_cifar, tmp_path) -> tuple[torch.Tensor, torch.Tensor]:
    """The run's held-out images as `--export-val` writes them (JPEGs in <class>/ folders), decoded by PIL and
    normalised by hand with the embedded model's statistics: (N, 3, 32, 32) float and (N,) labels."""
    from explorer.model import embedded
    from explorer.train.cli import main

    folder = tmp_path / "held-out"
    main(train_args(tiny_cifar, tmp_path, 1, "crop-flip")[3:] + ["--export-val", str(folder)])  # in this process
    files = sorted(folder.glob("*/*.jpg"))
    assert sorted({f.parent.name for f in files}) == CLASSES
    pixels = np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files]) / 255.0  # (N, 32, 32, 3)
    x = (pixels - np.array(embedded.MEAN)) / np.array(embedded.STD)
    labels = torch.tensor([CLASSES.index(f.parent.name) for f in files])
    return torch.tensor(x, dtype=torch.float32).permute(0, 3, 1, 2), labels


@pytest.fixture
def tiny_cifar(tmp_path):
    return make_tarball(tmp_path / "tiny.tar.gz", per_class=12)


def train_args(data, workdir, epochs: int, augment: str = "autoaugment") -> list[str]:
    args = ["--data", str(data), "--cache", str(workdir / "cache"), "--out", str(workdir / "out"), "--epochs",
            str(epochs), "--batch-size", "32", "--lr", "2e-3", "--augment", augment]
    return [sys.executable, "-m", "explorer.train", *args]


def train(tiny_cifar, tmp_path, epochs: int, augment: str = "autoaugment", *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(train_args(tiny_cifar, tmp_path, epochs, augment) + list(extra), cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_training_writes_weights_card_and_timeline_and_resumes(tiny_cifar, tmp_path):
    first = train(tiny_cifar, tmp_path, epochs=2, augment="crop-flip")
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    card = json.loads((out / "embedded.json").read_text())
    assert "AutoAugment" not in card["recipe"]["augmentation"] and card["recipe"]["lr"] == 2e-3
    assert card["class_names"] == CLASSES and card["epochs"] == 2 and card["val_images"] == 10
    assert card["parameters"] <= 1_000_000
    for key in ("architecture", "recipe", "seed", "wall_time_s", "hardware", "history"):
        assert key in card
    assert (len(card["token_mixing_smoothness"]["init"]) == len(card["token_mixing_smoothness"]["final"])
            == EMBEDDED_BLOCKS)
    assert abs(card["token_mixing_smoothness"]["init"][0]) < 0.1  # random init: no spatial structure
    model = build_embedded()
    load_weights(model, load_file(out / "embedded.safetensors"), "trained weights")  # fits the architecture
    x, labels = held_out(tiny_cifar, tmp_path)
    assert len(labels) == 10  # one per class: 12 // 10
    with torch.no_grad():  # the card's accuracy is the written weights' on the held-out images
        assert card["val_accuracy"] == pytest.approx((model.eval()(x).argmax(1) == labels).float().mean().item())
    timeline = load_file(out / "embedded-timeline.safetensors")
    assert {"epoch000.token_mixing", "epoch001.token_mixing", "epoch002.token_mixing"} <= set(timeline)
    assert timeline["epoch002.token_mixing"].shape == (EMBEDDED_BLOCKS, 64, 64)
    assert not torch.equal(timeline["epoch000.token_mixing"], timeline["epoch002.token_mixing"])

    # a snapshot of the run at its resume point: the same weights, a card that says so
    snap = train(tiny_cifar, tmp_path, 2, "crop-flip", "--snapshot", "--out", str(tmp_path / "snap"))
    assert snap.returncode == 0, snap.stderr
    snap_card = json.loads((tmp_path / "snap" / "embedded.json").read_text())
    assert snap_card["epochs"] == 2 and snap_card["val_accuracy"] == card["val_accuracy"]
    assert "this is a snapshot of the run after epoch 2 of its 2" in snap_card["recipe"]["schedule"]
    snapped = load_file(tmp_path / "snap" / "embedded.safetensors")
    assert all(torch.equal(v, load_file(out / "embedded.safetensors")[k]) for k, v in snapped.items())
    refused = train(tiny_cifar, tmp_path, 2, "autoaugment", "--snapshot", "--out", str(tmp_path / "other"))
    assert refused.returncode != 0 and "another configuration" in refused.stderr

    # same run again: picks up its checkpoint, trains nothing
    more = train(tiny_cifar, tmp_path, epochs=2, augment="crop-flip")
    assert "resuming" in more.stderr and "epoch 1/2" not in more.stderr
    other = train(tiny_cifar, tmp_path, epochs=2)  # another augmentation without more epochs is another run
    assert other.returncode != 0 and "another configuration" in other.stderr

    longer = train(tiny_cifar, tmp_path, epochs=3)  # more epochs: the finished run is extended, not restarted
    assert longer.returncode == 0, longer.stderr
    assert ("extending the run from 2 to 3 epochs" in longer.stderr and "epoch 3/3" in longer.stderr
            and "epoch 1/3" not in longer.stderr)
    card = json.loads((out / "embedded.json").read_text())
    assert card["epochs"] == 3 and [h["epoch"] for h in card["history"]] == [1, 2, 3]
    assert "at epoch 2 extended from 2 to 3 epochs" in card["recipe"]["schedule"]
    assert ("augmentation changed from crop-flip to autoaugment" in card["recipe"]["schedule"]
            and "AutoAugment" in card["recipe"]["augmentation"])
    assert {"epoch002.token_mixing", "epoch003.token_mixing"} <= set(load_file(out / "embedded-timeline.safetensors"))

    shorter = train(tiny_cifar, tmp_path, epochs=1)  # a shorter schedule cannot come from a longer run's weights
    assert shorter.returncode != 0 and "another configuration" in shorter.stderr


def test_shipped_weights_are_continued_on_a_machine_without_the_checkpoint(tiny_cifar, tmp_path):
    assert train(tiny_cifar, tmp_path, epochs=2).returncode == 0
    shipped = tmp_path / "shipped"
    (tmp_path / "out").rename(shipped)
    shutil.rmtree(tmp_path / "cache" / "train")  # a fresh clone: the assets are there, the checkpoint is not
    shipped_card = json.loads((shipped / "embedded.json").read_text())

    longer = train(tiny_cifar, tmp_path, 3, "autoaugment", "--continue-from", str(shipped))
    assert longer.returncode == 0, longer.stderr
    assert ("extending the run from 2 to 3 epochs" in longer.stderr and "epoch 3/3" in longer.stderr
            and "epoch 1/3" not in longer.stderr)
    card = json.loads((tmp_path / "out" / "embedded.json").read_text())
    assert card["epochs"] == 3 and card["history"][:2] == shipped_card["history"] and card["history"][2]["epoch"] == 3
    assert card["wall_time_s"] > shipped_card["wall_time_s"]
    assert card["recipe"]["schedule"].startswith(shipped_card["recipe"]["schedule"])
    assert f"from the weights shipped in {shipped}, with a fresh optimizer" in card["recipe"]["schedule"]
    before, after = (load_file(shipped / "embedded-timeline.safetensors"),
                     load_file(tmp_path / "out" / "embedded-timeline.safetensors"))
    assert set(after) == set(before) | {"epoch003.stem", "epoch003.token_mixing"}
    assert torch.equal(after["epoch000.token_mixing"], before["epoch000.token_mixing"])
    assert not torch.equal(after["epoch003.token_mixing"], after["epoch002.token_mixing"])

    # its own checkpoint now wins
    again = train(tiny_cifar, tmp_path, 3, "autoaugment", "--continue-from", str(shipped))
    assert again.returncode == 0 and "last.pt at epoch 3" in again.stderr and "epoch 3/3" not in again.stderr

    missing = train(tiny_cifar, tmp_path / "elsewhere", 3, "autoaugment", "--continue-from", str(tmp_path / "nothing"))
    assert missing.returncode != 0 and "no model card" in missing.stderr


def test_validation_split_is_stratified_and_disjoint():
    labels = torch.arange(10).repeat_interleave(100)
    train_idx, val_idx = split_train_val(labels, per_class=10)
    assert len(set(train_idx.tolist()) & set(val_idx.tolist())) == 0 and len(train_idx) + len(val_idx) == 1000
    assert torch.bincount(labels[val_idx]).tolist() == [10] * 10


def test_augmentations_keep_shapes_and_pixels():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).view(2, 3, 32, 32)
    crops = random_crop_flip(x, g)
    assert crops.shape == x.shape
    padded = torch.nn.functional.pad(x, (4, 4, 4, 4), mode="reflect")
    for crop, source in zip(crops, padded):  # each image is a 32x32 window of its padded self, flipped or not
        windows = [source[:, dy:dy + 32, dx:dx + 32] for dy in range(9) for dx in range(9)]
        assert any(torch.equal(crop, w) or torch.equal(crop, w.flip(2)) for w in windows)
    # every pixel of every image a value of its own
    x = torch.arange(4 * 3 * 32 * 32, dtype=torch.float32).view(4, 3, 32, 32)
    mixed, partner, lam = cutmix(x, torch.arange(4), g)
    assert mixed.shape == x.shape and 0 <= lam <= 1 and partner.shape == (4,)
    assert sorted(partner.tolist()) == [0, 1, 2, 3] and 0 < lam < 1  # a permutation; a box was cut
    assert [int(p) != i for i, p in enumerate(partner)] == [True, True, False, True]  # this draw: image 2 stays
    for i in range(4):
        own = (mixed[i] == x[i]).all(0)  # (32, 32): the pixels kept
        if int(partner[i]) == i:  # its own box pasted onto itself: unchanged
            assert torch.equal(mixed[i], x[i])
            continue
        assert own.float().mean().item() == pytest.approx(lam)  # lam is the area kept
        rows, cols = torch.nonzero(~own, as_tuple=True)
        # the rest is the partner's pixels, in place
        assert torch.equal(mixed[i][:, ~own], x[int(partner[i])][:, ~own])
        assert (~own).sum() == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)  # one box


def test_auto_augment_draws_per_image_and_follows_its_generator():
    x = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    out = auto_augment(x, torch.Generator().manual_seed(1))
    assert out.shape == x.shape and out.dtype == torch.uint8
    # some ops draw a no-op (e.g. a zero shear)
    assert sum(not torch.equal(a, b) for a, b in zip(out, x)) >= len(x) // 2
    global_state = torch.get_rng_state()
    assert torch.equal(out, auto_augment(x, torch.Generator().manual_seed(1)))  # a resumed run augments alike
    assert torch.equal(torch.get_rng_state(), global_state)  # and drop path's generator is left alone
    assert not torch.equal(out, auto_augment(x, torch.Generator().manual_seed(2)))


def test_batched_auto_augment_augments_each_image_as_if_alone():
    policies = len(CIFAR10_POLICY._policies)
    sub_policy = torch.arange(policies).repeat(2)  # every sub-policy, with both signs
    n = len(sub_policy)
    always, never = torch.zeros(n, 2), torch.full((n, 2), 2.0)
    negative = (torch.arange(n) >= policies)[:, None].repeat(1, 2)
    x = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    together = apply_auto_augment(x, sub_policy, always, negative)
    alone = torch.cat([apply_auto_augment(x[i : i + 1], sub_policy[i : i + 1], always[i : i + 1],
                                          negative[i : i + 1]) for i in range(n)])
    assert torch.equal(together, alone)
    assert not torch.equal(together[:policies], together[policies:])  # the sign is per image
    assert torch.equal(apply_auto_augment(x, sub_policy, never, negative), x)


def two_teachers(tmp_path) -> list:
    """Two untrained teachers of different seeds, each in its own folder (a teacher's card lies beside it)."""
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        (tmp_path / f"t{seed}").mkdir()
        save_file(Teacher().state_dict(), tmp_path / f"t{seed}" / "teacher.safetensors")
        paths.append(tmp_path / f"t{seed}" / "teacher.safetensors")
    return paths


def test_a_teacher_ensemble_is_the_mean_of_its_teachers_and_their_mirror_views(tmp_path):
    paths = two_teachers(tmp_path)
    x = torch.randn(4, 3, 32, 32)
    one, other = (load_teachers([p]) for p in paths)
    assert isinstance(one, Teacher)  # one file, no mirror: the network itself, as runs before ensembles had it
    with torch.no_grad():
        assert torch.allclose(load_teachers(paths)(x), (one(x) + other(x)) / 2, atol=1e-6)
        mirrored = (one(x) + one(x.flip(-1)) + other(x) + other(x.flip(-1))) / 4
        assert torch.allclose(load_teachers(paths, mirror=True)(x), mirrored, atol=1e-6)
    digest = teacher_digest(paths[:1])
    assert digest.startswith("sha256:") and "+" not in digest  # the digest runs before ensembles recorded
    assert teacher_digest(paths, mirror=True) == f"{digest}+{teacher_digest(paths[1:])}+mirror"


def test_a_resumed_run_changes_its_teacher_only_when_told_and_its_card_says_from_when(tiny_cifar, tmp_path):
    teachers = two_teachers(tmp_path)

    def run(epochs: int, *extra: str) -> subprocess.CompletedProcess:
        return train(tiny_cifar, tmp_path, epochs, "autoaugment", "--resume", str(tmp_path / "run"), *extra)

    assert run(2, "--teacher", str(teachers[0])).returncode == 0
    ensemble = ["--teacher", *map(str, teachers), "--teacher-mirror"]
    refused = run(3, *ensemble)  # another teacher is another run, unless the change is asked for
    assert refused.returncode != 0 and "another configuration" in refused.stderr
    changed = run(3, *ensemble, "--change-teacher")
    assert changed.returncode == 0 and "the teacher changes at epoch 2" in changed.stderr, changed.stderr
    card = json.loads((tmp_path / "out" / "embedded.json").read_text())
    new, old = teacher_digest(teachers, mirror=True), teacher_digest(teachers[:1])
    assert card["epochs"] == 3 and card["recipe"]["teacher"] == new
    assert f"from epoch 2 on distilled from another teacher, {new}" in card["recipe"]["schedule"]
    assert f"in place of {old}" in card["recipe"]["schedule"]
    assert card["teacher"]["mirror"] is True
    x, labels = held_out(tiny_cifar, tmp_path)
    with torch.no_grad():  # the two teachers and their mirror views, averaged by hand, on the held-out images
        one, other = (load_teachers([p]) for p in teachers)
        logits = (one(x) + one(x.flip(-1)) + other(x) + other(x.flip(-1))) / 4
    assert card["teacher"]["val_accuracy_as_used"] == pytest.approx((logits.argmax(1) == labels).float().mean().item())
    again = run(3, *ensemble, "--change-teacher")  # the run now has that teacher: nothing changes again
    assert again.returncode == 0 and "the teacher changes" not in again.stderr


def test_only_an_extension_may_change_the_augmentation():
    old = {"epochs": 80, "timeline_epochs": [0, 80], "lr": 1e-3}  # a checkpoint from before --augment existed
    assert can_resume(old, {"epochs": 80, "timeline_epochs": [0, 80], "lr": 1e-3, "augment": "crop-flip"})
    assert not can_resume(old, {"epochs": 80, "timeline_epochs": [0, 80], "lr": 1e-3, "augment": "autoaugment"})
    assert can_resume(old, {"epochs": 150, "timeline_epochs": [0, 80, 150], "lr": 1e-3, "augment": "autoaugment"})
    assert not can_resume(old, {"epochs": 150, "timeline_epochs": [0, 80, 150], "lr": 2e-3, "augment": "autoaugment"})


@pytest.mark.parametrize("distilled", [False, True], ids=["plain", "distilled"])
def test_sigterm_mid_run_saves_and_the_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path, distilled):
    data = make_tarball(tmp_path / "data.tar.gz", per_class=40)  # 360 to train on: 11 steps an epoch
    def args(run: str) -> list[str]:
        plain = train_args(data, tmp_path / run, 2)
        if not distilled:
            return plain
        # a teacher, the reference widths and a committed-style run folder instead of .cache/train; no --out: a
        # model not of the embedded architecture goes to the run folder, never to assets/
        out = plain.index("--out")
        return plain[:out] + plain[out + 2 :] + ["--teacher", str(tmp_path / "teacher.safetensors"),
                                                 "--architecture", "reference", "--resume", str(tmp_path / run / "run")]

    if distilled:
        save_file(Teacher().state_dict(), tmp_path / "teacher.safetensors")
    straight = subprocess.run(args("a"), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert straight.returncode == 0, straight.stderr

    proc = subprocess.Popen(args("b"), cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        if "epoch 1/2" in line:  # the second (last) epoch is starting: interrupt it
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    assert "saved" in rest and "run again to resume" in rest
    resumed = subprocess.run(args("b"), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0 and "resuming" in resumed.stderr, resumed.stderr
    out = {run: tmp_path / run / ("run/model" if distilled else "out") for run in ("a", "b")}
    a, b = load_file(out["a"] / "embedded.safetensors"), load_file(out["b"] / "embedded.safetensors")
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)
    if distilled:
        assert (tmp_path / "b" / "run" / "last.pt").exists() and not (tmp_path / "b" / "cache" / "train").exists()
        card = json.loads((out["b"] / "embedded.json").read_text())
        assert card["parameters"] == 991_626 and card["architecture"]["mlp_ratio"] == [0.5, 4.0]
        assert card["recipe"]["teacher"].startswith("sha256:") and "Hinton" in card["recipe"]["distillation"]


def test_soft_distillation_is_hintons_kl_at_a_temperature():
    student = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]])
    teacher = torch.tensor([[0.0, 3.0, 0.0], [1.0, 0.0, 0.0]])
    label_loss, T, alpha = torch.tensor(1.25), 4.0, 0.9
    kl = 0.0
    for s_row, t_row in zip(student.tolist(), teacher.tolist()):
        p = [math.exp(v / T) / sum(math.exp(w / T) for w in t_row) for v in t_row]  # the teacher's soft targets
        q = [math.exp(v / T) / sum(math.exp(w / T) for w in s_row) for v in s_row]
        kl += sum(pi * math.log(pi / qi) for pi, qi in zip(p, q)) / len(student)
    expected = (1 - alpha) * 1.25 + alpha * T * T * kl
    soft = distillation_loss(label_loss, student, teacher, "soft", T, alpha)
    assert math.isclose(soft.item(), expected, rel_tol=1e-5)
    # DeiT's hard label: the teacher's top classes are 1 and 0
    top_class = -(math.log(1 / (math.exp(2.0) + 1 + math.exp(-1.0)))  # row 0: the teacher's class 1
                  + math.log(math.exp(0.5) / (2 * math.exp(0.5) + 1))) / 2  # row 1: its class 0
    hard = distillation_loss(label_loss, student, teacher, "hard", T, alpha)
    assert math.isclose(hard.item(), 0.5 * 1.25 + 0.5 * top_class, rel_tol=1e-5)


def test_a_corrupt_checkpoint_is_reported_not_ignored(tiny_cifar, tmp_path):
    checkpoint = tmp_path / "cache" / "train" / "last.pt"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"this is not a checkpoint")
    result = train(tiny_cifar, tmp_path, epochs=1)
    assert result.returncode != 0 and "corrupt or unreadable" in result.stderr
    assert checkpoint.read_bytes() == b"this is not a checkpoint"  # left for a person to look at


def test_hard_distillation_its_temperature_and_alpha_and_a_limited_run(tiny_cifar, tmp_path, caplog):
    """--distill hard --kd-temperature --kd-alpha recorded as asked, --limit N trains on N images (its checkpoint
    named for it): a run in this process, 1 epoch of 40 images."""
    import logging

    from explorer.train.cli import main
    from explorer.train.config import DISTILLATIONS
    from explorer.train.data import load_cifar_tar

    caplog.set_level(logging.INFO)
    teacher = two_teachers(tmp_path)[0]
    main(train_args(tiny_cifar, tmp_path, 1, "crop-flip")[3:] + [
        "--limit", "40", "--teacher", str(teacher), "--distill", "hard", "--kd-temperature", "2.5", "--kd-alpha",
        "0.3", "--resume", str(tmp_path / "run")])
    card = json.loads((tmp_path / "out" / "embedded.json").read_text())
    recipe = card["recipe"]
    assert (recipe["distill"], recipe["kd_temperature"], recipe["kd_alpha"]) == ("hard", 2.5, 0.3)
    assert recipe["distillation"] == DISTILLATIONS["hard"]
    assert "distilling (hard, T 2.5, alpha 0.3)" in caplog.text
    assert (tmp_path / "run" / "last-limit40.pt").exists() and not (tmp_path / "run" / "last.pt").exists()
    _, labels, _, _ = load_cifar_tar(tiny_cifar, tmp_path / "cache", limit=40)
    checkpoint = torch.load(tmp_path / "run" / "last-limit40.pt", weights_only=False)
    # 40 images, about 4 per class: one of each class held out (a tenth of 4 rounds to none, and one is the least)
    assert len(labels) == 40 and card["val_images"] == len(set(labels.tolist()))
    assert checkpoint["state"]["epoch"] == 1 and checkpoint["config"]["distill"] == "hard"
