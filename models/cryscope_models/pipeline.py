"""The build steps, in order. Called by build.py into a fresh output directory."""
import json
import os
import platform
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import HOP, LABELS, SAMPLE_RATE, TRAIN_CROP, WAV2VEC2_WINDOW, YAMNET_WINDOW
from .augment import band_limit, mix_at_snr
from .cache import hash_inputs, sha256_file
from .data import CROPS_PER_CLIP, load_dataset, training_crops
from .evaluate import (ensemble_windows, false_alarms_per_hour, model_file_probs, run_all,
                       run_yamnet, summaries, w2v_inputs)
from .metrics import CLIP_TOP_WINDOWS, clip_probs, file_probs, roc_points, summarize
from .ort_util import session
from .paths import SPLIT_CSV, data_dir, yamnet_dir
from . import out_of_fold
from .crosssource import clip_folds
from .event_selection import acoustic_onset_s, choose_event_settings
from .head_selection import HeadData, select as select_head, shifted
from .splits import check_grouping

PKG = Path(__file__).resolve().parent


class Log:
    def __init__(self):
        self.t0 = time.time(); self.timings = {}; self._t = time.time()

    def __call__(self, msg):
        print(f"[{time.strftime('%H:%M:%S')} +{time.time() - self.t0:5.0f}s] {msg}", flush=True)

    def step(self, name):
        now = time.time(); self.timings[name] = round(now - self._t, 1); self._t = now


def max_xcorr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak normalised cross-correlation of two waveforms (any lag): ~1 for the same audio."""
    from scipy.signal import fftconvolve
    a = a - a.mean(); b = b - b.mean()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-6 or nb < 1e-6:
        return 0.0
    c = fftconvolve(a, b[::-1])
    return float(np.abs(c).max() / (na * nb))


def near_duplicates(clips, split, emb_mean: np.ndarray, waves: dict, thr: float = 0.99) -> dict:
    """Candidates: cosine of clip-mean YAMNet embeddings > thr across splits (a coarse 'sounds alike'
    test: quiet ambience or breathing from one source matches it without being the same audio).
    Confirmed duplicates: candidates whose waveforms also cross-correlate > 0.9 at some lag."""
    e = emb_mean / np.maximum(np.linalg.norm(emb_mean, axis=1, keepdims=True), 1e-9)
    sim = e @ e.T
    iu = np.triu_indices(len(clips), 1)
    s = sim[iu]
    hits = np.flatnonzero(s > thr)
    cross, same = [], 0
    for h in hits:
        a, b = iu[0][h], iu[1][h]
        if split[clips[a].file] != split[clips[b].file]:
            cross.append({"a": clips[a].file, "b": clips[b].file, "cosine": float(s[h]),
                          "splits": [split[clips[a].file], split[clips[b].file]],
                          "waveform_xcorr": max_xcorr(waves[clips[a].file], waves[clips[b].file])})
        else:
            same += 1
    confirmed = [d for d in cross if d["waveform_xcorr"] > 0.9]
    return {"threshold": thr, "cross_split_pairs": len(cross), "same_split_pairs": same,
            "cross_split_confirmed_by_waveform": len(confirmed),
            "max_waveform_xcorr": max((d["waveform_xcorr"] for d in cross), default=0.0),
            "confirmed": confirmed[:50], "examples": sorted(cross, key=lambda d: -d["cosine"])[:20]}


def exact_duplicates(clips, split, waves) -> int:
    seen, cross = {}, 0
    for c in clips:
        h = hash(waves[c.file].tobytes())
        if h in seen and split[seen[h]] != split[c.file]:
            cross += 1
        seen.setdefault(h, c.file)
    return cross


# Event settings: the minimum episode is chosen with the smoothing and thresholds on the held-out families
# (event_selection.choose_event_settings; session 13 measured 0 / 0.25 / 0.5 s: each costs its own length in
# latency and, with these models, buys no false onset that the recall floor lets it keep). The cooldown after
# an episode is fixed: a rule counting false onsets would always want it longer (see event_selection.py).
COOLDOWN_S = 2.0

# Fusion shipped: chosen on held-out families, not on in-split validation (which always liked Wav2Vec2 more
# than recordings from other sources did: the issue measured Wav2Vec2 alone at 0.647 and the in-split-chosen
# weighted mean at 0.768 against 0.811 for YAMNet alone on outside recordings). Wav2Vec2 is trained from
# scratch and cannot be held out per family within the build's time (it is ~60 % of the build), so it was
# measured per fold outside the build (models/tools/w2v_cross_source.py; models/EXPERIMENTS.md, "Cross-source:
# Wav2Vec2 and fusion", session 7): Wav2Vec2 alone 0.564 held out, every fusion weight below 0.8 on YAMNet
# worse than YAMNet alone (0.927), 0.8 within the head's seed noise (+0.004). So the fused output is YAMNet's;
# the in-split fit is still computed and reported beside it.
CROSS_SOURCE_FUSION = {"default": "weighted_mean", "weights": [1.0, 0.0]}
# The held-out-family figures that decided it, as that run printed them (pooled over the 5 family folds, 1961
# held-out clips, clips judged by their 3 most alarming windows). The report's goals table quotes them, marked as
# measured outside the build; re-measure with the tool when the Wav2Vec2 recipe or the head changes.
CROSS_SOURCE_W2V_MEASURED = {
    "measured_by": "models/tools/w2v_cross_source.py --epochs 12 --l2 1.0 (2026-12-06, session 7; models/EXPERIMENTS.md)",
    "recipe": "from scratch, the shipped recipe",
    "clips": 1961,
    "wav2vec2_alone": 0.564,
    "yamnet_same_grid": 0.925,
    "best_fusion": {"method": "weighted_mean", "yamnet_weight": 0.8, "macro_f1": 0.929},
    # how far the torch seed alone moves the shipped head's held-out figure (seeds 0/1/2: 0.922-0.935), measured
    # later than the rest of this dict. Session 7 quoted +-0.003 here, which the best fusion's +0.004 exceeded;
    # against the measured range it is plainly noise
    "head_seed_range": {"value": 0.013, "measured_by": "models/tools/yamnet_lastblock_cross_source.py --lams inf "
                                                       "--seed 0|1|2 (2026-12-07, session 12; models/EXPERIMENTS.md)"},
    # the teacher route at its largest measured scale: each fold's student taught by that fold's YAMNet head
    # on 9000 mixtures (12 epochs), all five folds pooled — folds 0-1 re-run with the shipped head's prior, folds
    # 2-4 as session 11 ran them; the YAMNet-only figure on the same grid and the best fusion come from that run
    "with_teacher_mixtures": {
        "measured_by": "models/tools/w2v_cross_source.py --epochs 12 --l2 1.0 --teacher-mix 9000 --folds 0,1 "
                       "(2026-12-07, session 17) and --folds 2,3,4 (session 11), pooled; models/EXPERIMENTS.md",
        "mixtures_per_fold": 9000, "wav2vec2_alone": 0.6459, "yamnet_same_grid": 0.9304,
        "best_fusion": {"method": "weighted_mean", "yamnet_weight": 0.9, "macro_f1": 0.9337},
        # the other ways of teaching it, folds 0-1 only (session 16), beside the plain teacher re-run with the same
        # head (session 17); one run each. Session 10's teacher (before the prior's evidence classes) gave 0.743
        "folds_0_1": {"teacher": 0.7203, "teacher_and_audioset_scores": 0.7438, "anchored_on_audioset": 0.6732},
    },
}
# Smoothing: EMA, its alpha chosen with the thresholds on the held-out families (event_selection.py).
SMOOTHING_METHOD = "ema"


def choose_thresholds(win_probs: np.ndarray, y_win: np.ndarray, alpha: float = 0.5) -> dict:
    """Per alarm class: the 'on' level maximising window-level F1 on validation (fused, EMA-smoothed
    per file is approximated by raw windows here), 'off' = on - 0.2 (hysteresis), floors 0.1."""
    out = {}
    for i, lab in ((0, "cry"), (1, "scream")):
        best = (-1, 0.6)
        for on in np.round(np.arange(0.3, 0.91, 0.05), 2):
            pred = win_probs[:, i] >= on
            tp = np.sum(pred & (y_win == i)); fp = np.sum(pred & (y_win != i)); fn = np.sum(~pred & (y_win == i))
            f1 = 2 * tp / max(2 * tp + fp + fn, 1)
            if f1 > best[0] + 1e-9:
                best = (f1, float(on))
        out[lab] = {"on": best[1], "off": round(max(0.1, best[1] - 0.2), 2), "val_window_f1": float(best[0])}
    return out


@dataclass
class BuildContext:
    """What every stage shares: the output folder, the build key and knobs, the stage cache, the log, and the
    metrics / extras the report is written from (stages add to them)."""
    out: Path
    key: str
    knobs: dict
    stages: Any
    log: Log
    threads: int
    quick: bool
    metrics: dict
    extras: dict


@dataclass
class Data:
    ds: Any                 # data.Dataset: clips, split, waves
    weights: dict           # YAMNet weights (yamnet.npz)
    crops: dict             # augmented 2 s training crops (x, y, clip, aug)
    cpc: dict               # crops per clip and label
    feat_key: str           # stage-cache key of the features (and the Wav2Vec2 training)
    ytr: dict               # YAMNet embeddings / scores of the training crops' windows
    clean: dict             # YAMNet embeddings / scores / owner / end of every clip's clean windows


@dataclass
class YamnetModel:
    head: dict              # exported head layers (with the normal-logit offset)
    ysess: Any              # int8 session (the deployed graph)
    ysess32: Any            # fp32 session
    cs_events: dict         # event_selection.choose_event_settings result
    smoothing: dict         # the shipped smoothing
    events: dict            # the shipped event rule: min_duration_s, cooldown_s
    val_clips: list
    test_clips: list
    y_val: np.ndarray
    y_test: np.ndarray


@dataclass
class Wav2Vec2Model:
    fp32: Any               # ONNX sessions
    int8: Any


@dataclass
class Fusion:
    config: dict            # the shipped fusion JSON
    thresholds: dict        # per alarm class: on / off (+ the held-out figures they were chosen with)
    w2v_sessions: dict      # {"wav2vec2_fp32": ..., "wav2vec2_int8": ...}


@dataclass
class TestResults:
    waves: list
    outputs: Any            # evaluate.ClipOutputs of the test split
    file_probs: dict        # per model: [clips, 3]


def run(out: Path, key: str, knobs: dict, stages) -> None:
    """The build, stage by stage: data -> YAMNet head (+ event settings) -> Wav2Vec2 -> fusion -> test -> report."""
    import torch
    threads = int(os.environ.get("CRYSCOPE_THREADS", "2"))
    torch.set_num_threads(threads)
    quick = knobs.get("CRYSCOPE_QUICK") == "1"
    metrics: dict = {"key": key, "quick": quick, "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "threads": threads, "python": platform.python_version(),
                                 "torch": torch.__version__}}
    ctx = BuildContext(out=out, key=key, knobs=knobs, stages=stages, log=Log(), threads=threads, quick=quick,
                       metrics=metrics, extras={})
    d = load_data(ctx)
    check_leakage(ctx, d)
    y = yamnet_head_stage(ctx, d)
    verify_yamnet(ctx, d, y)
    w = wav2vec2_stage(ctx, d, y)
    f = validation_and_fusion(ctx, d, y, w)
    t = test_eval(ctx, d, y, f)
    robustness(ctx, y, f, t)
    write_artefacts(ctx, d, y, f)


def load_data(ctx: BuildContext) -> Data:
    """Dataset, split checks, augmented training crops and YAMNet features of crops and clean clips (stage caches)."""
    log, metrics = ctx.log, ctx.metrics
    threads, quick, stages = ctx.threads, ctx.quick, ctx.stages
    from .yamnet_features import backbone_session, crop_features, load_weights
    # ---- data, split checks -------------------------------------------------------------------
    ds = load_dataset()
    bad = check_grouping(ds.clips, ds.split)
    if bad:
        raise RuntimeError(f"groups straddle splits: {bad[:5]}")
    split_counts = {s: {l: sum(1 for c in ds.of(s) if c.label == l) for l in LABELS} for s in ("train", "val", "test")}
    split_hours = {s: sum(c.duration_s for c in ds.of(s)) / 3600 for s in ("train", "val", "test")}
    metrics["data"] = {"clips": len(ds.clips), "split_counts": split_counts, "split_hours": split_hours,
                       "groups": len({c.group for c in ds.clips}), "groups_across_splits": len(bad)}
    # the decision grid every stage below scores clips and replays events on (both models, the manifest's hop)
    metrics["hop_seconds"] = HOP / SAMPLE_RATE
    log(f"data: {len(ds.clips)} clips; {split_counts}")
    log.step("load_data")

    weights = load_weights()
    backbone = backbone_session(weights, threads)
    feat_files = [PKG / f for f in ("data.py", "augment.py", "features.py", "yamnet_onnx.py", "yamnet_arch.py",
                                    "yamnet_features.py", "evaluate.py", "audio.py")]
    feat_key = hash_inputs(feat_files + [SPLIT_CSV, data_dir() / "MANIFEST.csv", yamnet_dir() / "yamnet.npz"],
                           {"quick": quick})
    cpc = {"cry": 1, "scream": 2, "normal": 1} if quick else CROPS_PER_CLIP

    def make_crops():
        c = training_crops(ds, seed=0, crops_per_clip=cpc)
        c["x"] = c["x"].astype(np.float16)  # halves the stage cache; audio in [-1,1] keeps 11 bits
        return c
    crops = stages.get("crops", feat_key, make_crops)
    crops["x"] = crops["x"].astype(np.float32)
    log(f"training crops: {len(crops['x'])} x 2 s ({int(crops['aug'].sum())} augmented); per label "
        f"{np.bincount(crops['y'], minlength=3).tolist()}")
    log.step("augmented_crops")

    ytr = stages.get("yamnet_train", feat_key, lambda: crop_features(backbone, crops["x"]))
    log(f"YAMNet features of training crops: {ytr['emb'].shape}")

    def yam_clean():
        r = run_yamnet(backbone, [ds.waves[c.file] for c in ds.clips])
        return {k: r[k] for k in ("embeddings", "scores", "owner", "end")}
    clean = stages.get("yamnet_clean", feat_key, yam_clean)
    log.step("yamnet_features")
    return Data(ds=ds, weights=weights, crops=crops, cpc=cpc, feat_key=feat_key, ytr=ytr, clean=clean)


def check_leakage(ctx: BuildContext, d: Data) -> None:
    """Near-duplicate and identical recordings across splits (reported; the split rules keep groups apart)."""
    log, metrics = ctx.log, ctx.metrics
    ds, clean = d.ds, d.clean
    # ---- leakage: near-duplicates across splits ------------------------------------------------
    n = len(ds.clips)
    emb_mean = file_probs(clean["embeddings"], clean["owner"], n)
    metrics["leakage"] = {"near_duplicates": near_duplicates(ds.clips, ds.split, emb_mean, ds.waves),
                          "exact_duplicate_waveforms_across_splits": exact_duplicates(ds.clips, ds.split, ds.waves)}
    nd = metrics["leakage"]["near_duplicates"]
    log(f"leakage: {nd['cross_split_pairs']} embedding-similar pairs across splits (cos>0.99), "
        f"{nd['cross_split_confirmed_by_waveform']} confirmed by waveform xcorr>0.9, "
        f"{metrics['leakage']['exact_duplicate_waveforms_across_splits']} identical")


def yamnet_head_stage(ctx: BuildContext, d: Data) -> YamnetModel:
    """The YAMNet head chosen on the held-out families, trained on all crops, exported fp32 + int8; the event
    smoothing and thresholds chosen on the same held-out windows."""
    log, metrics, extras = ctx.log, ctx.metrics, ctx.extras
    threads, quick, out = ctx.threads, ctx.quick, ctx.out
    ds, weights, crops, ytr, clean = d.ds, d.weights, d.crops, d.ytr, d.clean
    from . import yamnet_head as yh
    from . import yamnet_onnx
    # ---- YAMNet head: chosen on the cross-source folds (head_selection.py), trained on all train crops ----
    idx_of = {c.file: i for i, c in enumerate(ds.clips)}
    val_clips, test_clips = ds.of("val"), ds.of("test")
    val_ids = np.array([idx_of[c.file] for c in val_clips])
    y_val = np.array([c.y for c in val_clips]); y_test = np.array([c.y for c in test_clips])
    train_ids = np.array([idx_of[c.file] for c in ds.of("train")])
    hd = HeadData(ytr["emb"], ytr["scores"], np.repeat(crops["y"], 3), np.repeat(train_ids[crops["clip"]], 3),
                  clean["embeddings"], clean["scores"], clean["owner"],
                  crop_family=np.repeat([ds.clips[i].family for i in train_ids[crops["clip"]]], 3))
    eligible = np.array(sorted(set(train_ids.tolist()) | set(val_ids.tolist())))
    sel = select_head(hd, ds.clips, eligible, quick=quick, log=log)
    kind, hidden, strength, balance = sel["chosen"]
    model_h, mu_h, sd_h = hd.train(kind, hidden, strength, balance, mask=np.ones(len(hd.crop_y), bool),
                                   epochs_scale=0.25 if quick else 1.0)
    vmask = np.isin(clean["owner"], val_ids)
    remap = {int(g): k for k, g in enumerate(val_ids)}
    v_owner = np.array([remap[int(o)] for o in clean["owner"][vmask]])
    val_in_split = summarize(y_val, clip_probs(shifted(hd.predict(kind, model_h, mu_h, sd_h, vmask), sel["normal_offset"]),
                                               v_owner, len(y_val)))
    log(f"YAMNet head chosen cross-source: {sel['chosen_name']}, normal offset {sel['normal_offset']:+g} (in-split validation macro-F1 "
        f"{val_in_split['macro_f1']:.4f})")
    extras["cross_source_head_probs"] = sel.pop("held_probs")
    raw_win, held_owner = sel.pop("held_windows_raw")
    held_win = shifted(raw_win, sel["normal_offset"])
    # event thresholds on the same held-out families (event_selection.py): false onsets per hour of
    # normal audio and episode recall; the smoothing and minimum episode are chosen with them
    y_el = np.array([ds.clips[i].y for i in eligible])
    dur_el = np.array([ds.clips[i].duration_s for i in eligible])
    onset_el = np.array([acoustic_onset_s(ds.waves[ds.clips[i].file]) for i in eligible])
    cs_events = choose_event_settings(held_win, held_owner, y_el, dur_el, COOLDOWN_S, onset_el)
    # the same choices made on four folds and scored on the fifth: what they give on clips they never saw
    oof = out_of_fold.evaluate(raw_win, held_owner, y_el, clip_folds([ds.clips[i] for i in eligible], sel["folds"]),
                               dur_el, onset_el, COOLDOWN_S)
    metrics["cross_source_out_of_fold"] = oof
    log(f"out of fold (offset and event settings chosen on the other folds): macro-F1 {oof['macro_f1']:.4f}, "
        f"{oof['normal_false_alarms']} normal clips called alarms; " + ", ".join(
            f"{k} {oof['events'][k]['per_hour']:.1f}/h at recall {oof['events'][k]['recall']:.3f}" for k in ("cry", "scream")))
    smoothing = {"method": SMOOTHING_METHOD, "alpha": cs_events["alpha"]}
    events = {"min_duration_s": cs_events["min_duration_s"], "cooldown_s": COOLDOWN_S}
    log(f"cross-source events (EMA alpha {cs_events['alpha']}, min episode {events['min_duration_s']:g} s): " + ", ".join(
        f"{k} on {cs_events[k]['on']} -> {cs_events[k]['per_hour']:.1f}/h, recall {cs_events[k]['recall']:.3f}, "
        f"latency from the acoustic onset {cs_events[k]['latency_median_s']} s" for k in ("cry", "scream")))
    metrics["yamnet_head"] = {"chosen": sel["chosen_name"], "normal_offset": sel["normal_offset"], "cross_source": sel,
                              "in_split_validation_macro_f1": val_in_split["macro_f1"],
                              "features": {"anchored": "embeddings(1024) + AudioSet logits clipped to +-12 (521), "
                                                       "standardised (folded into the Gemm); zero-shot prior added",
                                           "free": "embeddings(1024) + AudioSet scores(521), standardised"},
                              "train_windows": int(len(hd.crop_y)), "class_weights": yh.class_weights(hd.crop_y).tolist()}
    head = yh.export_layers(model_h, mu_h, sd_h)
    head["layers"][-1][1][2] += np.float32(sel["normal_offset"])  # the cross-source calibration, in the graph
    ymodel = yamnet_onnx.build(weights, head)
    import onnx
    onnx.save(ymodel, str(out / "yamnet.onnx"))
    from .yamnet_int8 import quantize as quantize_yamnet
    quantize_yamnet(out / "yamnet.onnx", out / "yamnet.int8.onnx")
    ysess32 = session(str(out / "yamnet.onnx"), threads)
    # the deployed graph (the package loads the manifest's file): every "yamnet" number below is int8
    ysess = session(str(out / "yamnet.int8.onnx"), threads)
    log.step("yamnet_head")
    return YamnetModel(head=head, ysess=ysess, ysess32=ysess32, cs_events=cs_events, smoothing=smoothing, events=events,
                       val_clips=val_clips, test_clips=test_clips, y_val=y_val, y_test=y_test)


def verify_yamnet(ctx: BuildContext, d: Data, y: YamnetModel) -> None:
    """The exported YAMNet graph against the numpy reference, int8 against fp32, and against TFLite."""
    log, metrics = ctx.log, ctx.metrics
    ds, weights = d.ds, d.weights
    head, ysess, ysess32, val_clips = y.head, y.ysess, y.ysess32, y.val_clips
    from . import yamnet_head as yh
    from . import yamnet_np
    from .yamnet_tflite import tflite_scores
    # ---- YAMNet conversion proof ------------------------------------------------------------------
    probe = [c for c in val_clips if c.label == "cry"][:2] + [c for c in val_clips if c.label == "scream"][:2] + \
            [c for c in val_clips if c.label == "normal"][:4]
    from .features import clip_patches
    pats = np.concatenate([clip_patches(ds.waves[c.file]) for c in probe]).astype(np.float32)
    onx = ysess32.run(["scores", "embeddings", "probs"], {"patches": pats})
    q8 = [ysess.run(["scores", "embeddings", "probs"], {"patches": pats[i:i + 1]}) for i in range(len(pats))]
    q8 = [np.concatenate([r[k] for r in q8]) for k in range(3)]
    ref = yamnet_np.forward(weights, pats)
    ph = yh.head_forward(head, ref["embeddings"], ref["scores"], ref["logits"])
    tfl = []
    for c in probe:
        w = ds.waves[c.file]
        t = tflite_scores(yamnet_dir() / "yamnet.tflite", w)
        o = ysess32.run(["scores"], {"patches": clip_patches(w).astype(np.float32)})[0]
        tfl.append({"file": c.file, "max_abs": float(np.abs(t - o).max()), "mean_abs": float(np.abs(t - o).mean()),
                    "top5_tflite": t.mean(0).argsort()[::-1][:5].tolist(),
                    "top5_onnx": o.mean(0).argsort()[::-1][:5].tolist(),
                    "top1_equal": bool(t.mean(0).argmax() == o.mean(0).argmax())})
    metrics["yamnet_conversion"] = {
        "patches": int(len(pats)),
        "onnx_vs_numpy_float64": {"scores_max_abs": float(np.abs(onx[0] - ref["scores"]).max()),
                                  "embeddings_max_abs": float(np.abs(onx[1] - ref["embeddings"]).max()),
                                  "probs_max_abs": float(np.abs(onx[2] - ph).max())},
        "int8_vs_fp32": {k: {"max_abs": float(np.abs(q8[i] - onx[i]).max()), "mean_abs": float(np.abs(q8[i] - onx[i]).mean())}
                         for i, k in enumerate(("scores", "embeddings", "probs"))},
        "onnx_vs_tflite": {"clips": tfl, "max_abs": max(d["max_abs"] for d in tfl),
                           "mean_abs": float(np.mean([d["mean_abs"] for d in tfl])),
                           "top1_equal_all": all(d["top1_equal"] for d in tfl),
                           "top5_equal_sets": sum(set(d["top5_tflite"]) == set(d["top5_onnx"]) for d in tfl)}}
    log(f"YAMNet ONNX vs numpy: {metrics['yamnet_conversion']['onnx_vs_numpy_float64']}; vs tflite max "
        f"{metrics['yamnet_conversion']['onnx_vs_tflite']['max_abs']:.3f}; int8 vs fp32 "
        f"{metrics['yamnet_conversion']['int8_vs_fp32']}")
    log.step("yamnet_verify")


def wav2vec2_stage(ctx: BuildContext, d: Data, y: YamnetModel) -> Wav2Vec2Model:
    """The compact Wav2Vec2: the committed weights (or trained, a stage cache), exported fp32 + int8, parity checked."""
    log, metrics, extras = ctx.log, ctx.metrics, ctx.extras
    threads, quick, out, knobs, stages = ctx.threads, ctx.quick, ctx.out, ctx.knobs, ctx.stages
    ds, crops, ytr, feat_key = d.ds, d.crops, d.ytr, d.feat_key
    val_clips, y_val = y.val_clips, y.y_val
    import torch
    from .wav2vec2_export import export, quantize_int8, torch_probs
    from .wav2vec2_model import build_model, count_params, macs_per_second, make_config
    from .wav2vec2_train import contrastive_pretrain, distill, finetune, seed_all
    from .wav2vec2_train import evaluate as evaluate_w2v
    from .w2v_weights import load_committed, retrain_requested, save as save_w2v
    variants = [v.strip() for v in (knobs.get("CRYSCOPE_W2V_VARIANTS") or "scratch").split(",") if v.strip()]
    source = knobs.get("CRYSCOPE_W2V_SOURCE") or None
    # ---- Wav2Vec2 ---------------------------------------------------------------------------------
    tgt = {"emb_win": ytr["emb"].reshape(-1, 3, 1024), "scores_win": ytr["scores"].reshape(-1, 3, 521)}
    tgt["emb"], tgt["scores"] = tgt["emb_win"].mean(1), tgt["scores_win"].mean(1)
    xv, ov, _ = w2v_inputs([ds.waves[c.file] for c in val_clips])
    val = {"windows": xv, "owner": ov, "y": y_val}
    # epochs sized for a cold build under ~45 min on 2 shared cores (see README for measured times)
    # every fine-tune epoch on random 1 s sub-crops of the 2 s crops: the deployed window is 1 s, and a
    # new sub-crop each epoch is extra augmentation
    ep_d, ep_f, ep_short = (1, 1, 1) if quick else (4, 24, 24)
    runs = []
    committed_meta = None
    if not retrain_requested(knobs):
        # the committed from-scratch weights (w2v_weights.py); a stale or corrupt file stops the build
        state, committed_meta = load_committed()
        model = build_model(None, make_config())
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        s = evaluate_w2v(model, val)
        runs.append({"variant": committed_meta["variant"] + " (committed weights)", "val_macro_f1": s["macro_f1"],
                     "val_accuracy": s["accuracy"], "seconds": 0.0, "model": model,
                     "curves": committed_meta.get("curves", {})})
        log(f"Wav2Vec2: committed weights {committed_meta['sha256'][:12]} (trained {committed_meta['trained_at']}); "
            f"val macro-F1 {s['macro_f1']:.4f}")
    for v in ([] if committed_meta else variants):
        log(f"Wav2Vec2 variant {v!r}")
        t0 = time.time()

        def train_variant():
            seed_all(0)
            model = build_model(source, None if source else make_config())
            curves, dist = {}, None
            if "contrastive" in v:
                tw = [ds.waves[c.file] for c in ds.of("train")]
                curves["contrastive"] = contrastive_pretrain(model, tw, epochs=1 if quick else 3, log=log)
            if "distill" in v:
                curves["distill"], dist = distill(model, crops, tgt, epochs=ep_d, log=log)
            model, curves["finetune"], s = finetune(model, crops, tgt if "distill" in v else None, val, epochs=ep_f,
                                                    dist=dist, short_epochs=ep_short, short_len=WAV2VEC2_WINDOW, log=log)
            info = {"curves": curves, "val_macro_f1": s["macro_f1"], "val_accuracy": s["accuracy"],
                    "seconds": round(time.time() - t0, 1)}
            return {**{f"p/{k}": t.detach().numpy() for k, t in model.state_dict().items()},
                    "info": np.array(json.dumps(info, default=_json_default))}
        # a stage: a build that fails later (or a --retrain-wav2vec2 rerun) does not train again
        w2v_key = hash_inputs([PKG / f for f in ("wav2vec2_model.py", "wav2vec2_train.py")],
                              {"feat": feat_key, "variant": v, "source": source, "epochs": [ep_d, ep_f, ep_short],
                               "threads": threads})
        trained = stages.get("wav2vec2", w2v_key, train_variant)
        info = json.loads(str(trained["info"]))
        model = build_model(source, None if source else make_config())
        model.load_state_dict({k[2:]: torch.from_numpy(a) for k, a in trained.items() if k.startswith("p/")})
        runs.append({"variant": v, "val_macro_f1": info["val_macro_f1"], "val_accuracy": info["val_accuracy"],
                     "seconds": info["seconds"], "model": model, "curves": info["curves"]})
        log(f"Wav2Vec2 {v}: val macro-F1 {info['val_macro_f1']:.4f} ({info['seconds']:.0f}s of training)")
    chosen = max(runs, key=lambda r: r["val_macro_f1"])
    w2v = chosen["model"].eval()
    if committed_meta is None and not source and not quick:
        # a retrain: keep the state dict beside the models, so `--retrain-wav2vec2` can commit it
        save_w2v(out, w2v.state_dict(), {
            "variant": chosen["variant"], "seed": 0, "threads": threads, "epochs": {"finetune": ep_f, "short": ep_short},
            "command": "bash scripts/models-setup.sh --retrain-wav2vec2", "val_macro_f1": chosen["val_macro_f1"],
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "curves": chosen["curves"],
            "config": "cryscope_models.wav2vec2_model.COMPACT"})
    cfgd = w2v.config
    metrics["wav2vec2"] = {
        "variants": [{k: r[k] for k in ("variant", "val_macro_f1", "val_accuracy", "seconds")} for r in runs],
        "chosen": chosen["variant"], "source": source or "compact config, random init",
        "committed": {k: committed_meta[k] for k in ("sha256", "trained_at", "command", "seed", "threads", "epochs", "data")}
        if committed_meta else None,
        "config": {k: getattr(cfgd, k) for k in ("conv_dim", "conv_kernel", "conv_stride", "hidden_size",
                                                 "num_hidden_layers", "num_attention_heads", "intermediate_size",
                                                 "num_conv_pos_embeddings", "classifier_proj_size")},
        "parameters": count_params(w2v), "macs_per_second_audio": macs_per_second(cfgd, 1.0),
        "epochs": {"distill (0.975 s inputs)": ep_d, "finetune": ep_f,
                   f"of which on {WAV2VEC2_WINDOW / SAMPLE_RATE:g} s sub-crops": ep_short},
        "window_seconds": WAV2VEC2_WINDOW / SAMPLE_RATE,
        "train_crops": int(len(crops["x"]))}
    extras["curves_wav2vec2"] = {r["variant"]: r["curves"] for r in runs}
    log.step("wav2vec2_train")

    export(w2v, out / "wav2vec2.onnx")
    quantize_int8(out / "wav2vec2.onnx", out / "wav2vec2.int8.onnx")
    s32 = session(str(out / "wav2vec2.onnx"), threads); s8 = session(str(out / "wav2vec2.int8.onnx"), threads)
    full = [x for x in xv if len(x) == WAV2VEC2_WINDOW]
    probe_x = np.stack(full[:: max(1, len(full) // 64)][:64])
    pt = torch_probs(w2v, probe_x)
    p32 = s32.run(["probs"], {"input_values": probe_x})[0]
    p8 = s8.run(["probs"], {"input_values": probe_x})[0]
    # another input length than the windows' (the graph's time axis is dynamic): 1.25 s of val audio
    from .features import normalize_wav2vec2
    short = np.stack([normalize_wav2vec2(w[:20000]) for w in (ds.waves[c.file] for c in val_clips) if len(w) >= 20000][:4])
    metrics["wav2vec2"]["onnx_parity"] = {
        "windows": int(len(probe_x)), "fp32_vs_torch_max_abs": float(np.abs(p32 - pt).max()),
        "fp32_vs_torch_max_abs_1.25s": float(np.abs(s32.run(["probs"], {"input_values": short})[0]
                                                    - torch_probs(w2v, short)).max()),
        "int8_vs_fp32_max_abs": float(np.abs(p8 - p32).max()), "int8_vs_fp32_mean_abs": float(np.abs(p8 - p32).mean()),
        "int8_vs_fp32_argmax_agreement": float((p8.argmax(1) == p32.argmax(1)).mean())}
    log(f"Wav2Vec2 parity: {metrics['wav2vec2']['onnx_parity']}")
    log.step("wav2vec2_export")
    return Wav2Vec2Model(fp32=s32, int8=s8)


def validation_and_fusion(ctx: BuildContext, d: Data, y: YamnetModel, w: Wav2Vec2Model) -> Fusion:
    """Both deployed models on validation: the fusion fit (reported) and the shipped fusion and thresholds."""
    log, metrics = ctx.log, ctx.metrics
    ds = d.ds
    ysess, ysess32, val_clips, y_val, cs_events = y.ysess, y.ysess32, y.val_clips, y.y_val, y.cs_events
    s32, s8 = w.fp32, w.int8
    # ---- evaluation on validation (fusion fit) and test (touched once) ----------------------------
    w2v_sess = {"wav2vec2_fp32": s32, "wav2vec2_int8": s8}
    co_val = run_all(ysess, w2v_sess, [ds.waves[c.file] for c in val_clips], y_val)
    from .fusion import fit, validate_config
    yw = co_val.y[co_val.w2v["owner"]]
    fusion_cfg, fusion_val = fit(co_val.yam["probs"][co_val.pair], co_val.w2v["wav2vec2_int8"], yw,
                                 co_val.w2v["owner"], co_val.y, groups=[c.group for c in val_clips])
    in_split_choice = {"default": fusion_cfg["default"], "weights": fusion_cfg["weights"]}
    fusion_cfg.update(default=CROSS_SOURCE_FUSION["default"], weights=list(CROSS_SOURCE_FUSION["weights"]))
    validate_config(fusion_cfg)
    # the thresholds come from the held-out families (event_selection.py); they were measured on YAMNet's
    # held-out windows, which are the fused output exactly while the fusion gives YAMNet all the weight
    if CROSS_SOURCE_FUSION["weights"] != [1.0, 0.0]:
        raise RuntimeError("cross-source thresholds assume YAMNet-only fusion; measure the fused held-out windows first")
    thresholds = {k: {"on": cs_events[k]["on"], "off": cs_events[k]["off"], "per_hour_cross_source": cs_events[k]["per_hour"],
                      "recall_cross_source": cs_events[k]["recall"]} for k in ("cry", "scream")}
    metrics["fusion"] = {"config": fusion_cfg, "validation": fusion_val, "in_split_choice": in_split_choice,
                         "cross_source_choice": CROSS_SOURCE_FUSION, "cross_source_evidence": CROSS_SOURCE_W2V_MEASURED}
    metrics["thresholds"] = thresholds
    ens_val, ens_owner = ensemble_windows(co_val, fusion_cfg, fusion_cfg["default"])
    metrics["thresholds_in_split"] = choose_thresholds(ens_val, co_val.y[ens_owner])
    metrics["cross_source_events"] = cs_events
    metrics["validation"] = summaries(co_val, fusion_cfg)
    metrics["validation"]["yamnet_fp32"] = yamnet_fp32_summary(ysess32, [ds.waves[c.file] for c in val_clips], y_val)
    log(f"fusion default {fusion_cfg['default']}; val: " +
        ", ".join(f"{k} {v['macro_f1']:.3f}" for k, v in metrics["validation"].items()))
    log.step("validation_and_fusion")
    return Fusion(config=fusion_cfg, thresholds=thresholds, w2v_sessions=w2v_sess)


def test_eval(ctx: BuildContext, d: Data, y: YamnetModel, f: Fusion) -> TestResults:
    """The test split, touched once: every model's file results, per-category false alarms, false onsets per hour."""
    log, metrics, extras = ctx.log, ctx.metrics, ctx.extras
    ds = d.ds
    ysess, ysess32, test_clips, y_test, smoothing = y.ysess, y.ysess32, y.test_clips, y.y_test, y.smoothing
    fusion_cfg, thresholds, w2v_sess = f.config, f.thresholds, f.w2v_sessions
    test_waves = [ds.waves[c.file] for c in test_clips]
    co_test = run_all(ysess, w2v_sess, test_waves, y_test)
    metrics["test"] = summaries(co_test, fusion_cfg)
    metrics["test"]["yamnet_fp32"] = yamnet_fp32_summary(ysess32, test_waves, y_test)
    fps = model_file_probs(co_test, fusion_cfg)
    extras["roc_test"] = {k: roc_points(y_test, p) for k, p in fps.items()}
    # per-file test probabilities of every model: error analysis, and the deployed-path check compares
    # its files with these (tests/web/integration/node.test.ts)
    extras["test_files"] = [{"file": c.file, "label": c.label,
                             "probs": {k: [round(float(v), 6) for v in p[i]] for k, p in fps.items()}}
                            for i, c in enumerate(test_clips)]
    log("test: " + ", ".join(f"{k} {v['macro_f1']:.3f}" for k, v in metrics["test"].items()))

    # per-category breakdown of normal (false alarms), per source for cries
    cats = sorted({c.category for c in test_clips if c.label == "normal"})
    breakdown = {}
    for k, p in fps.items():
        pred = metrics_pred(k, p, co_test)
        row = {}
        for cat in cats:
            ids = [i for i, c in enumerate(test_clips) if c.label == "normal" and c.category == cat]
            row[cat] = {"n": len(ids), "false_alarms": int(np.sum(pred[ids] != 2)),
                        "as_cry": int(np.sum(pred[ids] == 0)), "as_scream": int(np.sum(pred[ids] == 1))}
        srcs = sorted({c.source for c in test_clips if c.label == "cry"})
        row["_cry_recall_by_source"] = {s: float(np.mean([pred[i] == 0 for i, c in enumerate(test_clips)
                                                           if c.label == "cry" and c.source == s])) for s in srcs}
        breakdown[k] = row
    metrics["test_normal_breakdown"] = breakdown

    # false alarms per hour of normal audio (stream-style episodes with the chosen thresholds)
    normal_ids = np.array([i for i, c in enumerate(test_clips) if c.label == "normal"])
    dur = np.array([len(test_waves[i]) / SAMPLE_RATE for i in normal_ids])
    fa = {}
    fa_opts = {"alpha": smoothing["alpha"], **y.events}
    wm = np.isin(co_test.w2v["owner"], normal_ids)
    for m in ("mean", "weighted_mean", "geometric_mean", "vote", "logistic"):
        fw, fo = ensemble_windows(co_test, fusion_cfg, m)
        fm = np.isin(fo, normal_ids)
        fa[f"fusion_{m}"] = false_alarms_per_hour(fw[fm], fo[fm], dur, thresholds, **fa_opts)
    ym = np.isin(co_test.yam["owner"], normal_ids)
    fa["yamnet"] = false_alarms_per_hour(co_test.yam["probs"][ym], co_test.yam["owner"][ym], dur, thresholds, **fa_opts)
    fa["wav2vec2_int8"] = false_alarms_per_hour(co_test.w2v["wav2vec2_int8"][wm], co_test.w2v["owner"][wm], dur,
                                                thresholds, **fa_opts)
    metrics["test_false_alarms_per_hour"] = fa
    metrics["events"] = {"smoothing": dict(smoothing), **y.events}
    metrics["clip_summary"] = {"rule": "top_alarm_mean", "windows": CLIP_TOP_WINDOWS}
    log.step("test_eval")
    return TestResults(waves=test_waves, outputs=co_test, file_probs=fps)


def robustness(ctx: BuildContext, y: YamnetModel, f: Fusion, t: TestResults) -> None:
    """Band-limited and noisy versions of test clips against the same clips unmodified."""
    log, metrics = ctx.log, ctx.metrics
    ysess, test_clips = y.ysess, y.test_clips
    fusion_cfg, w2v_sess = f.config, f.w2v_sessions
    test_waves, co_test, fps = t.waves, t.outputs, t.file_probs
    # ---- robustness: band-limit and noise checks on the test split ---------------------------------
    rob = {}
    variants_audio = {
        "normal_lowpass_4k": [(c, band_limit(test_waves[i], None, 3800.0)) for i, c in enumerate(test_clips) if c.label == "normal"],
        "normal_telephone_band": [(c, band_limit(test_waves[i], 300.0, 3400.0)) for i, c in enumerate(test_clips) if c.label == "normal"],
        "scream_lowpass_4k": [(c, band_limit(test_waves[i], None, 3800.0)) for i, c in enumerate(test_clips) if c.label == "scream"],
        "cry_plus_wideband_noise_20dB": [(c, mix_at_snr(test_waves[i], np.random.default_rng(i).standard_normal(len(test_waves[i])).astype(np.float32), 20.0))
                                         for i, c in enumerate(test_clips) if c.label == "cry"],
    }
    for name, items in variants_audio.items():
        co = run_all(ysess, w2v_sess, [w for _, w in items], np.array([c.y for c, _ in items]))
        res = summaries(co, fusion_cfg)
        rob[name] = {k: {"n": v["n"], "accuracy": v["accuracy"]} for k, v in res.items()}
    # the same subsets unmodified, for comparison
    for name, lab in (("normal_original", "normal"), ("scream_original", "scream"), ("cry_original", "cry")):
        ids = [i for i, c in enumerate(test_clips) if c.label == lab]
        fps_sub = {k: p[ids] for k, p in fps.items()}
        rob[name] = {k: {"n": len(ids), "accuracy": float(np.mean(metrics_pred(k, fps_sub[k], None, co_test, ids)
                                                                   == LABELS.index(lab)))} for k in fps_sub}
    metrics["robustness_test"] = rob
    log("robustness: normal LP4k accuracy " + ", ".join(f"{k} {v['accuracy']:.3f}" for k, v in rob["normal_lowpass_4k"].items()))
    log.step("robustness")


def write_artefacts(ctx: BuildContext, d: Data, y: YamnetModel, f: Fusion) -> None:
    """manifest.json (what the package reads), the class map, metrics.json, test_files.json and the report."""
    log, metrics, extras = ctx.log, ctx.metrics, ctx.extras
    out, key = ctx.out, ctx.key
    cpc, smoothing, fusion_cfg, thresholds = d.cpc, y.smoothing, f.config, f.thresholds
    # ---- artefacts ---------------------------------------------------------------------------------
    shutil.copy(yamnet_dir() / "yamnet_class_map.csv", out / "yamnet_class_map.csv")
    version = datetime.now(timezone.utc).strftime("%Y.%m.%d") + "+" + key[:8]
    manifest = {
        "name": "cryscope-models", "version": version, "labels": list(LABELS), "sample_rate": SAMPLE_RATE,
        "models": {
            "yamnet": {"file": "yamnet.int8.onnx", "sha256": sha256_file(out / "yamnet.int8.onnx"),
                       "bytes": (out / "yamnet.int8.onnx").stat().st_size, "fp32_file": "yamnet.onnx",
                       "fp32_sha256": sha256_file(out / "yamnet.onnx"),
                       "input": {"name": "patches", "shape": [-1, 96, 64]},
                       "window_samples": YAMNET_WINDOW, "hop_samples": HOP},
            "wav2vec2": {"file": "wav2vec2.int8.onnx", "sha256": sha256_file(out / "wav2vec2.int8.onnx"),
                         "bytes": (out / "wav2vec2.int8.onnx").stat().st_size, "fp32_file": "wav2vec2.onnx",
                         "fp32_sha256": sha256_file(out / "wav2vec2.onnx"),
                         "input": {"name": "input_values", "shape": [-1, -1]},
                         "window_samples": WAV2VEC2_WINDOW, "hop_samples": HOP}},
        "audioset_labels_file": "yamnet_class_map.csv",
        "fusion": fusion_cfg,
        "thresholds": {k: {"on": v["on"], "off": v["off"]} for k, v in thresholds.items()},
        "smoothing": dict(smoothing),
        "events": dict(y.events),
        "clip_summary": {"rule": "top_alarm_mean", "windows": CLIP_TOP_WINDOWS},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    metrics["sizes_bytes"] = {f: (out / f).stat().st_size for f in ("yamnet.onnx", "yamnet.int8.onnx", "wav2vec2.onnx",
                                                                    "wav2vec2.int8.onnx")}
    metrics["augmentation"] = {"crops_per_clip": cpc, "crop_seconds": TRAIN_CROP / SAMPLE_RATE,
                               "doc": __import__("cryscope_models.augment", fromlist=["x"]).__doc__}
    log.step("artefacts")
    metrics["timings_s"] = log.timings
    metrics["stage_cache_reused"] = list(ctx.stages.reused)
    from .report import write_report
    write_report(out / "report", metrics, extras)
    (out / "report" / "metrics.json").write_text(json.dumps(metrics, indent=2, default=_json_default) + "\n")
    (out / "report" / "test_files.json").write_text(json.dumps(extras["test_files"]) + "\n")
    log("done")


def yamnet_fp32_summary(sess, waves: list[np.ndarray], y: np.ndarray) -> dict:
    """The float graph's file-level metrics, to show what int8 costs (the deployed 'yamnet' is int8)."""
    r = run_yamnet(sess, waves)
    return summarize(y, clip_probs(r["probs"], r["owner"], len(y)))


def metrics_pred(name, probs, co, co2=None, ids=None):
    """File predictions for a model: argmax, except zero-shot which uses its threshold rule."""
    from .yamnet_head import zero_shot_predict
    if name == "yamnet_zero_shot":
        c = co if co is not None else co2
        fs = file_probs(c.yam["scores"], c.yam["owner"], len(c.y))
        pred = zero_shot_predict(fs)
        return pred[ids] if ids is not None else pred
    return probs.argmax(1)


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))
