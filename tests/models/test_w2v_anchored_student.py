"""The anchored Wav2Vec2 student of tools/w2v_cross_source.py (--anchored; an experiment, EXPERIMENTS.md session
16): its class logits start exactly at the YAMNet head's zero-shot prior of its own AudioSet logits, and the
AudioSet layer it shares with the distiller is trained once per step, not twice."""
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models" / "tools"))
import w2v_cross_source as tool  # noqa: E402
from cryscope_models import yamnet_head as yh  # noqa: E402
from cryscope_models.wav2vec2_model import TINY, Distiller, build_model, make_config, pooled  # noqa: E402
from cryscope_models.wav2vec2_train import finetune  # noqa: E402


def _anchored(scale=1.0, dtype=torch.float32):
    """The tests that compare two forwards run in float64 and eval mode: in train mode dropout and SpecAugment draw
    new masks on every forward, and large AudioSet weights put ~1e-5 of float32 rounding on a logit."""
    torch.manual_seed(0)
    model = build_model(config=make_config(**TINY))
    dist = tool.anchor_student(model, Distiller(model.config.hidden_size), scale)
    return model.to(dtype), dist.to(dtype)


def test_logits_start_at_the_zero_shot_prior_of_its_own_audioset_logits():
    model, dist = _anchored(dtype=torch.float64)
    model.eval()
    with torch.no_grad():
        torch.nn.init.normal_(model.classifier.audioset.weight, std=5.0)  # ~1 in 6 AudioSet logits past the clip
        x = torch.randn(4, 16000, dtype=torch.float64) * 0.1
        h, logits = pooled(model, x)
        as_logits = dist(h)[1].numpy()
        # the HF forward (what the ONNX export runs) gives the same logits as pooled()
        np.testing.assert_allclose(model(x).logits.numpy(), logits.numpy(), rtol=1e-5, atol=1e-5)
    want = yh.zero_shot_prior(np.clip(as_logits, -yh.LOGIT_CLIP, yh.LOGIT_CLIP))
    assert np.abs(as_logits).max() > yh.LOGIT_CLIP  # the clip is exercised ...
    assert (np.abs(want) < yh.LOGIT_CLIP - 1).any()  # ... and the prior is not saturated everywhere
    np.testing.assert_allclose(logits.numpy(), want, rtol=1e-5, atol=1e-5)


def test_the_shared_audioset_layer_is_one_parameter_stepped_once():
    model, dist = _anchored()
    ids = [id(p) for p in list(model.parameters()) + list(dist.parameters())]
    assert len(ids) == len(set(ids))  # finetune() lists model + distiller parameters: no duplicates
    assert model.classifier.audioset.weight is dist._head[0].audioset.weight
    before = model.classifier.audioset.weight.detach().clone()
    rng = np.random.default_rng(0)
    crops = {"x": rng.standard_normal((6, 32000)).astype(np.float32) * 0.1, "y": np.arange(6) % 3}
    tgt = {"emb": rng.random((6, 1024), np.float32), "scores": rng.random((6, 521), np.float32)}
    val = {"windows": [crops["x"][i, :16000] for i in range(3)], "owner": np.arange(3), "y": np.arange(3)}
    finetune(model, crops, tgt, val, epochs=1, bs=3, dist=dist, log=lambda _: None)
    assert not torch.equal(before, model.classifier.audioset.weight)  # the distillation and label losses reach it


def test_scale_zero_is_the_prior_alone():
    model, dist = _anchored(scale=0.0, dtype=torch.float64)
    model.eval()
    with torch.no_grad():
        torch.nn.init.normal_(model.classifier.residual.weight, std=1.0)
        h, logits = pooled(model, torch.randn(2, 16000, dtype=torch.float64) * 0.1)
        want = yh.zero_shot_prior(np.clip(dist(h)[1].numpy(), -yh.LOGIT_CLIP, yh.LOGIT_CLIP))
    np.testing.assert_allclose(logits.numpy(), want, rtol=1e-5, atol=1e-5)
