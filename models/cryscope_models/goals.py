"""The models issue's goals, each next to what this build measured: met, or missed by how much and why.

Pure: takes the build's metrics dict, returns rows; report.py renders them. The goals are the ones the models
issue states (held-out families are the selection criterion, in-split figures are reported beside them). A goal
the build cannot measure itself — Wav2Vec2 held out per family needs one model per fold, longer than a cold
build — is quoted from the recorded outside measurement (pipeline.CROSS_SOURCE_W2V_MEASURED) and says so.
"""
from dataclasses import dataclass

from .event_selection import most_sensitive_within
from .model_names import NAMES

CROSS_SOURCE_MACRO_F1 = 0.95      # ensemble, pooled over the held-out family folds
W2V_CROSS_SOURCE_MACRO_F1 = 0.88  # Wav2Vec2 alone, held-out families
LATENCY_MEDIAN_S = 1.0            # onset-to-event, from the acoustic onset, held out
IN_SPLIT_MACRO_F1 = 0.97          # ensemble, test split
COLD_BUILD_MIN = 30.0             # a cold model build on 2 cores, committed Wav2Vec2 weights
LOWPASS_DROP = 0.05               # normal accuracy may fall at most this much when low-passed at 3.8 kHz


@dataclass
class Goal:
    goal: str
    measured: str
    ok: bool
    why: str = ""
    measured_here: bool = True   # False: this build's figure cannot decide the goal (status "not measured")

    @property
    def status(self) -> str:
        return "not measured by this build" if not self.measured_here else "met" if self.ok else "**missed**"


def _events(ce: dict, oof: dict) -> list[Goal]:
    """The event goals, read from what the build chose against (its budget and recall goal), so the goal text and
    the check cannot disagree. Met only if met out of fold too (settings chosen on the other folds: out_of_fold.py)."""
    budget, recall_goal = ce["budget_per_hour"], ce["recall_goal"]
    per_hour = ce["cry"]["per_hour"] + ce["scream"]["per_hour"]
    recalls = {k: ce[k]["recall"] for k in ("cry", "scream")}
    oe = oof["events"]
    oof_per_hour = oe["cry"]["per_hour"] + oe["scream"]["per_hour"]
    oof_ok = oof_per_hour <= budget and min(oe[k]["recall"] for k in ("cry", "scream")) >= recall_goal
    pooled_ok = per_hour <= budget and min(recalls.values()) >= recall_goal
    ok = pooled_ok and oof_ok
    trade = []
    for k in ("cry", "scream"):
        share = ce[k]["budget_share_per_hour"]  # the class's part of the budget, as the build chose against it
        r = most_sensitive_within(ce[k]["curve"], share)
        trade.append(f"{k} within {share:g}/h: " + (f"recall {r['recall']:.3f} at on {r['on']:.2f}" if r else "no level"))
    worse = max(("cry", "scream"), key=lambda k: ce[k]["per_hour"])
    if ok:
        why = ""
    elif pooled_ok:
        why = (f"met on the clips the levels were chosen on, not out of fold: {oof_per_hour:.1f}/h at recall "
               f"{oe['cry']['recall']:.3f} (cry) / {oe['scream']['recall']:.3f} (scream) with settings chosen on the "
               "other folds")
    else:
        why = (f"{per_hour:.1f}/h in total at recall {recalls['cry']:.3f} (cry) / {recalls['scream']:.3f} (scream): no "
               f"level meets the budget and recall ≥ {recall_goal:g} together, and the recall floor "
               f"({ce['recall_floor']:g}) wins over the budget ({'; '.join(trade)}). {worse.capitalize()} is most of it"
               + (" — held-out animal calls score like screams (models/EXPERIMENTS.md, session 6)." if worse == "scream"
                  else "."))
    lat = [ce[k]["latency_median_s"] for k in ("cry", "scream")]
    oof_lat = [oe[k]["latency_median_s"] for k in ("cry", "scream")]
    slow = None if any(v is None for v in lat + oof_lat) else max(lat + oof_lat)
    return [
        Goal(f"False onsets ≤ {budget:g}/h (cry + scream) on held-out normal audio, episode recall "
             f"≥ {recall_goal:g}", f"cry {ce['cry']['per_hour']:.1f}/h at {recalls['cry']:.3f}, scream "
             f"{ce['scream']['per_hour']:.1f}/h at {recalls['scream']:.3f} ({ce['hours_normal']:.2f} h); out of fold: "
             f"cry {oe['cry']['per_hour']:.1f}/h at {oe['cry']['recall']:.3f}, scream {oe['scream']['per_hour']:.1f}/h at "
             f"{oe['scream']['recall']:.3f}", ok, why),
        Goal(f"Median onset-to-event latency ≤ {LATENCY_MEDIAN_S:g} s (held out, from the acoustic onset)",
             "cry " + " / scream ".join("–" if v is None else f"{v:.2f} s" for v in lat) + "; out of fold: cry "
             + " / scream ".join("–" if v is None else f"{v:.2f} s" for v in oof_lat),
             slow is not None and slow <= LATENCY_MEDIAN_S,
             "" if slow is not None and slow <= LATENCY_MEDIAN_S else "the slower class sets it; see the events section"),
    ]


def evaluate(m: dict) -> list[Goal]:
    t = m["test"]
    default = f"fusion_{m['fusion']['config']['default']}"
    weights = m["fusion"]["config"]["weights"]
    ens = t[default]["macro_f1"]
    singles = {k: t[k]["macro_f1"] for k in ("yamnet", "yamnet_zero_shot", "wav2vec2_int8")}
    best_single = max(singles, key=singles.get)
    cs = m["yamnet_head"]["cross_source"]
    chosen = next(r for r in cs["table"] if r["candidate"] == cs["chosen_name"])
    zs = cs["zero_shot_rule"]["macro_f1"]
    ev = m["fusion"]["cross_source_evidence"]
    w2v = ev["wav2vec2_alone"]
    tm = ev["with_teacher_mixtures"]   # the best-taught student, measured outside the build
    if list(weights) != [1.0, 0.0]:
        # the held-out figures below are the head's; a fusion that uses Wav2Vec2 needs its own held-out measurement
        raise ValueError(f"goals: held-out figures exist for the YAMNet-only fusion, not for weights {weights}")
    cs_ens = chosen["macro_f1"]
    oof = m["cross_source_out_of_fold"]
    oof_f1 = oof["macro_f1"]   # the same head with its offset chosen on the other folds: met only if met here too
    nested_f1 = cs["nested_out_of_fold"]["macro_f1"]   # candidate and offset chosen on the other folds: and here
    held_out = ((oof_f1, "out of fold (offset chosen on the other folds)"),
                (nested_f1, "nested (candidate and offset chosen on the other folds)"), (chosen["macro_f1"], "pooled"))
    beats_zero_shot = min(f for f, _ in held_out) > zs
    lp = m["robustness_test"]["normal_lowpass_4k"][default]["accuracy"]
    lp0 = m["robustness_test"]["normal_original"][default]["accuracy"]
    build_min = sum(m["timings_s"].values()) / 60
    reused = m["stage_cache_reused"]
    yc, p = m["yamnet_conversion"], m["wav2vec2"]["onnx_parity"]
    fa = m["test_false_alarms_per_hour"][default]
    bf = ev["best_fusion"]
    rows = [
        Goal("Fine-tuned YAMNet beats zero-shot on held-out families",
             f"{chosen['macro_f1']:.3f} ({cs['chosen_name']}; out of fold {oof_f1:.3f}, nested {nested_f1:.3f}) vs "
             f"zero-shot rule {zs:.3f}",
             beats_zero_shot, "" if beats_zero_shot else "the fine-tuned head loses what AudioSet knows"),
        Goal(f"Ensemble macro-F1 ≥ {CROSS_SOURCE_MACRO_F1:g} on held-out families",
             f"{cs_ens:.3f}; out of fold {oof_f1:.3f}; nested {nested_f1:.3f} (the shipped fusion gives YAMNet all the "
             "weight, so its held-out output is the head's)",
             min(f for f, _ in held_out) >= CROSS_SOURCE_MACRO_F1,
             "" if min(f for f, _ in held_out) >= CROSS_SOURCE_MACRO_F1 else
             "short " + ", ".join(f"by {CROSS_SOURCE_MACRO_F1 - v:.3f} {where}" for v, where in held_out
                                  if v < CROSS_SOURCE_MACRO_F1) + ": one corpus holds most cries (Donate-a-Cry) and one most "
             "screams (freesound); held out, the head learns each class from a few dozen clips of 2–3 corpora. Every "
             "head setting measured lands within ±0.005, and fine-tuning YAMNet's last block with the head does no "
             "better (worse once it moves: models/EXPERIMENTS.md); the per-family tables below show where."),
        Goal("Ensemble ≥ each single model on held-out families",
             f"ensemble = YAMNet ({cs_ens:.3f}); Wav2Vec2 alone {w2v:.3f}; best fusion measured: {bf['method']} at YAMNet "
             f"weight {bf['yamnet_weight']:g} {bf['macro_f1']:.3f} vs YAMNet {ev['yamnet_same_grid']:.3f} on the same grid "
             f"(measured outside the build: {ev['measured_by']})", cs_ens >= w2v,
             "met by weighting Wav2Vec2 down to 0: no weight gained more than the torch seed alone moves the head "
             f"({ev['head_seed_range']['value']:g} over three seeds), and a fusion that is not measurably better is "
             "not shipped"),
        Goal(f"Wav2Vec2 alone macro-F1 ≥ {W2V_CROSS_SOURCE_MACRO_F1:g} on held-out families",
             f"{w2v:.3f} ({ev['recipe']}; {tm['wav2vec2_alone']:.3f} taught by each fold's YAMNet on "
             f"{tm['mixtures_per_fold']} mixtures, all five folds, outside the build)",
             w2v >= W2V_CROSS_SOURCE_MACRO_F1,
             "" if w2v >= W2V_CROSS_SOURCE_MACRO_F1 else
             f"short by {W2V_CROSS_SOURCE_MACRO_F1 - w2v:.3f}: no pretrained Wav2Vec2 weights exist here; trained from "
             f"~1.5 k clips the compact transformer ({m['wav2vec2']['parameters'] / 1e6:.2f} M parameters) learns the "
             "corpora, not the sounds. Taught by each fold's YAMNet head on mixtures it improves where the teacher "
             "is strong (held-out phone cries) and still calls held-out normal corpora (animals, laugh tracks) alarms; "
             f"on folds 0–1, teaching it AudioSet's scores too gives {tm['folds_0_1']['teacher_and_audioset_scores']:.3f} "
             f"and anchoring it on them {tm['folds_0_1']['anchored_on_audioset']:.3f}, against "
             f"{tm['folds_0_1']['teacher']:.3f} for the plain teacher (one run each), and the best fusion with the taught "
             "student, "
             f"{tm['best_fusion']['method']} at YAMNet weight {tm['best_fusion']['yamnet_weight']:g}, gains "
             f"{tm['best_fusion']['macro_f1'] - tm['yamnet_same_grid']:+.3f} over YAMNet on the same grid — inside the "
             "head's seed range (models/EXPERIMENTS.md, sessions 8–11, 16–17)."),
        *_events(m["cross_source_events"], oof),
        Goal(f"Ensemble macro-F1 ≥ {IN_SPLIT_MACRO_F1:g} on the test split", f"{ens:.3f} ({default[7:]}, weights "
             f"{weights})", ens >= IN_SPLIT_MACRO_F1,
             "" if ens >= IN_SPLIT_MACRO_F1 else
             f"short by {IN_SPLIT_MACRO_F1 - ens:.3f}: no head measured so far reached it in-split either "
             "(models/EXPERIMENTS.md); choosing the head across sources costs a little here (it no longer learns the "
             "test split's own corpora, e.g. the Donate-a-Cry phone sound). The errors left are in the confusion "
             "matrix and the per-category table below."),
        Goal("Ensemble ≥ best single model on the test split",
             f"{ens:.3f} vs {NAMES[best_single]} {singles[best_single]:.3f}", ens >= singles[best_single] - 1e-9,
             "" if ens >= singles[best_single] - 1e-9 else f"below by {singles[best_single] - ens:.3f}"),
        Goal("False onsets per hour of test normal audio reported", f"{fa['per_hour']:.1f}/h ({fa['hours']:.2f} h)", True),
        Goal("Not relying on the 8 kHz-cry quirk", f"normal accuracy {lp0:.3f} → {lp:.3f} when low-passed at 3.8 kHz",
             lp >= lp0 - LOWPASS_DROP, "" if lp >= lp0 - LOWPASS_DROP else
             f"drops by {lp0 - lp:.3f}: bandwidth is still partly a cue"),
        Goal(f"Cold model build ≤ {COLD_BUILD_MIN:g} min on 2 cores (committed Wav2Vec2 weights)",
             f"{build_min:.1f} min of build steps on {m['machine']['cpus']} CPUs ({m['machine']['threads']} threads; "
             "plus the venv)" + (f"; **not cold**: {len(reused)} stages came from the cache ({', '.join(reused)})"
                                 if reused else "; every stage computed"),
             build_min <= COLD_BUILD_MIN,
             ("stages came from the cache, so the time is not a cold build's; a clean clone with an empty cache "
              "(CI) measures it") if reused else "" if build_min <= COLD_BUILD_MIN else
             f"over by {build_min - COLD_BUILD_MIN:.1f} min", measured_here=not reused),
        Goal("YAMNet ONNX = numpy float64 forward within 1e-4",
             f"{yc['onnx_vs_numpy_float64']['scores_max_abs']:.1e} scores, "
             f"{yc['onnx_vs_numpy_float64']['embeddings_max_abs']:.1e} embeddings",
             max(yc["onnx_vs_numpy_float64"]["scores_max_abs"], yc["onnx_vs_numpy_float64"]["embeddings_max_abs"]) <= 1e-4),
        Goal("Wav2Vec2 ONNX fp32 = PyTorch within 1e-3", f"{p['fp32_vs_torch_max_abs']:.1e}",
             p["fp32_vs_torch_max_abs"] <= 1e-3),
    ]
    return rows
