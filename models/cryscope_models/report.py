"""Writes report/report.md and PNG plots from the metrics the pipeline measured."""
import json
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import LABELS  # noqa: E402
from .model_names import NAMES  # noqa: E402


def _seconds(v) -> str:
    """A latency for the tables: '1.96 s', or '–' when no episode was found (None)."""
    return "–" if v is None else f"{v:.2f} s"


def _interval(ci) -> str:
    """' (0.6–5.7)' for a rate's 95 % interval, '' when there is none (no normal audio to count on)."""
    return "" if not ci else f" ({ci[0]:.1f}–{ci[1]:.1f})"


def _confusions(res: dict, path: Path):
    keys = list(res)
    cols = 3
    rows = int(np.ceil(len(keys) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.6 * rows))
    for ax, k in zip(np.ravel(axes), keys):
        cm = np.array(res[k]["confusion"])
        ax.imshow(cm, cmap="Blues")
        for i in range(3):
            for j in range(3):
                ax.text(j, i, cm[i, j], ha="center", va="center", color="black")
        ax.set_xticks(range(3), LABELS); ax.set_yticks(range(3), LABELS)
        ax.set_title(f"{NAMES.get(k, k)}\nmacro-F1 {res[k]['macro_f1']:.3f}", fontsize=9)
        ax.set_xlabel("predicted"); ax.set_ylabel("true")
    for ax in np.ravel(axes)[len(keys):]:
        ax.axis("off")
    fig.tight_layout(); fig.savefig(path, dpi=80); plt.close(fig)


def _rocs(roc: dict, res: dict, path: Path):
    keys = list(roc)
    cols = 3
    rows = int(np.ceil(len(keys) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.6 * rows))
    for ax, k in zip(np.ravel(axes), keys):
        for lab, (fpr, tpr) in roc[k].items():
            auc = res[k].get("roc_auc", {}).get(lab)
            ax.plot(fpr, tpr, label=f"{lab} AUC {auc:.3f}" if auc is not None else lab)
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        ax.set_title(NAMES.get(k, k), fontsize=9); ax.legend(fontsize=7, loc="lower right")
        ax.set_xlabel("false positive rate"); ax.set_ylabel("true positive rate")
    for ax in np.ravel(axes)[len(keys):]:
        ax.axis("off")
    fig.tight_layout(); fig.savefig(path, dpi=80); plt.close(fig)


def _curves(extras: dict, path: Path):
    panels = [("YAMNet head", extras["curves_yamnet_head"])] if extras.get("curves_yamnet_head") else []
    for v, c in (extras.get("curves_wav2vec2") or {}).items():
        panels.append((f"Wav2Vec2 {v}: fine-tune", c.get("finetune") or []))
        for pre in ("distill", "contrastive"):
            if c.get(pre):
                panels.append((f"Wav2Vec2 {v}: {pre}", c[pre]))
    fig, axes = plt.subplots(len(panels), 2, figsize=(10, 2.8 * len(panels)), squeeze=False)
    for (title, curve), (a1, a2) in zip(panels, axes):
        ep = [r["epoch"] for r in curve]
        for key in ("train_loss", "val_loss", "distill_loss", "contrastive_loss"):
            if curve and key in curve[0]:
                a1.plot(ep, [r[key] for r in curve], marker=".", label=key)
        for key in ("train_acc", "val_acc", "val_macro_f1"):
            if curve and key in curve[0]:
                a2.plot(ep, [r[key] for r in curve], marker=".", label=key)
        a1.set_title(f"{title}: loss", fontsize=9); a2.set_title(f"{title}: accuracy / F1", fontsize=9)
        a1.legend(fontsize=7); a2.legend(fontsize=7); a1.set_xlabel("epoch"); a2.set_xlabel("epoch")
    fig.tight_layout(); fig.savefig(path, dpi=80); plt.close(fig)


def _table(res: dict) -> str:
    lines = ["| model | accuracy | macro-F1 | cry P/R/F1 | scream P/R/F1 | normal P/R/F1 | AUC cry / scream / normal |",
             "|---|---|---|---|---|---|---|"]
    for k, r in res.items():
        pc = r["per_class"]
        prf = [f"{pc[l]['precision']:.3f} / {pc[l]['recall']:.3f} / {pc[l]['f1']:.3f}" for l in LABELS]
        auc = r.get("roc_auc", {})
        aucs = " / ".join(f"{auc[l]:.3f}" if auc.get(l) is not None else "-" for l in LABELS)
        lines.append(f"| {NAMES.get(k, k)} | {r['accuracy']:.3f} | **{r['macro_f1']:.3f}** | {prf[0]} | {prf[1]} | {prf[2]} | {aucs} |")
    return "\n".join(lines)


def _goals(m: dict) -> list[str]:
    """The models issue's goals next to what this build measured (goals.py decides met / missed and why)."""
    from .goals import evaluate
    rows = ["## Goals vs measured\n",
            "| goal (models issue) | measured in this build | status | by how much / why |", "|---|---|---|---|"]
    rows += [f"| {g.goal} | {g.measured} | {g.status} | {g.why} |" for g in evaluate(m)]
    return rows + [""]


def _cross_source(m: dict) -> list[str]:
    """The held-out-family section: every head candidate, the classic zero-shot rule, per family and
    the normal categories most often called cry or scream."""
    cs = m["yamnet_head"]["cross_source"]
    L = ["## Cross-source: held-out families (the selection criterion)\n",
         f"{cs['eligible_clips']} train+val clips in {len(cs['folds'])} families, {max(cs['folds'].values()) + 1} folds of "
         "whole families (`crosssource.py`): each candidate is trained on the augmented crops of the other folds' "
         "families and scored on the held-out families' clips; the pooled held-out predictions give these numbers. "
         "The test split is not used. The YAMNet head is chosen here (ties within "
         f"{cs['tie_margin']} go to the candidate closest to zero-shot); each head's normal offset is the largest "
         f"whose macro-F1 is within the same {cs['tie_margin']} of its best offset's (fewer false alarms; "
         "`head_selection.normal_offset`). *Out of fold*: the same offset rule applied on four folds' clips and "
         "scored on the fifth's (`out_of_fold.py`) — the pooled figure chooses the offset on the clips it scores.\n",
         "| YAMNet head | cross-source macro-F1 (normal offset) | out of fold | without offset | cry P / R | scream P / R | normal recall | normal clips called cry/scream |",
         "|---|---|---|---|---|---|---|---|"]
    for r in cs["table"] + [cs["zero_shot_rule"]]:
        pc = r["per_class"]
        mark = " (chosen)" if r["candidate"] == cs["chosen_name"] else ""
        off = f" ({r['normal_offset']:+g})" if "normal_offset" in r else ""
        plain = f"{r['macro_f1_without_offset']:.3f}" if "macro_f1_without_offset" in r else "-"
        oof = f"{r['macro_f1_out_of_fold']:.3f}" if "macro_f1_out_of_fold" in r else "- (nothing fitted)"
        L.append(f"| {r['candidate']}{mark} | **{r['macro_f1']:.3f}**{off} | {oof} | {plain} | {pc['cry']['precision']:.2f} / {pc['cry']['recall']:.2f} | "
                 f"{pc['scream']['precision']:.2f} / {pc['scream']['recall']:.2f} | {pc['normal']['recall']:.3f} | "
                 f"{r['normal_false_alarms']} |")
    chosen = next(r for r in cs["table"] if r["candidate"] == cs["chosen_name"])
    L.append(f"\nConfusion of the chosen head (rows true cry/scream/normal, columns predicted): `{chosen['confusion']}`; "
             f"of the zero-shot rule: `{cs['zero_shot_rule']['confusion']}`.\n")
    oof = m["cross_source_out_of_fold"]
    offsets = ", ".join(f"{r['normal_offset']:+g}" for r in oof["per_fold"])
    L.append(f"**Out of fold.** The table chooses each normal offset on the clips it then scores, which flatters it. "
             f"With the chosen head's offset chosen on the other four folds' clips and applied to the fifth "
             f"(`out_of_fold.py`; offsets per fold {offsets}), "
             f"it scores **{oof['macro_f1']:.3f}** held out ({chosen['macro_f1']:.3f} above), "
             f"{oof['normal_false_alarms']} normal clips called cry/scream ({chosen['normal_false_alarms']} above); "
             f"confusion `{oof['confusion']}`. The head candidate itself is still chosen on all five folds.\n")
    nested = cs["nested_out_of_fold"]
    picks = "; ".join(f"fold {r['fold']}: {r['candidate']} {r['normal_offset']:+g}" for r in nested["per_fold"])
    L.append(f"**Nested.** With the candidate chosen out of fold as well (the table's rule, candidate then its "
             f"offset, applied to the other four folds' clips; `head_selection.nested_out_of_fold`), no choice is made "
             f"on the clips it is scored on: **{nested['macro_f1']:.3f}**, {nested['normal_false_alarms']} normal clips "
             f"called cry/scream; confusion `{nested['confusion']}`. Chosen per fold: {picks}. Not a full nested "
             "retrain: the other folds' held-out predictions it chooses on come from heads trained with this fold's "
             "clips among others.\n")
    fold_of = cs["folds"]
    for name, d in cs["detail"].items():
        L.append(f"Per held-out family — {name}:\n")
        L.append("| family | fold | clips | accuracy | normal clips called cry/scream |\n|---|---|---|---|---|")
        for fam, r in sorted(d["per_family"].items(), key=lambda kv: -kv[1]["n"]):
            L.append(f"| {fam} | {fold_of[fam]} | {r['n']} {json.dumps(r['labels'])} | {r['accuracy']:.3f} | {r['normal_false_alarms']} |")
        L.append("\nWorst normal categories: " + "; ".join(
            f"{w['category']} {w['as_cry'] + w['as_scream']}/{w['n']} (cry {w['as_cry']}, scream {w['as_scream']})"
            for w in d["worst_normal_categories"] if w["as_cry"] + w["as_scream"]) + "\n")
    return L


def _events_out_of_fold(oof: dict) -> list[str]:
    """The event settings chosen on four folds and replayed on the fifth (out_of_fold.py), pooled and per fold."""
    ev = oof["events"]
    L = ["**Out of fold.** The levels above are chosen on the clips they are scored on. Chosen instead on the other "
         "four folds (normal offset, smoothing, minimum episode and both 'on' levels, by the same rules) and replayed on "
         "the fifth, pooled: " + "; ".join(
             f"{k} {ev[k]['per_hour']:.1f} false onsets/h ({ev[k]['false_onsets']} in {ev[k]['hours']:.2f} h), episode "
             f"recall {ev[k]['recall']:.3f} ({ev[k]['heard']}/{ev[k]['positives']}), latency median "
             f"{_seconds(ev[k]['latency_median_s'])}" for k in ("cry", "scream")) + ".\n",
         "| fold | clips | normal offset | α | min episode | cry on | cry false onsets | cries heard | scream on | "
         "scream false onsets | screams heard |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in oof["per_fold"]:
        c, sc = r["cry"], r["scream"]
        L.append(f"| {r['fold']} | {r['clips']} | {r['normal_offset']:+g} | {r['alpha']:g} | {r['min_duration_s']:g} s | "
                 f"{c['on']:.2f} | {c['false_onsets']} | {c['heard']}/{c['positives']} | {sc['on']:.2f} | "
                 f"{sc['false_onsets']} | {sc['heard']}/{sc['positives']} |")
    return L + [""]


def write_report(d: Path, m: dict, extras: dict) -> None:
    d.mkdir(parents=True, exist_ok=True)
    _confusions(m["test"], d / "confusion_test.png")
    _confusions(m["validation"], d / "confusion_val.png")
    _rocs(extras["roc_test"], m["test"], d / "roc_test.png")
    _curves(extras, d / "training_curves.png")
    w = m["wav2vec2"]; yc = m["yamnet_conversion"]; dat = m["data"]
    L = []
    L.append("# cryscope models — evaluation report\n")
    L.append(f"Build key `{m['key']}`, built {m['built_at']} on {m['machine']['cpus']} CPUs "
             f"({m['machine']['threads']} threads). All numbers below were measured by this build"
             + (" — **QUICK smoke build (few epochs): not representative**" if m["quick"] else "") + ".\n")
    L.append("File-level results: a file's prediction is the class with the highest probability averaged over "
             f"its {m['clip_summary']['windows']} most alarming windows (largest 1 − p(normal); metrics.clip_probs — "
             "a recording with a few seconds of crying is a recording of a cry) "
             f"(YAMNet: 0.975 s windows, Wav2Vec2 and fusion: {m['wav2vec2']['window_seconds']:g} s windows, hop {m['hop_seconds']:g} s). "
             "Every model is evaluated as deployed: int8 YAMNet and int8 Wav2Vec2 (fusion too). YAMNet zero-shot follows the MediaPipe rule "
             "(mean AudioSet score of `Baby cry, infant cry`/`Crying, sobbing` or `Screaming` ≥ 0.1, else normal).\n")
    L += _goals(m)
    L += _cross_source(m)
    L.append("## Test split (touched once)\n"); L.append(_table(m["test"]))
    L.append("\n![confusion](confusion_test.png)\n\n![roc](roc_test.png)\n")
    L.append("## Validation split (model selection, fusion fit, thresholds)\n"); L.append(_table(m["validation"]))
    L.append("\n![confusion](confusion_val.png)\n")
    f = m["fusion"]
    L.append("## Fusion\n")
    L.append(f"Shipped: **{f['config']['default']}** with weights [yamnet, wav2vec2] = {f['config']['weights']}, the choice "
             "made on held-out families (pipeline.py `CROSS_SOURCE_FUSION`, models/EXPERIMENTS.md). The in-split fit "
             f"below (5-fold cross-validated on validation, folds by recording) would have chosen "
             f"**{f['in_split_choice']['default']}** with weights {f['in_split_choice']['weights']}: in-split "
             "validation always rated Wav2Vec2 higher than recordings from other sources did.\n")
    L.append("| method | validation macro-F1, cross-validated | validation macro-F1, in-sample |\n|---|---|---|")
    for k, v in f["validation"].items():
        cvs = f"{v['cv_macro_f1']:.4f}" if "cv_macro_f1" in v else "-"
        L.append(f"| {k} | {cvs} | {v.get('macro_f1_shared_weights', v['macro_f1']):.4f} |")
    L.append(f"\nThresholds shipped (chosen on held-out families, next section): `{json.dumps(m['thresholds'])}`; "
             f"the in-split rule (window F1 on validation) would have given `{json.dumps(m['thresholds_in_split'])}`.\n")
    ce = m["cross_source_events"]
    L.append("## Events on held-out families: false onsets per hour, episode recall, latency\n")
    L.append(f"The core's event rule (decider_replica.py, checked against the WASM Decider) replayed over the held-out "
             f"window probabilities of the chosen YAMNet head: false onsets per hour of normal audio ({ce['hours_normal']:.2f} h, "
             f"every normal clip back to back as one stream) and episode recall (each clip of the class after 4 s of a normal "
             f"clip; an onset inside the clip counts). Latency: from the clip's acoustic onset (the first 100 ms frame within 20 dB "
             f"of its loudest, as web/bench/onset.mjs) to the first onset decision; each clip starts on the {m['hop_seconds']:g} s decision grid, "
             f"so a cry that starts with its clip costs at least one 0.96 s window (live, onsets fall anywhere in the hop). Budget "
             f"{ce['budget_per_hour']:g}/h for cry + scream, split evenly; goal recall ≥ {ce['recall_goal']:g}, floor "
             f"{ce['recall_floor']:g}.\n")
    if "alternatives" in ce:
        L.append(f"Smoothing and minimum episode chosen together: EMA α = {ce['alpha']:g}, minimum episode "
                 f"{ce['min_duration_s']:g} s ({ce['settings_rule']}); cooldown {ce['cooldown_s']:g} s, fixed.\n")
        L.append("| α | min episode | cry on | cry /h | cry recall | cry latency | scream on | scream /h | scream recall | "
                 "scream latency |\n|---|---|---|---|---|---|---|---|---|---|")
        for a in ce["alternatives"]:
            c, sc = a["cry"], a["scream"]
            L.append(f"| {a['alpha']:g} | {a['min_duration_s']:g} s | {c['on']:.2f} | {c['per_hour']:.1f} | {c['recall']:.3f} | {_seconds(c['latency_median_s'])} "
                     f"| {sc['on']:.2f} | {sc['per_hour']:.1f} | {sc['recall']:.3f} | {_seconds(sc['latency_median_s'])} |")
        L.append("")
    for k in ("cry", "scream"):
        c = ce[k]
        L.append(f"**{k}**: chosen on {c['on']} / off {c['off']} ({c['rule']}) → {c['per_hour']:.1f} false onsets/h"
                 f"{_interval(c['per_hour_ci95'])}, "
                 f"episode recall {c['recall']:.3f}, latency median {_seconds(c['latency_median_s'])}; goals ≤ "
                 f"{c['budget_share_per_hour']:g}/h and ≥ {ce['recall_goal']:g}: "
                 + ("met" if c["within_budget"] and c["recall"] >= ce["recall_goal"] else "**missed**") + ".\n")
        L.append("| on | false onsets | per hour (95 % interval) | episode recall | latency median | latency p90 |\n"
                 "|---|---|---|---|---|---|")
        for r in c["curve"]:
            L.append(f"| {r['on']:.2f} | {r['false_onsets']} | {r['per_hour']:.1f}{_interval(r['per_hour_ci95'])} | {r['recall']:.3f} | "
                     f"{_seconds(r['latency_median_s'])} | {_seconds(r['latency_p90_s'])} |")
        L.append("")
    L += _events_out_of_fold(m["cross_source_out_of_fold"])
    L.append("## False alarms (test, normal clips)\n")
    ev = m["events"]
    L.append(f"Onsets per hour of normal audio, the normal clips back to back (EMA α={ev['smoothing']['alpha']}, hysteresis "
             f"thresholds above, min duration {ev['min_duration_s']:g} s, as the manifest ships):\n\n| model | hours | cry episodes | scream episodes | per hour |\n|---|---|---|---|---|")
    for k, v in m["test_false_alarms_per_hour"].items():
        L.append(f"| {NAMES.get(k, k)} | {v['hours']:.3f} | {v['cry']} | {v['scream']} | {v['per_hour']:.1f} |")
    L.append("\nFile-level false alarms per normal category (clips predicted cry or scream / clips):\n")
    bd = m["test_normal_breakdown"]
    cats = [c for c in next(iter(bd.values())) if not c.startswith("_")]
    L.append("| model | " + " | ".join(cats) + " |\n|---|" + "---|" * len(cats))
    for k, row in bd.items():
        L.append(f"| {NAMES.get(k, k)} | " + " | ".join(f"{row[c]['false_alarms']}/{row[c]['n']}" for c in cats) + " |")
    L.append("\nCry recall by source (test): " + "; ".join(
        f"{NAMES.get(k, k)}: " + ", ".join(f"{s.split('/')[0]} {v:.2f}" for s, v in row["_cry_recall_by_source"].items())
        for k, row in bd.items()) + "\n")
    L.append("## Robustness to the source quirks (test split)\n")
    L.append("Accuracy on subsets; `normal_lowpass_4k` = normal clips low-passed at 3.8 kHz (the Donate-a-Cry "
             "bandwidth). If a model had learned 'no energy above 4 kHz = cry', this would collapse.\n")
    rob = m["robustness_test"]
    keys = list(next(iter(rob.values())).keys())
    L.append("| subset | " + " | ".join(NAMES.get(k, k) for k in keys) + " |\n|---|" + "---|" * len(keys))
    for name, row in rob.items():
        L.append(f"| {name} (n={next(iter(row.values()))['n']}) | " + " | ".join(f"{row[k]['accuracy']:.3f}" for k in keys) + " |")
    L.append("\n## YAMNet\n")
    L.append(f"ONNX graph built from `yamnet.npz` with the onnx helper API (TF SAME padding: stride-2 layers "
             f"pad bottom/right only). Parity on {yc['patches']} real patches: ONNX vs independent float64 numpy "
             f"forward pass: scores max |Δ| {yc['onnx_vs_numpy_float64']['scores_max_abs']:.2e}, embeddings "
             f"{yc['onnx_vs_numpy_float64']['embeddings_max_abs']:.2e}, head probs "
             f"{yc['onnx_vs_numpy_float64']['probs_max_abs']:.2e}. Versus `yamnet.tflite` (ai-edge-litert, "
             f"DRQ int8 hybrid kernels): max |Δscore| {yc['onnx_vs_tflite']['max_abs']:.3f}, mean "
             f"{yc['onnx_vs_tflite']['mean_abs']:.5f}; top-1 equal on all clips: {yc['onnx_vs_tflite']['top1_equal_all']}; "
             f"top-5 sets equal on {yc['onnx_vs_tflite']['top5_equal_sets']}/{len(yc['onnx_vs_tflite']['clips'])} "
             "clips (WEIGHTS.md predicts 0.02–0.8 max deviation from the hybrid quantisation).\n")
    q = yc.get("int8_vs_fp32")
    if q:
        L.append("Deployed graph `yamnet.int8.onnx`: the 13 pointwise layers dynamically quantised (uint8 weights "
                 "per channel, activations per run; head and AudioSet classifier float), run one patch at a time. "
                 f"int8 vs fp32 on the same patches: scores max |Δ| {q['scores']['max_abs']:.3f} (mean "
                 f"{q['scores']['mean_abs']:.5f}), embeddings {q['embeddings']['max_abs']:.3f}, head probs "
                 f"{q['probs']['max_abs']:.3f} (mean {q['probs']['mean_abs']:.4f}). Test macro-F1 int8 "
                 f"{m['test']['yamnet']['macro_f1']:.4f} vs fp32 {m['test']['yamnet_fp32']['macro_f1']:.4f}.\n")
    h = m["yamnet_head"]
    L.append(f"Head: backbone frozen; chosen on the cross-source folds (section above): **{h['chosen']}**; "
             f"in-split validation macro-F1 {h['in_split_validation_macro_f1']:.4f}. Features: "
             f"`{json.dumps(h['features'])}`. {h['train_windows']} training windows, class weights "
             f"{np.round(h['class_weights'], 3).tolist()}.\n")
    L.append("## Wav2Vec2\n")
    L.append(f"Config: `{json.dumps(w['config'])}`; {w['parameters']:,} parameters; "
             f"{w['macs_per_second_audio']['total'] / 1e6:.1f} M multiply-accumulates per second of audio "
             f"(≈{2 * w['macs_per_second_audio']['total'] / 1e6:.0f} MFLOPs/s). Source: {w['source']}. "
             f"Epochs: {w['epochs']}, {w['train_crops']} training crops of {m['augmentation']['crop_seconds']:g} s; "
             f"deployed window {w['window_seconds']:g} s.\n")
    L.append("| variant | validation macro-F1 | validation accuracy | train time (s) |\n|---|---|---|---|")
    for v in w["variants"]:
        L.append(f"| {v['variant']} | {v['val_macro_f1']:.4f} | {v['val_accuracy']:.4f} | {v['seconds']:.0f} |")
    if not any("contrastive" in v["variant"] for v in w["variants"]):
        L.append("\nNot run in this build: the contrastive variants (a) wav2vec 2.0 pretraining and (c) contrastive + "
                 "distillation (`CRYSCOPE_W2V_VARIANTS=contrastive+distill`); the code path is tested with a tiny "
                 "config. They were left out of the default build to keep a cold build within the time budget on "
                 "2 shared cores.\n")
    p = w["onnx_parity"]
    L.append(f"\nChosen: **{w['chosen']}**. ONNX fp32 vs PyTorch probs: max |Δ| {p['fp32_vs_torch_max_abs']:.2e} "
             f"(1.25 s input: {p['fp32_vs_torch_max_abs_1.25s']:.2e}). int8 (dynamic, MatMul/Gemm) vs fp32: "
             f"max |Δ| {p['int8_vs_fp32_max_abs']:.4f}, mean {p['int8_vs_fp32_mean_abs']:.5f}, argmax agreement "
             f"{p['int8_vs_fp32_argmax_agreement']:.3f}. Test macro-F1 fp32 {m['test']['wav2vec2_fp32']['macro_f1']:.4f} "
             f"vs int8 {m['test']['wav2vec2_int8']['macro_f1']:.4f}.\n")
    L.append("![curves](training_curves.png)\n")
    L.append("## Data, split, leakage, imbalance, augmentation\n")
    L.append(f"{dat['clips']} clips in {dat['groups']} recording groups. Split 70/15/15 stratified by (label, category), "
             f"grouped by recording (groups across splits: {dat['groups_across_splits']}). Clips per split: "
             f"`{json.dumps(dat['split_counts'])}`; hours: "
             f"`{json.dumps({k: round(v, 3) for k, v in dat['split_hours'].items()})}`.\n")
    lk = m["leakage"]
    L.append(f"Near-duplicates (cosine of mean YAMNet embeddings > {lk['near_duplicates']['threshold']}): "
             f"{lk['near_duplicates']['cross_split_pairs']} pairs across splits, {lk['near_duplicates']['same_split_pairs']} "
             f"within a split. Of the cross-split candidates, {lk['near_duplicates']['cross_split_confirmed_by_waveform']} "
             f"are the same audio by waveform cross-correlation > 0.9 (max over candidates "
             f"{lk['near_duplicates']['max_waveform_xcorr']:.3f}); identical waveforms across splits: "
             f"{lk['exact_duplicate_waveforms_across_splits']}. The embedding test is coarse: quiet ambience and "
             "breathing recordings of one source sound alike without being duplicates.\n")
    if lk["near_duplicates"]["examples"]:
        L.append("Cross-split near-duplicate examples:\n")
        for e in lk["near_duplicates"]["examples"][:10]:
            L.append(f"- {e['a']} ({e['splits'][0]}) ~ {e['b']} ({e['splits'][1]}): cosine {e['cosine']:.4f}, "
                     f"waveform xcorr {e['waveform_xcorr']:.3f}")
        L.append("")
    L.append(f"Imbalance: augmented crops per training clip {m['augmentation']['crops_per_clip']} (plus one clean "
             "crop each) and class-weighted cross-entropy in every head.\n")
    L.append("Augmentation (`cryscope_models/augment.py`):\n```\n" + m["augmentation"]["doc"].strip() + "\n```\n")
    L.append("## Sizes and timings\n")
    L.append("| file | bytes |\n|---|---|\n" + "\n".join(f"| {k} | {v:,} |" for k, v in m["sizes_bytes"].items()))
    L.append("\nBuild step timings (s): `" + json.dumps(m["timings_s"]) + "`\n")
    (d / "report.md").write_text("\n".join(L) + "\n")
