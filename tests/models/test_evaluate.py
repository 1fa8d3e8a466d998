"""The evaluation path (the product's windowing + file rule) on real clips with small stand-in heads."""
import numpy as np
import torch

from cryscope_models import yamnet_onnx
from cryscope_models.evaluate import ensemble_windows, false_alarms_per_hour, model_file_probs, run_all, summaries
from cryscope_models.fusion import fit, wav2vec2_matters
from cryscope_models.ort_util import session
from cryscope_models.wav2vec2_export import export
from cryscope_models.wav2vec2_model import TINY, build_model, make_config


def test_run_all_pairs_windows_and_summarises(weights, sample_waves, tmp_path):
    torch.manual_seed(0)
    export(build_model(config=make_config(**TINY)), tmp_path / "w.onnx")
    ys = session(yamnet_onnx.build(weights, yamnet_onnx.identity_head()).SerializeToString())
    ws = session(str(tmp_path / "w.onnx"))
    waves = [sample_waves["cry"], sample_waves["scream"][:12000], sample_waves["normal"]]  # one < 1 s (the window)
    co = run_all(ys, {"wav2vec2_int8": ws}, waves, np.array([0, 1, 2]))
    assert set(np.unique(co.w2v["owner"])) == {0, 1, 2}
    assert np.sum(co.w2v["owner"] == 1) == 1                   # the short clip: one whole-clip window
    assert np.all(co.yam["owner"][co.pair] == co.w2v["owner"])  # fused pairs never cross files
    cfg, _ = fit(co.yam["probs"][co.pair], co.w2v["wav2vec2_int8"], co.y[co.w2v["owner"]], co.w2v["owner"], co.y)
    fps = model_file_probs(co, cfg)
    assert all(p.shape == (3, 3) and np.allclose(p.sum(1), 1, atol=1e-5) for p in fps.values())
    s = summaries(co, cfg)
    assert s["yamnet"]["n"] == 3 and "fusion_logistic" in s


def test_false_alarms_count_onsets_of_the_normal_stream():
    seq = np.array([0.1, 0.9, 0.9, 0.9, 0.5, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1])
    # EMA 0.5, min 1 s: one long episode; the late blip falls in its 2 s cooldown
    fa = false_alarms_per_hour(np.stack([seq, np.zeros_like(seq), 1 - seq], 1), np.zeros(len(seq), int),
                               np.array([3600.0]), {"cry": {"on": 0.6, "off": 0.4}, "scream": {"on": 0.6, "off": 0.4}})
    assert fa["cry"] == 1 and fa["scream"] == 0 and fa["per_hour"] == 1.0


def test_a_fusion_that_gives_wav2vec2_nothing_decides_on_yamnets_own_windows(weights, sample_waves, tmp_path):
    # as the package does (web/src/engine.ts wav2vec2Matters): not on YAMNet's windows re-sampled on Wav2Vec2's grid
    torch.manual_seed(0)
    export(build_model(config=make_config(**TINY)), tmp_path / "w.onnx")
    ys = session(yamnet_onnx.build(weights, yamnet_onnx.identity_head()).SerializeToString())
    ws = session(str(tmp_path / "w.onnx"))
    waves = [sample_waves["cry"], sample_waves["scream"], sample_waves["normal"]]
    co = run_all(ys, {"wav2vec2_int8": ws}, waves, np.array([0, 1, 2]))
    assert len(co.yam["owner"]) != len(co.w2v["owner"])       # the two grids differ, so the rule is visible
    cfg, _ = fit(co.yam["probs"][co.pair], co.w2v["wav2vec2_int8"], co.y[co.w2v["owner"]], co.w2v["owner"], co.y)
    cfg = dict(cfg, weights=[1.0, 0.0])
    fps = model_file_probs(co, cfg)
    for m in ("weighted_mean", "geometric_mean"):
        probs, owner = ensemble_windows(co, cfg, m)
        assert probs is co.yam["probs"] and owner is co.yam["owner"]
        np.testing.assert_array_equal(fps[f"fusion_{m}"], fps["yamnet"])
    for m in ("mean", "vote", "logistic"):                      # these still hear Wav2Vec2
        probs, owner = ensemble_windows(co, cfg, m)
        assert np.array_equal(owner, co.w2v["owner"]) and probs.shape == (len(co.w2v["owner"]), 3)
    # a Wav2Vec2 with any weight is fused in pairs
    probs, owner = ensemble_windows(co, dict(cfg, weights=[0.9, 0.1]), "weighted_mean")
    assert np.array_equal(owner, co.w2v["owner"])
    assert wav2vec2_matters(dict(cfg, weights=[0.0, 1.0]), "weighted_mean")
