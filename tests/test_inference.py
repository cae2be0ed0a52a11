import numpy as np
import pytest
import torch

from conftest import EXAMPLES
from explorer import Prediction, load_model, predict, predict_many
from explorer.inference import probabilities, to_batch, top_predictions


def test_predictions_are_sorted_and_sum_to_at_most_one(photo):
    preds = predict(photo, "embedded", top_k=10)
    assert len(preds) == 10 and all(isinstance(p, Prediction) for p in preds)
    probs = [p.probability for p in preds]
    assert probs == sorted(probs, reverse=True) and abs(sum(probs) - 1) < 1e-4
    assert sorted(p.index for p in preds) == list(range(10))


def test_batched_equals_one_by_one(random_rgb, photo):
    loaded = load_model("embedded")
    together = predict_many([photo, random_rgb], loaded, top_k=3)
    assert together == [predict(photo, loaded, top_k=3), predict(random_rgb, loaded, top_k=3)]


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
