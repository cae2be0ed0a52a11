import math

import torch

from explorer.train.airbench import Teacher, init_whitening
from explorer.train.teacher import NETWORKS, TeacherConfig, build_teacher


def test_the_network_is_airbench94s():
    model = Teacher()
    assert sum(p.numel() for p in model.parameters()) == 1_972_792  # airbench94's 1.97M
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    conv = model.groups[1].conv1.weight  # (256, 64, 3, 3): its first 64 filters start as the identity
    assert torch.equal(conv[:64, :, 1, 1], torch.eye(64)) and conv[:64, :, 0].abs().sum() == 0


def test_the_bigger_network_is_airbench96s():
    model = build_teacher(TeacherConfig(**NETWORKS["airbench96"]))
    # airbench96's make_net (legacy/airbench96.py) has 9,918,776 parameters in these shapes, and with the same
    # weights gives the same logits (checked once against its code, which needs CUDA to run as written).
    assert sum(p.numel() for p in model.parameters()) == 9_918_776
    assert [tuple(p.shape) for p in model.groups[2].parameters()] == [(512, 384, 3, 3), (512,), (512,),
                                                                       (512, 512, 3, 3), (512,), (512,),
                                                                       (512, 512, 3, 3), (512,), (512,)]
    assert math.isclose(model.groups[0].norm1.momentum, 0.1)  # PyTorch's default, as airbench96 leaves it
    group, gelu = model.groups[1].eval(), torch.nn.functional.gelu
    x = torch.randn(2, 128, 8, 8)
    with torch.no_grad():
        group.conv3.weight.zero_()  # the third conv silenced (and its fresh BN maps 0 to 0): only the skip is left
        first = gelu(group.norm1(torch.nn.functional.max_pool2d(group.conv1(x), 2)))
        assert torch.allclose(group(x), gelu(first), atol=1e-6)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_whitening_decorrelates_the_patches():
    images = torch.randn(200, 3, 8, 8) @ torch.tensor([[1.0, 0.5] + [0.0] * 6] * 8)  # correlated columns
    conv = torch.nn.Conv2d(3, 24, kernel_size=2)
    init_whitening(conv, images, eps=0.0)
    out = torch.nn.functional.conv2d(images, conv.weight)[:, :12].permute(0, 2, 3, 1).reshape(-1, 12)  # (P, 12)
    assert torch.allclose(out.T @ out / len(out), torch.eye(12), atol=1e-2)
