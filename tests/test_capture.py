import numpy as np
import pytest
import torch

from conftest import FAMILY_MODELS, tiny_model
from explorer.analysis.activations import activation_norms, channel_maps, strongest_channels, update_norms
from explorer.analysis.capture import capture, input_times_gradient
from explorer.analysis.evidence import head_per_patch
from explorer.analysis.logit_lens import lens_probabilities, lens_view


@pytest.fixture(params=FAMILY_MODELS)
def model_and_capture(request):
    model = tiny_model(request.param)
    x = torch.randn(3, 64, 64, generator=torch.Generator().manual_seed(1))
    return model, x, capture(model, x)


def test_capture_matches_the_plain_forward(model_and_capture):
    model, x, cap = model_and_capture
    with torch.inference_mode():
        assert torch.allclose(cap.logits, model(x[None])[0], atol=1e-5)
    assert cap.blocks.shape == (len(model.blocks), 16, model.num_features)


def test_evidence_mean_is_the_logit(model_and_capture):
    model, _, cap = model_and_capture
    assert torch.allclose(head_per_patch(model, cap).mean(0), cap.logits, atol=1e-5)


def test_last_lens_is_the_models_output(model_and_capture):
    model, _, cap = model_and_capture
    probs = lens_probabilities(model, cap)
    assert torch.allclose(probs[-1], cap.logits.softmax(-1), atol=1e-6)
    lens = lens_view(probs.numpy(), tuple(f"c{i}" for i in range(7)), int(cap.logits.argmax()))
    assert len(lens.top_index) == len(model.blocks) and lens.top_index[-1] == int(cap.logits.argmax())


def test_updates_add_up_to_the_block_output(model_and_capture):
    """Each block's two updates, recomputed from timm's own sub-modules (MixerBlock, ResBlock, gMLP's one update),
    add up to the block's output, and update_norms reports their sizes relative to the stream they were added to."""
    model, x, cap = model_and_capture
    rel = update_norms(cap)
    with torch.inference_mode():
        stream = model.stem(x[None])  # (1, S, C)
        for b, block in enumerate(model.blocks):
            if hasattr(block, "mlp_tokens"):  # MLP-Mixer, gMixer
                token = block.mlp_tokens(block.norm1(stream).transpose(1, 2)).transpose(1, 2)
                channel = block.mlp_channels(block.norm2(stream + token))
            elif hasattr(block, "linear_tokens"):  # ResMLP: each update scaled by its layer scale
                token = block.ls1 * block.linear_tokens(block.norm1(stream).transpose(1, 2)).transpose(1, 2)
                channel = block.ls2 * block.mlp_channels(block.norm2(stream + token))
            else:  # gMLP: one update, its token mixing inside the channel MLP's gate
                token, channel = torch.zeros_like(stream), block.mlp_channels(block.norm(stream))
            out = stream + token + channel
            torch.testing.assert_close(cap.blocks[b], out[0], rtol=1e-4, atol=1e-5)  # they add up to the output
            if cap.token_updates is None:
                assert np.isnan(rel["token_mixing"][b])
            else:
                torch.testing.assert_close(cap.token_updates[b], token[0], rtol=1e-4, atol=1e-5)
                assert rel["token_mixing"][b] == pytest.approx(float(token.norm() / stream.norm()), rel=1e-4)
            assert rel["channel_mixing"][b] == pytest.approx(float(channel.norm() / (stream + token).norm()), rel=1e-4)
            stream = out


def test_maps_and_top_channels(model_and_capture):
    model, _, cap = model_and_capture
    norms = activation_norms(cap)
    assert norms.shape == (len(model.blocks), 4, 4)
    assert norms[0, 0, 1] == pytest.approx(float(cap.blocks[0, 1].norm()), rel=1e-5)
    assert channel_maps(cap, 3)[1, 1, 0] == pytest.approx(float(cap.blocks[1, 4, 3]))
    top = strongest_channels(cap, 1, 5, k=4)
    assert len(top) == 4 and abs(top[0][1]) >= abs(top[-1][1])
    assert abs(top[0][1]) == pytest.approx(float(cap.blocks[1, 5].abs().max()))


def test_saliency_is_input_times_gradient(model_and_capture):
    model, x, cap = model_and_capture
    top = int(cap.logits.argmax())
    xg = x[None].clone().requires_grad_(True)
    model(xg)[0, top].backward()
    assert torch.allclose(input_times_gradient(model, x, top), (xg * xg.grad)[0].sum(0), atol=1e-5)


def test_hooks_are_removed_even_when_the_forward_fails():
    model = tiny_model("mixer_s16_224")
    with pytest.raises(RuntimeError):
        capture(model, torch.randn(5, 64, 64))  # wrong number of colour channels
    assert all(not m._forward_hooks for m in model.modules())


def test_concurrent_forwards_on_the_shared_model_do_not_leak_into_a_capture():
    from concurrent.futures import ThreadPoolExecutor

    model = tiny_model("mixer_s16_224")
    x = torch.randn(3, 64, 64)
    alone = capture(model, x)
    with ThreadPoolExecutor(4) as pool:
        # other images, other values
        plain = [pool.submit(lambda: model(torch.randn(2, 3, 64, 64) * 10)) for _ in range(8)]
        caps = [pool.submit(capture, model, x) for _ in range(8)]
        for f in plain:
            f.result()
        for f in caps:  # each capture holds its own image's tensors only, exactly as when it ran alone
            got = f.result()
            assert got.token_updates.shape == (len(model.blocks), 16, model.num_features)
            for name in ("stem", "blocks", "token_updates", "logits"):
                torch.testing.assert_close(getattr(got, name), getattr(alone, name), rtol=0, atol=1e-5, msg=name)


def test_hooks_see_only_the_forwards_of_their_own_thread_and_go_away():
    import threading

    from explorer.analysis.capture import thread_hooks

    layer, seen = torch.nn.Linear(2, 2), []
    with thread_hooks([(layer, "pre", lambda module, inputs: seen.append("pre")),
                       (layer, "forward", lambda module, inputs, output: seen.append("forward"))]):
        other = threading.Thread(target=lambda: layer(torch.zeros(1, 2)))  # another request on the shared model
        other.start()
        other.join()
        layer(torch.zeros(1, 2))
    layer(torch.zeros(1, 2))  # after the context: no hook left
    assert seen == ["pre", "forward"]
