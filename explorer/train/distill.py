"""Knowledge distillation for the Mixer: the loss that mixes the labels' loss with a teacher's logits, and the
teacher's identity (its weights' digest), which a resume point records."""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch
import torch.nn.functional as F


def teacher_digest(path: Path) -> str:
    """sha256 of the teacher's weights file: another teacher is another run, wherever the file lies."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def distillation_loss(label_loss: torch.Tensor, student: torch.Tensor, teacher: torch.Tensor, kind: str,
                      temperature: float, alpha: float) -> torch.Tensor:
    """The training loss with a teacher: label_loss () the student's loss on the (CutMix-mixed) labels; student,
    teacher (B, classes) logits on the same augmented batch.

    "soft" (Hinton et al. 2015): (1 - alpha) label_loss + alpha T^2 KL(softmax(teacher/T) || softmax(student/T)),
    the KL averaged over the batch; T^2 keeps its gradients' scale as T changes.
    "hard" (DeiT, Touvron et al. 2021): the mean of label_loss and the cross-entropy with the teacher's top class.
    """
    student, teacher = student.float(), teacher.float()
    if kind == "hard":
        return 0.5 * label_loss + 0.5 * F.cross_entropy(student, teacher.argmax(1))
    kl = F.kl_div(F.log_softmax(student / temperature, 1), F.log_softmax(teacher / temperature, 1),
                  reduction="batchmean", log_target=True)
    return (1 - alpha) * label_loss + alpha * temperature**2 * kl
