"""Experiment: how Wav2Vec2 and the fusion do on held-out families (not part of the build: it trains
one Wav2Vec2 per fold, ~5x the build's Wav2Vec2 time; 36 min for 12 epochs on 2 cores).

For each family fold (crosssource.py): train the compact Wav2Vec2 from scratch on the augmented crops of
the other folds' training clips (best epoch by those folds' validation clips), and the anchored YAMNet
head (family-balanced, --l2, as the build chooses it) on the same crops; predict every window of the
held-out families' train+val clips with both. YAMNet gets the build's normal-logit offset (chosen on its
pooled held-out predictions, head_selection.normal_offset). Then every clip is judged as the product
judges it (metrics.clip_probs: its 3 most alarming windows) for Wav2Vec2 alone, YAMNet alone and each
fusion method / weight, and the window probabilities go to --out (npz) for later analysis.

  python models/tools/w2v_cross_source.py --stages ~/.cache/cryscope/models/stages --key <feat key> \
      --epochs 12 --l2 1.0 --out /tmp/w2v_cs.npz
  python models/tools/w2v_cross_source.py ... --score-only /tmp/w2v_cs.npz   # rescore a saved run
  python models/tools/w2v_cross_source.py ... --distill-epochs 4 --out /tmp/w2v_cs_distill.npz
  python models/tools/w2v_cross_source.py ... --teacher-mix 3000 --out /tmp/w2v_cs_mix.npz
  python models/tools/w2v_cross_source.py ... --teacher-mix 9000 --distill-epochs 2 --distill-weight 1.0 \
      [--anchored 1] --out /tmp/w2v_cs_as.npz   # + AudioSet scores of crops and mixtures [anchored on them]
(--key: the build's feature stage key, printed in the stage file names crops-<key>.npz.)
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import held_out  # noqa: E402  (tools/, on the path as the script's folder)
from cryscope_models import TRAIN_CROP, yamnet_head as yh  # noqa: E402
from cryscope_models.augment import augment, mix_at_snr, random_crop, rms  # noqa: E402
from cryscope_models.evaluate import pair_windows, w2v_inputs  # noqa: E402
from cryscope_models.fusion import METHODS, apply  # noqa: E402
from cryscope_models.head_selection import normal_offset, shifted  # noqa: E402
from cryscope_models.metrics import clip_probs, summarize  # noqa: E402
from cryscope_models.wav2vec2_model import Distiller, build_model, make_config  # noqa: E402
from cryscope_models.wav2vec2_train import distill, finetune, predict_windows, seed_all  # noqa: E402
from cryscope_models import yamnet_features as yf  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", required=True); ap.add_argument("--key", required=True)
    ap.add_argument("--epochs", type=int, default=12); ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2); ap.add_argument("--out")
    ap.add_argument("--folds", default="", help="comma list of folds to run (default all)")
    ap.add_argument("--score-only", metavar="NPZ", help="reuse the Wav2Vec2 window probabilities of a saved run")
    ap.add_argument("--distill-epochs", type=int, default=0,
                    help="first regress pretrained YAMNet's AudioSet embeddings + scores on the fold's training crops "
                         "(label-free: the teacher never saw our labels), then fine-tune with that loss as a "
                         "regulariser — the build's 'distill' variant; 0 = from scratch")
    ap.add_argument("--teacher-mix", type=int, default=0, metavar="N",
                    help="add N new 2 s mixtures per fold (two of the fold's training clips at -5..20 dB, then the "
                         "usual reverb / band / noise / gain), labelled by the fold's YAMNet head (its 3-class "
                         "probabilities per window before the normal offset, soft targets): the issue's teacher "
                         "route; 0 = labels only")
    ap.add_argument("--anchored", type=float, default=None, metavar="SCALE",
                    help="the student predicts pretrained YAMNet's 521 AudioSet logits (regressed on every crop and "
                         "teacher mixture) and its class logits are the zero-shot prior of those logits, as the "
                         "YAMNet head's are, + SCALE x a residual from its pooled features (0 = the prior alone)")
    ap.add_argument("--distill-weight", type=float, default=0.3,
                    help="weight of the AudioSet regression beside the label loss while fine-tuning")
    a = ap.parse_args()
    if not (a.out or a.score_only):
        ap.error("--out is required unless --score-only is given")
    torch.set_num_threads(a.threads)
    h = held_out.load(a.stages, a.key)
    ds, clips, crops, ytr, clean = h.ds, h.clips, h.crops, h.ytr, h.clean
    train_ids, val_ids, eligible, folds = h.train_ids, h.val_ids, h.eligible, h.folds
    fold_clip, crop_clip, crop_fold = h.fold_clip, h.crop_clip, h.crop_fold
    y = np.array([c.y for c in clips])
    xa, pa = yh.anchored_features(ytr["emb"], ytr["scores"])  # 3 YAMNet windows per 2 s crop
    win_family = np.repeat([clips[i].family for i in crop_clip], 3)
    ca, cp = yh.anchored_features(clean["embeddings"], clean["scores"])
    run = [int(k) for k in a.folds.split(",")] if a.folds else sorted(set(folds.values()))
    yam_probs = np.full((len(clean["owner"]), 3), np.nan, np.float32)
    w_x, w_owner, w_end = w2v_inputs([ds.waves[c.file] for c in clips])
    if a.score_only:
        saved = np.load(a.score_only)
        if not np.array_equal(saved["w2v_owner"], w_owner) or not np.array_equal(saved["w2v_end"], w_end):
            raise SystemExit(f"{a.score_only}: its Wav2Vec2 windows are not this data's")
        w_probs = saved["w2v_probs"]
        run = sorted(set(fold_clip[saved["held"]].tolist()))
    else:
        w_probs = np.full((len(w_x), 3), np.nan, np.float32)
    finished = []
    # pretrained YAMNet, which hears the teacher's mixtures as the build's crops (--teacher-mix only)
    backbone = yf.backbone_session(yf.load_weights(), a.threads) if a.teacher_mix and not a.score_only else None

    def save(folds_done):
        if a.out:
            np.savez(a.out, yam_probs=yam_probs, yam_owner=clean["owner"], yam_end=clean["end"], w2v_probs=w_probs,
                     w2v_owner=w_owner, w2v_end=w_end, files=np.array([c.file for c in clips]),
                     held=np.flatnonzero(np.isin(fold_clip, folds_done)))
    for k in run:
        t0 = time.time()
        held = np.flatnonzero(fold_clip == k)
        cm = (crop_fold != k) & (crop_fold >= 0)
        wm = np.repeat(cm, 3)
        # the build's head: anchored, family-balanced (head_selection.py)
        m, mu, sd = yh.train_anchored(xa[wm], pa[wm], np.repeat(crops["y"], 3)[wm], 0, a.l2,
                                      sample_weight=yh.family_balance(win_family[wm]))
        win = np.isin(clean["owner"], held)
        yam_probs[win] = yh.predict_anchored(m, mu, sd, ca[win], cp[win])
        if a.score_only:
            continue
        # Wav2Vec2 on the other folds' crops; best epoch by the other folds' validation clips
        vids = np.array([i for i in val_ids if fold_clip[i] != k])
        vx, vo, _ = w2v_inputs([ds.waves[clips[i].file] for i in vids])
        val = {"windows": vx, "owner": vo, "y": y[vids]}
        sub = {"x": crops["x"][cm], "y": crops["y"][cm]}
        if a.teacher_mix:
            pool = np.unique(crop_clip[cm])  # the fold's training clips, never the held-out families
            mx = teacher_mixtures([ds.waves[clips[i].file] for i in pool], y[pool], a.teacher_mix,
                                  np.random.default_rng(1000 + k))
            f = yf.crop_features(backbone, mx)
            mix_emb, mix_sco = f["emb"].reshape(-1, 3, 1024), f["scores"].reshape(-1, 3, 521)
            tx, tp = yh.anchored_features(f["emb"], f["scores"])
            t_win = yh.predict_anchored(m, mu, sd, tx, tp).reshape(-1, 3, 3)
            sub = {"x": np.concatenate([sub["x"], mx]), "y": np.concatenate([sub["y"], t_win.mean(1).argmax(1)]),
                   "soft_win": np.concatenate([np.repeat(np.eye(3, dtype=np.float32)[sub["y"]][:, None], 3, 1), t_win])}
            print(f"fold {k}: {len(mx)} teacher mixtures, teacher classes {np.bincount(sub['y'][-len(mx):], minlength=3).tolist()}",
                  flush=True)
        seed_all(0)
        model = build_model(None, make_config())
        say = lambda msg: print(f"fold {k}: {msg}", flush=True)  # noqa: E731
        tgt, dist = None, None
        if a.distill_epochs or a.anchored is not None:
            tgt = {"emb_win": ytr["emb"].reshape(-1, 3, 1024)[cm], "scores_win": ytr["scores"].reshape(-1, 3, 521)[cm]}
            if a.teacher_mix:  # the mixtures' AudioSet targets too: the teacher labels every new input
                tgt = {"emb_win": np.concatenate([tgt["emb_win"], mix_emb]),
                       "scores_win": np.concatenate([tgt["scores_win"], mix_sco])}
            tgt["emb"], tgt["scores"] = tgt["emb_win"].mean(1), tgt["scores_win"].mean(1)
        if a.distill_epochs:
            _, dist = distill(model, sub, tgt, epochs=a.distill_epochs, log=say)
        if a.anchored is not None:
            dist = anchor_student(model, dist or Distiller(model.config.hidden_size), a.anchored)
        model, _, s = finetune(model, sub, tgt, val, epochs=a.epochs, dist=dist, short_epochs=a.epochs,
                               short_len=16000, distill_weight=a.distill_weight, log=say)
        hw = np.flatnonzero(np.isin(w_owner, held))
        w_probs[hw] = predict_windows(model, [w_x[i] for i in hw])  # windows come normalised from w2v_inputs
        print(f"fold {k}: done in {time.time() - t0:.0f}s (in-fold val F1 {s['macro_f1']:.3f})", flush=True)
        finished.append(k)
        save(finished)  # after every fold: a long run stopped early can still be scored (--score-only)
    done = np.flatnonzero(np.isin(fold_clip, run))
    for name, row in score(y, done, clean, yam_probs, w_owner, w_end, w_probs).items():
        print(f"{name}: {json.dumps(row)}")  # per class: [precision, recall]


class AnchoredStudentHead(torch.nn.Module):
    """Class logits = the zero-shot prior (yamnet_head.zero_shot_prior) of the student's own AudioSet
    logits + scale x a residual (zero at the start). The AudioSet layer is the distiller's, so the logits the
    prior reads are the ones regressed on YAMNet's scores: the student is anchored the way the YAMNet head is."""
    def __init__(self, audioset: torch.nn.Linear, hidden: int, scale: float):
        super().__init__()
        self.audioset, self.scale = audioset, scale
        self.residual = torch.nn.Linear(hidden, 3)
        torch.nn.init.zeros_(self.residual.weight); torch.nn.init.zeros_(self.residual.bias)

    def forward(self, h):
        lg = self.audioset(h).clamp(-yh.LOGIT_CLIP, yh.LOGIT_CLIP)
        return yh.zero_shot_prior(lg) + self.scale * self.residual(h)


class SharedAudioSetDistiller(torch.nn.Module):
    """The distiller as finetune() calls it, whose AudioSet layer is the one inside the model's anchored head:
    held outside the module tree so the optimiser lists (and steps) it once, through the model."""
    def __init__(self, dist: Distiller, head: AnchoredStudentHead):
        super().__init__()
        self.emb = dist.emb
        self._head = [head]

    def forward(self, h):
        return self.emb(h), self._head[0].audioset(h)


def anchor_student(model, dist: Distiller, scale: float) -> SharedAudioSetDistiller:
    """Rewires the HF classifier (projector -> mean -> classifier) to mean of the hidden states -> the anchored
    head, so pooled(), finetune() and the ONNX wrapper all see the anchored logits unchanged. Returns the
    distiller to fine-tune with."""
    model.projector = torch.nn.Identity()
    model.classifier = AnchoredStudentHead(dist.scores, model.config.hidden_size, scale)
    return SharedAudioSetDistiller(dist, model.classifier)


def teacher_mixtures(waves: list[np.ndarray], labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n 2 s inputs for the teacher: a foreground clip (label drawn uniformly, so cries and screams are not
    swamped by the many normal clips) plus any other clip at -5..20 dB, then augment()'s reverb, band limit,
    noise floor and gain (no further background)."""
    by_label = [np.flatnonzero(labels == c) for c in range(3)]
    out = np.empty((n, TRAIN_CROP), np.float32)
    for i in range(n):
        a = int(rng.choice(by_label[int(rng.integers(3))]))
        b = int(rng.integers(len(waves) - 1)); b += b >= a
        x, bg = random_crop(waves[a], TRAIN_CROP, rng), random_crop(waves[b], TRAIN_CROP, rng)
        if rms(x) > 1e-4 and rms(bg) > 1e-4:
            x = mix_at_snr(x, bg, float(rng.uniform(-5.0, 20.0)))
        out[i] = augment(x, "normal", rng, [])
    return out


def score(y, done, clean, yam_probs, w_owner, w_end, w_probs) -> dict:
    """Pooled held-out macro-F1 (and per-class P/R) of each model and fusion, clips judged by clip_probs."""
    remap = np.full(len(y), -1); remap[done] = np.arange(len(done))
    yd = y[done]

    def judged(p, owner):
        s = summarize(yd, clip_probs(p, remap[owner], len(done)))
        return {"macro_f1": round(s["macro_f1"], 4),
                **{k: [round(v["precision"], 3), round(v["recall"], 3)] for k, v in s["per_class"].items()}}
    ym = np.isin(clean["owner"], done)
    d_yam, _ = normal_offset(yam_probs[ym], remap[clean["owner"][ym]], yd)
    yam_probs = shifted(yam_probs, d_yam)  # the build folds this offset into the exported head
    keep = np.isin(w_owner, done)
    pair = pair_windows({"owner": clean["owner"], "end": clean["end"]}, {"owner": w_owner[keep], "end": w_end[keep]})
    py, pw, ow = yam_probs[pair], w_probs[keep], w_owner[keep]
    d_w2v, _ = normal_offset(pw, remap[ow], yd)
    res = {"yamnet_normal_offset": d_yam, "yamnet": judged(yam_probs[ym], clean["owner"][ym]),
           "wav2vec2": judged(pw, ow), f"wav2vec2 with its own normal offset {d_w2v:+g}": judged(shifted(pw, d_w2v), ow)}
    for w0 in np.round(np.linspace(0, 1, 11), 1):
        cfg = {"weights": [float(w0), float(1 - w0)]}
        for meth in ("weighted_mean", "geometric_mean"):
            res[f"{meth} w_yamnet={w0:g}"] = judged(apply(cfg, meth, py, pw), ow)
    res["vote"] = judged(apply({"weights": [0.5, 0.5]}, "vote", py, pw), ow)
    return res


if __name__ == "__main__":
    assert set(METHODS) >= {"weighted_mean", "geometric_mean", "vote"}
    main()
