import numpy as np
import pytest
import torch
from PIL import Image

from conftest import EXAMPLES
from explorer.analysis import evidence, shuffle
from explorer import Prediction, load_model, predict, predict_many
from explorer.model.inference import probabilities, to_batch, top_predictions


def test_predictions_are_sorted_and_sum_to_at_most_one(photo):
    preds = predict(photo, "embedded", top_k=10)
    assert len(preds) == 10 and all(isinstance(p, Prediction) for p in preds)
    probs = [p.probability for p in preds]
    assert probs == sorted(probs, reverse=True) and abs(sum(probs) - 1) < 1e-4
    assert sorted(p.index for p in preds) == list(range(10))


def test_batched_equals_one_by_one(random_rgb, photo):
    loaded = load_model("embedded")
    together = predict_many([photo, random_rgb], loaded, top_k=3)
    alone = [predict(photo, loaded, top_k=3), predict(random_rgb, loaded, top_k=3)]
    # the same classes in the same order; probabilities to float32 accuracy (batched kernels sum differently)
    assert [[p.index for p in ps] for ps in together] == [[p.index for p in ps] for ps in alone]
    assert np.allclose([[p.probability for p in ps] for ps in together], [[p.probability for p in ps] for ps in alone],
                       atol=1e-5)


def test_top_k_is_capped_by_the_number_of_classes(photo):
    assert len(predict(photo, "embedded", top_k=100)) == 10


def test_probabilities_match_the_model_output(photo):
    loaded = load_model("embedded")
    batch = to_batch(loaded, [photo])
    with torch.inference_mode():
        expected = loaded.model(batch).softmax(-1)
    assert torch.allclose(probabilities(loaded, batch), expected)
    assert batch.shape == (1, 3, 32, 32)


def test_top_predictions_names_the_classes():
    probs = torch.tensor([0.1, 0.7, 0.2])
    assert top_predictions(probs, ["a", "b", "c"], 2) == [Prediction("b", 1, 0.7), Prediction("c", 2, 0.2)]


@pytest.mark.parametrize("name", ["ship", "horse", "frog", "automobile"])
def test_the_embedded_model_recognises_cifar_examples(name):
    assert predict(EXAMPLES / f"cifar10-{name}.jpg", "embedded", top_k=1)[0].label == name


def test_reduced_precision_predictions_agree_with_float32_and_the_analysis_stays_float32():
    from explorer.analysis.analysis import Analysis
    from explorer.model.loading import native_bf16, resolve_device

    if not native_bf16(resolve_device(None)):
        pytest.skip("this hardware has no native bfloat16 (no AVX512-BF16/AMX CPU, no bf16 GPU): bf16 is refused here, "
                    "as test_bf16_is_refused_where_the_hardware_lacks_it checks")
    fp32 = load_model("embedded")
    images = sorted(EXAMPLES.glob("*.jpg"))
    bf16 = load_model("embedded", precision="bf16")
    assert bf16.model is fp32.model and bf16.precision == "bf16" and "bf16 predictions" in bf16.status()
    batch = to_batch(fp32, [Image.open(p).convert("RGB") for p in images])
    full, reduced = probabilities(fp32, batch), probabilities(bf16, batch)
    assert torch.equal(full.argmax(1), reduced.argmax(1)) and (full - reduced).abs().max() < 0.03
    assert not torch.equal(full, reduced)  # it really computed in bfloat16
    analysis = Analysis(bf16, images[0])  # the demos' equalities need float32 and still hold
    assert analysis.capture.logits.dtype == torch.float32 and shuffle.view(analysis).result.max_abs_logit_diff <= 1e-4
    assert evidence.view(analysis).patch_logits.mean() == pytest.approx(evidence.view(analysis).logit, abs=1e-5)


def test_bf16_is_refused_where_the_hardware_lacks_it(monkeypatch):
    """The refusal on any machine: the hardware check answers as on a CPU without AVX512-BF16 or AMX."""
    from explorer.errors import ModelError
    from explorer.model import loading

    monkeypatch.setattr(loading, "native_bf16", lambda device: False)
    with pytest.raises(ModelError,
                       match="this CPU has no native bfloat16 arithmetic, so bf16 would be slower than fp32; use fp32"):
        load_model("embedded", device="cpu", precision="bf16")


def test_unusable_precisions_are_refused_with_a_reason():
    from explorer.errors import ModelError

    with pytest.raises(ModelError, match="fp16 predictions need a CUDA GPU"):
        load_model("embedded", device="cpu", precision="fp16")
    with pytest.raises(ModelError, match="precision must be one of fp32, bf16, fp16"):
        load_model("embedded", precision="half")
    from explorer.cli import main

    assert main(["predict", str(EXAMPLES / "rocket.jpg"), "--model", "embedded", "--device", "cpu", "--precision",
                 "fp16", "--json"]) == 2
