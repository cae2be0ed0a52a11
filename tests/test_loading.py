import json
import socket
import threading
import time

import pytest
import timm
import torch
from safetensors.torch import save_file

from conftest import run_python, write_hf_cache
from explorer.errors import CheckpointError, ModelError, WeightsUnavailable
from explorer.model.loading import build_embedded, load_model, read_state_dict, resolve_device

TAG = "mixer_b16_224.goog_in21k_ft_in1k"


def test_pretrained_weights_load_offline_from_the_hf_cache(tmp_path):
    model = timm.create_model(TAG, pretrained=False)
    state = {k: v.half() for k, v in model.state_dict().items()}  # half the bytes; timm casts on load
    write_hf_cache(tmp_path, f"timm/{TAG}", state)
    code = f"""
import json, time, torch, timm
from safetensors.torch import load_file
from explorer.model.loading import load_model
ref = load_file({str(next(tmp_path.rglob('model.safetensors')))!r})
plain = timm.create_model({TAG!r}, pretrained=True)  # timm's own Hub path, with HF_HUB_OFFLINE=1
start = time.monotonic()
loaded = load_model({TAG!r})
print(json.dumps(dict(
    plain=torch.equal(plain.head.weight, ref["head.weight"].float()),
    ours=torch.equal(loaded.model.head.weight, ref["head.weight"].float()),
    name=loaded.name, source=loaded.source, fallback=loaded.fallback_reason, labels=len(loaded.class_names),
    seconds=time.monotonic() - start)))
"""
    result = run_python(code, env={"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["plain"] and out["ours"]
    assert out["name"] == TAG and "cache" in out["source"] and not out["fallback"]
    assert out["labels"] == 1000


def test_offline_without_cache_falls_back_to_embedded_and_says_why(tmp_path):
    code = f"""
import json
from explorer.model.loading import load_model
loaded = load_model({TAG!r})
print(json.dumps(dict(name=loaded.name, status=loaded.status())))
"""
    result = run_python(code, env={"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path)})
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["name"] == "embedded"
    assert (TAG in out["status"] and "HF_HUB_OFFLINE" in out["status"]
            and "not in the local Hugging Face cache" in out["status"])


def test_a_hub_that_never_answers_is_given_up_on_within_5_seconds(tmp_path):
    """huggingface_hub alone retries a silent server for ~48 s; the loader asks once, with its own short timeout,
    and decides. Counted: one connection. Timed where the wait happens: the silent server notes how long the
    loader's connection stayed open before the loader hung up (its own timeout, not the process's end)."""
    # A server on loopback that accepts connections and never replies: the worst case for a client.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted, held_open, done = [], [], threading.Event()

    def accept():
        while not done.is_set():
            try:
                connection = server.accept()[0]  # kept open, never answered
            except OSError:
                continue
            accepted.append(connection)
            opened = time.monotonic()
            connection.settimeout(60)
            try:
                while connection.recv(4096):  # the request, then nothing until the loader hangs up
                    pass
            except OSError:
                pass
            held_open.append(time.monotonic() - opened)

    listener = threading.Thread(target=accept)
    listener.start()
    try:
        code = f"""
import json
from explorer.model.loading import HUB_TIMEOUT_S, load_model
loaded = load_model({TAG!r})
print(json.dumps(dict(name=loaded.name, reason=loaded.fallback_reason, timeout=HUB_TIMEOUT_S)))
"""
        env = {"HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HUB_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "0"}
        result = run_python(code, env=env)
    finally:
        done.set()
        listener.join()
        for connection in accepted:
            connection.close()
        server.close()
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["name"] == "embedded" and "cannot be reached" in out["reason"] and "timed out" in out["reason"]
    assert len(accepted) == 1  # asked once: no retries, no download attempt after the probe gave up
    # it waited its timeout, then gave up: within 5 s. (The listener notes the connection when its thread next runs,
    # never before the loader connected: on a loaded machine it sees a little less than the loader waited.)
    assert out["timeout"] - 0.5 <= held_open[0] < 5, held_open


def test_a_corrupt_file_in_the_hf_cache_is_named_and_falls_back(tmp_path):
    path = write_hf_cache(tmp_path, f"timm/{TAG}", {"x": torch.zeros(1)})
    path.write_bytes(b"\x00" * 64)
    code = f"""
import json
from explorer.model.loading import load_model
print(json.dumps(load_model({TAG!r}).fallback_reason))
"""
    result = run_python(code, env={"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path)})
    reason = json.loads(result.stdout.strip().splitlines()[-1])
    assert "could not be loaded" in reason and "model.safetensors" in reason


def test_no_fallback_raises_when_asked():
    with pytest.raises(WeightsUnavailable, match="no pretrained weights"):
        load_model("mixer_s16_224", "pretrained", fallback=False)


def trained_like_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(123)
    model = build_embedded()
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.05)
    return model.state_dict()


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_checkpoint_files_load(tmp_path, suffix):
    state = trained_like_state()
    path = tmp_path / f"mine{suffix}"
    if suffix == ".safetensors":
        save_file(state, str(path))
    else:
        torch.save({"state_dict": state, "epoch": 3}, path)
    loaded = load_model(checkpoint=path)
    assert loaded.weights == "checkpoint" and loaded.name == "embedded"
    assert torch.equal(loaded.model.head.weight, state["head.weight"])


def test_checkpoint_sniffs_safetensors_whatever_its_name(tmp_path):
    path = tmp_path / "weights.bin"
    save_file(trained_like_state(), str(path))
    assert "head.weight" in read_state_dict(path)


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_that_runs_code_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"head.weight": RunsCode(str(marker))}, path)
    with pytest.raises(CheckpointError, match="refused to load evil.pt: it is a pickle that would call"):
        load_model(checkpoint=path)
    assert not marker.exists()


def test_a_checkpoint_for_another_architecture_is_explained(tmp_path):
    path = tmp_path / "other.safetensors"
    save_file(timm.create_model("mixer_s32_224", num_classes=10, img_size=64).state_dict(), str(path))
    with pytest.raises(CheckpointError, match="does not fit the architecture.*wrong shape"):
        load_model(checkpoint=path)


def test_a_truncated_safetensors_file_is_explained(tmp_path):
    path = tmp_path / "cut.safetensors"
    save_file(trained_like_state(), str(path))
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_model(checkpoint=path)


def test_unknown_names_and_weights_are_explained():
    with pytest.raises(ModelError, match="unknown model 'mixer_xxl'"):
        load_model("mixer_xxl")
    with pytest.raises(ModelError, match="weights must be one of"):
        load_model("embedded", "imagenet")


def test_random_weights_are_reproducible_and_models_are_cached():
    a = load_model("mixer_s32_224", "random")
    assert load_model("mixer_s32_224", "random") is a
    from explorer.model import loading

    loading._cache.clear()
    b = load_model("mixer_s32_224", "random")
    assert b is not a and torch.equal(a.model.blocks[0].mlp_tokens.fc1.weight, b.model.blocks[0].mlp_tokens.fc1.weight)
    assert "untrained" in b.label_set


def test_embedded_pretrained_uses_the_shipped_weights():
    loaded = load_model("embedded")
    assert loaded.source == "assets/embedded.safetensors" and loaded.data_config["input_size"] == (3, 32, 32)
    assert loaded.data_config["crop_pct"] == 1.0 and loaded.device == resolve_device(None)


def test_devices():
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(ModelError, match="unknown device"):
        resolve_device("gpu-please")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_a_safetensors_file_with_wrong_dtypes_is_explained(tmp_path):
    path = tmp_path / "ints.safetensors"
    save_file({k: v.to(torch.int64) for k, v in trained_like_state().items()}, str(path))
    with pytest.raises(CheckpointError, match="not floating point"):
        load_model(checkpoint=path)


def test_the_embedded_model_is_built_as_its_card_records(tmp_path, monkeypatch):
    """Weights of other widths ship with their card alone: the loader builds what the trainer recorded."""
    from explorer.model import embedded

    shipped = embedded.read_card()
    assert embedded.architecture() == embedded.architecture(shipped)
    assert len(build_embedded().blocks) == shipped["architecture"]["num_blocks"]
    other = {**shipped, "architecture": {**shipped["architecture"], "num_blocks": 3, "mlp_ratio": [0.25, 2.0]}}
    (tmp_path / "embedded.json").write_text(json.dumps(other))
    monkeypatch.setattr(embedded, "CARD_PATH", tmp_path / "embedded.json")
    model = build_embedded()
    assert len(model.blocks) == 3
    assert (model.blocks[0].mlp_tokens.fc1.out_features, model.blocks[0].mlp_channels.fc1.out_features) == (32, 256)
    assert model.pretrained_cfg["label_names"] == shipped["class_names"]
    monkeypatch.setattr(embedded, "CARD_PATH", tmp_path / "none.json")
    assert embedded.architecture() == embedded.ARCHITECTURE
