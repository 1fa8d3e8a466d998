"""The Wav2Vec2 code path with a tiny random config: train step, checkpoint round trip (the
path/hub-id route, offline), ONNX export with dynamic batch/time, int8 quantisation."""
import numpy as np
import onnx
import pytest
import torch

from cryscope_models.ort_util import session
from cryscope_models.wav2vec2_export import export, quantize_int8, torch_probs
from cryscope_models.wav2vec2_model import (TINY, build_model, count_params, macs_per_second, make_config,
                                            normalize_batch)
from cryscope_models.wav2vec2_train import distill, finetune


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return build_model(config=make_config(**TINY))


def _crops(n=8, t=32000):
    rng = np.random.default_rng(0)
    return {"x": rng.standard_normal((n, t)).astype(np.float32) * 0.1, "y": np.arange(n) % 3}


def test_distill_and_finetune_run_and_change_weights(tiny):
    crops = _crops()
    rng = np.random.default_rng(5)
    tgt = {"emb_win": rng.random((8, 3, 1024), np.float32), "scores_win": rng.random((8, 3, 521), np.float32)}
    tgt["emb"], tgt["scores"] = tgt["emb_win"].mean(1), tgt["scores_win"].mean(1)
    before = {k: v.clone() for k, v in tiny.state_dict().items()}
    curve, dist = distill(tiny, crops, tgt, epochs=1, bs=4, log=lambda *_: None)
    assert np.isfinite(curve[0]["distill_loss"])
    val = {"windows": normalize_batch(crops["x"]), "owner": np.arange(8), "y": crops["y"]}
    m, fcurve, best = finetune(tiny, crops, tgt, val, epochs=2, bs=4, dist=dist, short_epochs=1, log=lambda *_: None)
    assert [c["input_s"] for c in fcurve] == [1.0, 2.0]
    assert set(best) >= {"macro_f1", "accuracy", "confusion"}
    changed = [k for k, v in m.state_dict().items() if v.dtype.is_floating_point and not torch.equal(v, before[k])]
    assert changed


def test_checkpoint_path_round_trip(tiny, tmp_path):
    tiny.save_pretrained(tmp_path / "ckpt")
    m = build_model(str(tmp_path / "ckpt"))
    x = normalize_batch(np.random.default_rng(1).standard_normal((2, 16000)).astype(np.float32))
    assert np.abs(torch_probs(m, x) - torch_probs(tiny, x)).max() < 1e-6
    assert m.config.num_labels == 3 and m.config.id2label[1] == "scream"


def test_onnx_export_dynamic_and_parity(tiny, tmp_path):
    export(tiny, tmp_path / "w.onnx")
    quantize_int8(tmp_path / "w.onnx", tmp_path / "w8.onnx")
    g = onnx.load(str(tmp_path / "w.onnx"))
    assert [i.name for i in g.graph.input] == ["input_values"]
    assert [o.name for o in g.graph.output] == ["logits", "probs"]
    s, s8 = session(str(tmp_path / "w.onnx")), session(str(tmp_path / "w8.onnx"))
    for n, t in ((1, 16000), (3, 32000), (2, 47999)):
        x = normalize_batch(np.random.default_rng(t).standard_normal((n, t)).astype(np.float32))
        logits, probs = s.run(None, {"input_values": x})
        assert logits.shape == (n, 3) and probs.shape == (n, 3)
        assert np.abs(probs - torch_probs(tiny, x)).max() < 1e-3
        assert np.allclose(probs.sum(1), 1, atol=1e-5)
        p8 = s8.run(["probs"], {"input_values": x})[0]
        assert p8.shape == (n, 3) and np.all(np.isfinite(p8))
    # the caller's model still works after export (export must not mutate it)
    torch_probs(tiny, x)


def test_compact_config_is_small_enough_for_the_browser():
    cfg = make_config()
    m = build_model(config=cfg)
    assert count_params(m) < 5_000_000
    macs = macs_per_second(cfg)
    assert macs["frames"] == 49
    assert macs["total"] < 500e6  # well under real time for onnxruntime-web's WASM backend


def test_contrastive_pretraining_updates_the_encoder():
    from cryscope_models.wav2vec2_train import contrastive_pretrain
    torch.manual_seed(1)
    m = build_model(config=make_config(**TINY))
    before = {k: v.clone() for k, v in m.wav2vec2.state_dict().items()}
    waves = [np.random.default_rng(i).standard_normal(20000 + 3000 * i).astype(np.float32) for i in range(4)]
    curve = contrastive_pretrain(m, waves, epochs=1, bs=2, crop=16000, log=lambda *_: None)
    assert np.isfinite(curve[0]["contrastive_loss"])
    after = m.wav2vec2.state_dict()
    assert any(not torch.equal(after[k], before[k]) for k in before if before[k].dtype.is_floating_point)


def test_finetune_is_bit_reproducible_whatever_numpys_global_rng_holds():
    # transformers' Wav2Vec2 draws SpecAugment masks from np.random: training must seed it itself.
    def once(leftover_state: int) -> dict:
        np.random.seed(leftover_state)
        torch.manual_seed(0)
        m = build_model(config=make_config(**TINY))
        crops = _crops()
        val = {"windows": normalize_batch(crops["x"]), "owner": np.arange(8), "y": crops["y"]}
        m, _, _ = finetune(m, crops, None, val, epochs=2, bs=4, log=lambda *_: None)
        return {k: v.clone() for k, v in m.state_dict().items()}
    a, b = once(1), once(2)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_finetune_soft_targets_equal_the_labels_when_one_hot_and_steer_training_otherwise():
    # teacher targets (w2v_cross_source.py --teacher-mix): one-hot rows must train exactly like the
    # class-weighted cross-entropy on labels; other rows must change what is learnt.
    def trained(extra: dict) -> dict:
        torch.manual_seed(0)
        m = build_model(config=make_config(**TINY))
        crops = {**_crops(), **extra}
        val = {"windows": normalize_batch(crops["x"]), "owner": np.arange(8), "y": crops["y"]}
        m, _, _ = finetune(m, crops, None, val, epochs=2, bs=4, short_epochs=1, log=lambda *_: None)
        return {k: v.clone() for k, v in m.state_dict().items() if v.dtype.is_floating_point}
    y = _crops()["y"]
    one_hot = np.repeat(np.eye(3, dtype=np.float32)[y][:, None], 3, 1)
    hard, soft = trained({}), trained({"soft_win": one_hot})
    assert all(torch.allclose(hard[k], soft[k], atol=1e-5) for k in hard)
    other = np.full_like(one_hot, 1 / 3)
    moved = trained({"soft_win": other})
    assert any(not torch.allclose(hard[k], moved[k], atol=1e-4) for k in hard)
