"""Knowledge distillation for the Mixer: the teacher as used (one network or the mean of several, each optionally
also shown the mirrored batch), its identity (its weights' digests), which a resume point records, and the loss
that mixes the labels' loss with the teacher's logits."""
from __future__ import annotations

import hashlib
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from explorer.train.teacher import load_teacher, read_teacher_card


def teacher_digest(paths: list[Path], mirror: bool = False) -> str:
    """sha256 of each teacher's weights file, and whether it also sees the mirrored batch: another teacher is
    another run, wherever the files lie. One file without the mirror gives the digest of runs before ensembles."""
    digests = ["sha256:" + hashlib.sha256(path.read_bytes()).hexdigest() for path in paths]
    return "+".join(digests + (["mirror"] if mirror else []))


class TeacherEnsemble(nn.Module):
    """The mean of several teachers' logits; with `mirror`, each teacher's logits on a batch are the mean of its
    logits on the batch and on the batch mirrored left to right (test-time augmentation for the teacher)."""

    def __init__(self, teachers: list[nn.Module], mirror: bool):
        super().__init__()
        self.teachers, self.mirror = nn.ModuleList(teachers), mirror

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        views = (x, x.flip(-1)) if self.mirror else (x,)
        return torch.stack([teacher(view).float() for teacher in self.teachers for view in views]).mean(0)


def load_teachers(paths: list[Path], mirror: bool = False) -> nn.Module:
    """The teacher as the loss will ask it: the network itself for one file and no mirror, else an ensemble."""
    teachers = [load_teacher(path) for path in paths]
    return teachers[0] if len(teachers) == 1 and not mirror else TeacherEnsemble(teachers, mirror)


def teacher_summary(paths: list[Path], mirror: bool) -> dict:
    """What the model card says of the teacher: its network(s), parameters, epochs and held-out accuracy as each
    teacher's card (teacher.json beside its weights) gives them; lists for an ensemble."""
    cards = [read_teacher_card(path) for path in paths]
    keys = ("network", "parameters", "epochs", "val_accuracy")
    if len(cards) == 1 and not mirror:
        return {k: cards[0].get(k) for k in keys}
    return {**{k: [card.get(k) for card in cards] for k in keys}, "mirror": mirror}


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
