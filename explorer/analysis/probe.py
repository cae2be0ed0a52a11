"""The paper's few-shot linear probe: frozen pre-logits, a closed-form ridge regression onto ±1 targets.

The MLP-Mixer paper (like BiT and ViT before it) scores frozen features by an ℓ2-regularised least-squares fit
from the pre-logits (after the last norm and the global average pool) to ±1 one-hot labels. Here the features are
standardised on the training images, a bias is fitted unregularised, and the regularisation is the one whose
leave-one-out accuracy on the training images is best (ties: the smaller leave-one-out squared error), read off
the closed-form leave-one-out residuals, so no image is ever fitted twice. Everything is deterministic.

    features = pre_logits(loaded, images)                    # (N, D)
    probe = fit_probe(features, labels, num_classes)         # RidgeProbe
    probe.predict(pre_logits(loaded, test_images))           # (M,) class indices
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from explorer.images import ImageSource, load_image
from explorer.model.inference import to_batch
from explorer.model.loading import LoadedModel

# Regularisation strengths tried, as multiples of the mean eigenvalue of the training images' Gram matrix (so
# the grid means the same whatever the feature width or scale).
RELATIVE_STRENGTHS = tuple(10.0**k for k in np.arange(-4.0, 2.01, 0.5))


@torch.inference_mode()
def pre_logits(loaded: LoadedModel, images: Sequence[ImageSource], batch_size: int = 64) -> np.ndarray:
    """(N, D) float64: each image's features as the head sees them (timm's `forward_head(pre_logits=True)`)."""
    rows = []
    for start in range(0, len(images), batch_size):
        batch = to_batch(loaded, [load_image(image) for image in images[start:start + batch_size]])
        with loaded.autocast():
            tokens = loaded.model.forward_features(batch)
            rows.append(loaded.model.forward_head(tokens, pre_logits=True).float().cpu())
    return torch.cat(rows).double().numpy() if rows else np.zeros((0, 0))


@dataclass(frozen=True)
class RidgeProbe:
    mean: np.ndarray  # (D,) the training features' mean
    scale: np.ndarray  # (D,) their standard deviation (1 where a feature is constant)
    weights: np.ndarray  # (D, K)
    bias: np.ndarray  # (K,)
    regularisation: float  # the ridge strength chosen, on the standardised features
    loo_accuracy: float  # leave-one-out accuracy of the training images at that strength
    loo_predicted: np.ndarray | None = None  # (N,) each training image's class when it was left out

    def scores(self, features: np.ndarray) -> np.ndarray:
        """(M, D) -> (M, K) regression outputs (≈ +1 for the class, −1 for the others)."""
        return ((features - self.mean) / self.scale) @ self.weights + self.bias

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(M, D) -> (M,) class indices."""
        return self.scores(features).argmax(axis=1)


def signed_one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """(N,) class indices -> (N, K) targets: +1 for the class, −1 elsewhere."""
    targets = -np.ones((len(labels), num_classes))
    targets[np.arange(len(labels)), labels] = 1.0
    return targets


def fit_probe(features: np.ndarray, labels: np.ndarray, num_classes: int) -> RidgeProbe:
    """Ridge regression from standardised (N, D) features to ±1 targets, its strength picked by leave-one-out.

    With centred features X and targets Y, the fit for strength λ is W = Xᵀ(XXᵀ + λI)⁻¹Y, and with the Gram
    matrix's eigendecomposition XXᵀ = U diag(s) Uᵀ the hat matrix is H = 1/N + U diag(s/(s+λ)) Uᵀ (the 1/N is the
    bias), so each image's leave-one-out output is (ŷᵢ − Hᵢᵢ yᵢ)/(1 − Hᵢᵢ): one decomposition serves every λ.
    """
    labels = np.asarray(labels)
    n = len(labels)
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    x = (features - mean) / scale
    targets = signed_one_hot(labels, num_classes)
    bias = targets.mean(axis=0)
    y = targets - bias
    eigenvalues, eigenvectors = np.linalg.eigh(x @ x.T)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    projected = eigenvectors.T @ y  # (N, K)
    best = None
    for relative in RELATIVE_STRENGTHS:
        strength = relative * max(eigenvalues.mean(), 1e-12)
        shrink = eigenvalues / (eigenvalues + strength)
        fitted = eigenvectors @ (shrink[:, None] * projected) + bias  # (N, K) outputs on the training images
        leverage = 1.0 / n + (eigenvectors**2) @ shrink  # (N,) the hat matrix's diagonal
        held_out = (fitted - leverage[:, None] * targets) / np.clip(1.0 - leverage, 1e-9, None)[:, None]
        accuracy = float((held_out.argmax(axis=1) == labels).mean())
        error = float(((held_out - targets) ** 2).mean())
        if best is None or (accuracy, -error) > (best[0], -best[1]):
            best = (accuracy, error, strength, held_out.argmax(axis=1))
    accuracy, _, strength, loo_predicted = best
    dual = eigenvectors @ (projected / (eigenvalues + strength)[:, None])  # (XXᵀ + λI)⁻¹ Y
    return RidgeProbe(mean, scale, x.T @ dual, bias, float(strength), accuracy, loo_predicted)


def leading_directions(probe: RidgeProbe, features: np.ndarray) -> tuple[np.ndarray, int]:
    """(D, 2) orthonormal directions of the standardised feature space to lay the training images out in, and
    how many of them are the probe's own: the leading left singular vectors of its weights (D, K), the directions
    its scores change fastest along. A two-class probe has only one (its two ±1 targets mirror each other), so the
    second axis is then the training images' leading variation across the first. Signs are fixed (each
    direction's largest entry positive), so the same images always give the same picture."""
    u, s, _ = np.linalg.svd(probe.weights, full_matrices=False)
    own = int((s > 1e-9 * s.max()).sum()) if s.size and s.max() > 0 else 0
    basis = u[:, :min(own, 2)]
    if basis.shape[1] < 2:
        x = (features - probe.mean) / probe.scale
        x = x - x.mean(axis=0)
        x = x - (x @ basis) @ basis.T
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        basis = np.hstack([basis, vt[: 2 - basis.shape[1]].T])  # N >= 2 images: vt has rows enough
    signs = np.sign(basis[np.abs(basis).argmax(axis=0), np.arange(basis.shape[1])])
    return basis * np.where(signs == 0, 1.0, signs), min(own, 2)


def layout(probe: RidgeProbe, features: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """(M, D) features -> (M, 2): where each image lies along the two directions (standardised as the probe's)."""
    return ((features - probe.mean) / probe.scale) @ directions


@dataclass(frozen=True)
class ProbeReport:
    classes: list[str]
    shots: list[int]  # training images per class, in `classes` order
    test_images: int
    accuracy: float
    per_class: dict[str, float]
    confusion: list[list[int]]  # rows: the true class, columns: the predicted one, in `classes` order
    regularisation: float
    loo_accuracy: float


def evaluate_probe(loaded: LoadedModel, train: dict[str, Sequence[ImageSource]],
                   test: dict[str, Sequence[ImageSource]]) -> ProbeReport:
    """Fit the probe on `train` (class name -> images) and score it on `test` (the same class names)."""
    classes = sorted(train)
    features = pre_logits(loaded, [image for name in classes for image in train[name]])
    labels = np.repeat(np.arange(len(classes)), [len(train[name]) for name in classes])
    probe = fit_probe(features, labels, len(classes))
    test_features = pre_logits(loaded, [image for name in classes for image in test[name]])
    truth = np.repeat(np.arange(len(classes)), [len(test[name]) for name in classes])
    predicted = probe.predict(test_features) if len(truth) else np.zeros(0, dtype=int)
    confusion = np.zeros((len(classes), len(classes)), dtype=int)
    np.add.at(confusion, (truth, predicted), 1)
    per_class = {name: float(confusion[i, i] / max(confusion[i].sum(), 1)) for i, name in enumerate(classes)}
    return ProbeReport(
        classes=classes,
        shots=[len(train[name]) for name in classes],
        test_images=int(len(truth)),
        accuracy=float(np.trace(confusion) / max(len(truth), 1)),
        per_class=per_class,
        confusion=confusion.tolist(),
        regularisation=probe.regularisation,
        loo_accuracy=probe.loo_accuracy,
    )
