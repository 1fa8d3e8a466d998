"""Writes report/report.md and PNG plots from the metrics the pipeline measured."""
import json
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import LABELS  # noqa: E402

NAMES = {"yamnet_zero_shot": "YAMNet zero-shot", "yamnet": "YAMNet fine-tuned head",
         "wav2vec2_fp32": "Wav2Vec2 fp32", "wav2vec2_int8": "Wav2Vec2 int8",
         "fusion_mean": "Fusion: mean", "fusion_weighted_mean": "Fusion: weighted mean",
         "fusion_geometric_mean": "Fusion: geometric mean", "fusion_vote": "Fusion: vote",
         "fusion_logistic": "Fusion: logistic"}


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
    panels = [("YAMNet head", extras.get("curves_yamnet_head") or [])]
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
    L.append("File-level results: a file's prediction is the class with the highest mean probability over "
             "its windows (YAMNet: 0.975 s windows, Wav2Vec2 and fusion: 2 s windows, hop 0.5 s). "
             "Fusion uses the int8 Wav2Vec2 (the deployed one). YAMNet zero-shot follows the MediaPipe rule "
             "(mean AudioSet score of `Baby cry, infant cry`/`Crying, sobbing` or `Screaming` ≥ 0.1, else normal).\n")
    L.append("## Test split (touched once)\n"); L.append(_table(m["test"]))
    L.append("\n![confusion](confusion_test.png)\n\n![roc](roc_test.png)\n")
    L.append("## Validation split (model selection, fusion fit, thresholds)\n"); L.append(_table(m["validation"]))
    L.append("\n![confusion](confusion_val.png)\n")
    f = m["fusion"]
    L.append("## Fusion\n")
    L.append(f"Fitted on validation windows only. Default: **{f['config']['default']}**; weights "
             f"[yamnet, wav2vec2] = {f['config']['weights']}.\n")
    L.append("| method | validation macro-F1 |\n|---|---|")
    for k, v in f["validation"].items():
        L.append(f"| {k} | {v.get('macro_f1_shared_weights', v['macro_f1']):.4f} |")
    L.append(f"\nThresholds (chosen on validation, fused default method): `{json.dumps(m['thresholds'])}`\n")
    L.append("## False alarms (test, normal clips)\n")
    L.append("Alarm episodes per hour of normal audio, stream-style (EMA α=0.5, hysteresis thresholds above, "
             "min duration 1 s):\n\n| model | hours | cry episodes | scream episodes | per hour |\n|---|---|---|---|---|")
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
    h = m["yamnet_head"]
    L.append(f"Head: backbone frozen; features = {h['features']}; candidates (validation file macro-F1): "
             + "; ".join(f"hidden {c['hidden']} wd {c['weight_decay']}: {c['val_macro_f1']:.4f}" for c in h["candidates"])
             + f". Chosen: hidden {h['chosen']['hidden']}, wd {h['chosen']['weight_decay']}. "
             f"{h['train_windows']} training windows, class weights {np.round(h['class_weights'], 3).tolist()}.\n")
    L.append("## Wav2Vec2\n")
    L.append(f"Config: `{json.dumps(w['config'])}`; {w['parameters']:,} parameters; "
             f"{w['macs_per_second_audio']['total'] / 1e6:.1f} M multiply-accumulates per second of audio "
             f"(≈{2 * w['macs_per_second_audio']['total'] / 1e6:.0f} MFLOPs/s). Source: {w['source']}. "
             f"Epochs: {w['epochs']}, {w['train_crops']} training crops of 2 s.\n")
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
