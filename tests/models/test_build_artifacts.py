"""The real build in models/build (made by scripts/models-setup.sh) honours what the core and the package read (ONNX inputs/outputs, manifest, fusion JSON)."""
import csv
import hashlib
import json

import numpy as np
import onnx
import pytest

from cryscope_models import features, fusion
from cryscope_models.ort_util import session


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def manifest(build_dir):
    return json.loads((build_dir / "manifest.json").read_text())


def test_manifest_shape(manifest):
    assert manifest["name"] == "cryscope-models"
    assert manifest["labels"] == ["cry", "scream", "normal"]
    assert manifest["sample_rate"] == 16000
    y, w = manifest["models"]["yamnet"], manifest["models"]["wav2vec2"]
    assert y["input"] == {"name": "patches", "shape": [-1, 96, 64]}
    assert (y["window_samples"], y["hop_samples"]) == (15600, 4000)  # one decision every 0.25 s
    assert w["input"] == {"name": "input_values", "shape": [-1, -1]}
    assert (w["window_samples"], w["hop_samples"]) == (16000, 4000)
    assert w["file"] == "wav2vec2.int8.onnx" and w["fp32_file"] == "wav2vec2.onnx"
    assert y["file"] == "yamnet.int8.onnx" and y["fp32_file"] == "yamnet.onnx"
    assert manifest["audioset_labels_file"] == "yamnet_class_map.csv"
    for lab in ("cry", "scream"):
        t = manifest["thresholds"][lab]
        assert 0 < t["off"] < t["on"] < 1
    assert manifest["smoothing"]["method"] == "ema"
    assert set(manifest["events"]) == {"min_duration_s", "cooldown_s"}


def test_manifest_checksums_match_files(build_dir, manifest):
    y, w = manifest["models"]["yamnet"], manifest["models"]["wav2vec2"]
    for f, sha, n in ((y["file"], y["sha256"], y["bytes"]), (w["file"], w["sha256"], w["bytes"])):
        assert _sha(build_dir / f) == sha
        assert (build_dir / f).stat().st_size == n
    assert _sha(build_dir / w["fp32_file"]) == w["fp32_sha256"]
    assert _sha(build_dir / y["fp32_file"]) == y["fp32_sha256"]


def test_fusion_json_in_manifest_is_valid(manifest):
    fusion.validate_config(manifest["fusion"])


def test_class_map_has_521_labels(build_dir):
    with open(build_dir / "yamnet_class_map.csv") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 522 and rows[21][2] == "Baby cry, infant cry"


@pytest.mark.parametrize("name", ["yamnet.onnx", "yamnet.int8.onnx"])
def test_yamnet_onnx_contract_and_real_audio(build_dir, sample_waves, name):
    g = onnx.load(str(build_dir / name))
    assert [i.name for i in g.graph.input] == ["patches"]
    assert [o.name for o in g.graph.output] == ["scores", "embeddings", "probs"]
    s = session(str(build_dir / name))
    pats = features.yamnet_windows(sample_waves["cry"])
    scores, emb, probs = s.run(None, {"patches": pats})
    assert scores.shape == (len(pats), 521) and emb.shape == (len(pats), 1024) and probs.shape == (len(pats), 3)
    assert np.allclose(probs.sum(1), 1, atol=1e-5)


@pytest.mark.parametrize("name", ["wav2vec2.onnx", "wav2vec2.int8.onnx"])
def test_wav2vec2_onnx_contract_dynamic_time(build_dir, name, sample_waves):
    g = onnx.load(str(build_dir / name))
    assert [i.name for i in g.graph.input] == ["input_values"]
    assert [o.name for o in g.graph.output] == ["logits", "probs"]
    s = session(str(build_dir / name))
    w = sample_waves["scream"]
    for t in (16000, 32000, 48000):
        seg = np.pad(w, (0, max(0, t - len(w))))[:t]
        x = np.stack([features.normalize_wav2vec2(seg)] * 2)
        logits, probs = s.run(None, {"input_values": x})
        assert logits.shape == (2, 3) and np.allclose(probs.sum(1), 1, atol=1e-5)


def test_report_has_every_model_and_the_proofs(build_dir):
    m = json.loads((build_dir / "report" / "metrics.json").read_text())
    for split in ("validation", "test"):
        for k in ("yamnet_zero_shot", "yamnet", "yamnet_fp32", "wav2vec2_fp32", "wav2vec2_int8", "fusion_mean",
                  "fusion_weighted_mean", "fusion_geometric_mean", "fusion_vote", "fusion_logistic"):
            r = m[split][k]
            assert 0 <= r["macro_f1"] <= 1 and np.array(r["confusion"]).shape == (3, 3)
            assert set(r["per_class"]) == {"cry", "scream", "normal"}
    conv = m["yamnet_conversion"]
    assert conv["onnx_vs_numpy_float64"]["scores_max_abs"] < 1e-4
    assert conv["onnx_vs_numpy_float64"]["embeddings_max_abs"] < 1e-4
    assert conv["onnx_vs_tflite"]["top1_equal_all"]
    assert m["wav2vec2"]["onnx_parity"]["fp32_vs_torch_max_abs"] < 1e-3
    assert conv["int8_vs_fp32"]["scores"]["mean_abs"] < 0.01
    assert "## Goals vs measured" in (build_dir / "report" / "report.md").read_text()
    assert m["data"]["groups_across_splits"] == 0
    for png in ("confusion_test.png", "roc_test.png", "training_curves.png"):
        assert (build_dir / "report" / png).stat().st_size > 1000
    assert (build_dir / "report" / "report.md").stat().st_size > 1000


def test_head_and_event_settings_were_chosen_on_held_out_families(build_dir, manifest):
    m = json.loads((build_dir / "report" / "metrics.json").read_text())
    cs = m["yamnet_head"]["cross_source"]
    names = [r["candidate"] for r in cs["table"]]
    assert cs["chosen_name"] in names and "zero-shot (anchored, no residual)" in names
    # the chosen head is the best cross-source candidate (within the documented tie margin)
    best = max(r["macro_f1"] for r in cs["table"])
    chosen = next(r for r in cs["table"] if r["candidate"] == cs["chosen_name"])
    assert chosen["macro_f1"] >= best - cs["tie_margin"]
    # every train+val family was held out once, and the test split never took part
    assert cs["eligible_clips"] == sum(m["data"]["split_counts"][s][l] for s in ("train", "val")
                                       for l in ("cry", "scream", "normal"))
    assert set(cs["folds"].values()) == set(range(5))
    # the report's per-family tables: the chosen head first, then zero-shot (a fixed order, build after build)
    assert list(cs["detail"])[0] == cs["chosen_name"] and "zero-shot (anchored, no residual)" in cs["detail"]
    # the manifest ships the thresholds chosen on the held-out events, not the in-split ones
    ev = m["cross_source_events"]
    for lab in ("cry", "scream"):
        assert manifest["thresholds"][lab] == {"on": ev[lab]["on"], "off": ev[lab]["off"]}
        assert len(ev[lab]["curve"]) >= 10
        # latency from the acoustic onset: never negative, and a cry cannot be decided faster than the clip's
        # own grid allows by more than its longest lead-in (the build's clips: < 10 s)
        assert all(r["latency_median_s"] is None or 0.0 <= r["latency_median_s"] <= r["latency_p90_s"] < 10
                   for r in ev[lab]["curve"])
    # the smoothing shipped is the one chosen with the thresholds, among every alternative measured
    assert manifest["smoothing"] == {"method": "ema", "alpha": ev["alpha"]}
    assert {(a["alpha"], a["min_duration_s"]) for a in ev["alternatives"]} == {
        (a, md) for a in (0.5, 0.7, 1.0) for md in (0.0, 0.25, 0.5)}
    # ... and so is the minimum episode; the figures of the test split are replayed with the same rule
    assert manifest["events"] == {"min_duration_s": ev["min_duration_s"], "cooldown_s": ev["cooldown_s"]}
    assert {k: m["events"][k] for k in ("min_duration_s", "cooldown_s")} == manifest["events"]
    # the clip rule the package applies is the one the report was scored with
    assert manifest["clip_summary"] == m["clip_summary"] == {"rule": "top_alarm_mean", "windows": 3}
    assert manifest["fusion"]["weights"] == m["fusion"]["cross_source_choice"]["weights"]
    # ... and on the grid the package decides on (the report quotes its figures at this hop)
    assert m["hop_seconds"] == manifest["models"]["yamnet"]["hop_samples"] / manifest["sample_rate"]
    report = (build_dir / "report" / "report.md").read_text()
    assert "## Cross-source: held-out families" in report and "## Events on held-out families" in report
    # the same calibration chosen on four folds and scored on the fifth, for every held-out clip, in the report
    oof = m["cross_source_out_of_fold"]
    assert [f["fold"] for f in oof["per_fold"]] == list(range(5))
    assert sum(f["clips"] for f in oof["per_fold"]) == cs["eligible_clips"] == sum(map(sum, oof["confusion"]))
    for lab in ("cry", "scream"):
        e = oof["events"][lab]
        assert e["positives"] == sum(f[lab]["positives"] for f in oof["per_fold"]) == sum(oof["confusion"][("cry", "scream").index(lab)])
        assert np.isclose(e["hours"], ev["hours_normal"]) and e["heard"] <= e["positives"]
    assert report.count("**Out of fold.**") == 2 and f"it scores **{oof['macro_f1']:.3f}** held out" in report
    # every candidate's table row carries its out-of-fold figure; the chosen one's is the section's
    assert all(0 < r["macro_f1_out_of_fold"] <= 1 for r in cs["table"])
    assert chosen["macro_f1_out_of_fold"] == oof["macro_f1"]
    # the whole choice made out of fold: every fold judged by a candidate of the table, every clip once
    nested = cs["nested_out_of_fold"]
    assert [f["fold"] for f in nested["per_fold"]] == list(range(5))
    assert {f["candidate"] for f in nested["per_fold"]} <= {r["candidate"] for r in cs["table"]}
    assert sum(map(sum, nested["confusion"])) == cs["eligible_clips"]
    assert report.count("**Nested.**") == 1 and f"on the clips it is scored on: **{nested['macro_f1']:.3f}**" in report


def test_deployed_wav2vec2_comes_from_the_committed_weights(build_dir):
    # the build loads models/weights/ (verified by sha256 and data hash) unless asked to retrain
    from cryscope_models.w2v_weights import WEIGHTS_DIR, META
    m = json.loads((build_dir / "report" / "metrics.json").read_text())
    meta = json.loads((WEIGHTS_DIR / META).read_text())
    assert m["wav2vec2"]["committed"]["sha256"] == meta["sha256"] == _sha(WEIGHTS_DIR / "wav2vec2_compact.npz")
