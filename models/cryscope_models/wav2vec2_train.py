"""Training the compact Wav2Vec2: YAMNet distillation, optional contrastive pretraining, fine-tuning.

Prior knowledge without pretrained weights:
* distillation: on augmented 2 s crops, the student's pooled features regress YAMNet's embedding
  (cosine loss through a small MLP) and its 521 AudioSet scores (BCE on soft targets). YAMNet sees the
  same augmented audio, so the student learns AudioSet-like features, not our sources' quirks.
* contrastive: transformers' Wav2Vec2ForPreTraining objective on all audio (labels unused).
Fine-tuning: cross-entropy with class weights, plus the distillation loss at a lower weight so the
student keeps the AudioSet knowledge. The best epoch by validation macro-F1 (file level) is kept.
"""
import copy
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import CROP_HOP, YAMNET_WINDOW
from .metrics import file_probs, summarize
from .wav2vec2_model import Distiller, normalize_batch, pooled
from .yamnet_head import class_weights


def seed_all(seed: int) -> None:
    """Seeds torch AND numpy's global RNG. Why numpy's: transformers' Wav2Vec2 draws its SpecAugment
    time masks (mask_time_prob) and contrastive negatives from np.random, so seeding torch alone left
    every training run different (measured: 4 training steps gave different weights in two processes;
    with both seeded they are bit-identical for a given thread count)."""
    torch.manual_seed(seed)
    np.random.seed(seed)


def _batches(n: int, bs: int, rng: np.random.Generator):
    perm = rng.permutation(n)
    for i in range(0, n, bs):
        yield perm[i:i + bs]


def _inputs(x: np.ndarray, rng: np.random.Generator | None) -> torch.Tensor:
    if rng is not None:  # small extra time shift each epoch (circular, < 0.25 s)
        x = np.stack([np.roll(r, int(rng.integers(-4000, 4000))) for r in x])
    return torch.from_numpy(normalize_batch(x.astype(np.float32)))


def predict_windows(model, windows: list[np.ndarray], batch: int = 32) -> np.ndarray:
    from .evaluate import predict_by_length
    model.eval()
    with torch.no_grad():
        return predict_by_length(lambda x: torch.softmax(model(torch.from_numpy(x)).logits, -1).numpy(),
                                 windows, batch)


def evaluate(model, val: dict) -> dict:
    wp = predict_windows(model, val["windows"])
    fp = file_probs(wp, val["owner"], len(val["y"]))
    s = summarize(val["y"], fp)
    yw = val["y"][val["owner"]]
    s["window_loss"] = float(F.nll_loss(torch.log(torch.tensor(wp) + 1e-7), torch.tensor(yw)))
    s["window_acc"] = float((wp.argmax(1) == yw).mean())
    return s


def distill_loss(dist: Distiller, h, emb_t, sco_t):
    e, s = dist(h)
    l_emb = (1 - F.cosine_similarity(e, emb_t, dim=1)).mean()
    l_sco = F.binary_cross_entropy_with_logits(s, sco_t)
    return l_emb + 5.0 * l_sco


def distill(model, crops: dict, targets: dict, epochs: int, lr: float = 1e-3, bs: int = 16, seed: int = 0,
            log=print) -> tuple[list[dict], Distiller]:
    """Student regresses YAMNet (embedding, scores) of one of the three 0.975 s windows of each augmented
    crop per step (targets['emb_win'] [M,3,1024], ['scores_win'] [M,3,521]): exactly what YAMNet saw,
    and half the compute of 2 s inputs. Returns (curve, the distillation heads)."""
    seed_all(seed)
    rng = np.random.default_rng(seed)
    dist = Distiller(model.config.hidden_size)
    params = list(model.wav2vec2.parameters()) + list(dist.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-2)
    steps = epochs * int(np.ceil(len(crops["x"]) / bs))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    emb = torch.from_numpy(targets["emb_win"].astype(np.float32))
    sco = torch.from_numpy(targets["scores_win"].astype(np.float32))
    curve = []
    for ep in range(epochs):
        model.train(); dist.train()
        t0, tot, n = time.time(), 0.0, 0
        for b in _batches(len(crops["x"]), bs, rng):
            k = rng.integers(0, emb.shape[1], len(b))
            xs = np.stack([crops["x"][i, CROP_HOP * j:CROP_HOP * j + YAMNET_WINDOW] for i, j in zip(b, k)])
            h, _ = pooled(model, _inputs(xs, None))
            loss = distill_loss(dist, h, emb[b, k], sco[b, k])
            opt.zero_grad(); loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step(); sched.step()
            tot += float(loss) * len(b); n += len(b)
        curve.append({"epoch": ep + 1, "distill_loss": tot / n, "seconds": time.time() - t0})
        log(f"  distill epoch {ep + 1}/{epochs}: loss {tot / n:.4f} ({time.time() - t0:.0f}s)")
    return curve, dist


def finetune(model, crops: dict, targets: dict | None, val: dict, epochs: int, lr: float = 5e-4,
             bs: int = 16, seed: int = 0, distill_weight: float = 0.3, dist: Distiller | None = None,
             short_epochs: int = 0, short_len: int = 16000, log=print):
    """Label fine-tuning, plus the distillation loss as a regulariser when `targets` (crop-level
    'emb'/'scores') are given — with the heads `dist` trained by distill(), so the regulariser starts
    from a fitted state instead of pulling the backbone towards random heads.
    The first `short_epochs` epochs train on random `short_len`-sample sub-crops (half the compute of
    2 s; the mean-pooled model is length-agnostic), the rest on the full 2 s crops. Validation always
    uses the deployed windows (`val["windows"]`, 1 s). `crops['soft_win']` (optional, [M, 3 windows, 3]):
    a teacher's class probabilities per YAMNet window of each crop (one-hot rows for labelled crops),
    trained with a class-weighted soft cross-entropy — on a sub-crop against the nearest window, on a whole
    crop against the windows' mean. Returns (best model, curve, best summary)."""
    seed_all(seed)
    rng = np.random.default_rng(seed + 1)
    y = torch.from_numpy(crops["y"]).long()
    cw = torch.tensor(class_weights(crops["y"]))
    loss_fn = torch.nn.CrossEntropyLoss(weight=cw)
    # optional teacher targets: [M, 3 YAMNet windows, 3 classes] probabilities (one-hot rows for labelled
    # crops); the loss is then the class-weighted soft cross-entropy, equal to loss_fn on one-hot rows
    soft = torch.from_numpy(crops["soft_win"].astype(np.float32)) if "soft_win" in crops else None
    if targets is None:
        dist = None
    elif dist is None:
        dist = Distiller(model.config.hidden_size)
    params = list(model.parameters()) + (list(dist.parameters()) if dist else [])
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-2)
    steps = epochs * int(np.ceil(len(crops["x"]) / bs))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    if targets is not None:
        emb = torch.from_numpy(targets["emb"].astype(np.float32))
        sco = torch.from_numpy(targets["scores"].astype(np.float32))
    best, best_f1, best_sum, curve = None, -1.0, None, []
    for ep in range(epochs):
        model.train()
        t0, tot, correct, n = time.time(), 0.0, 0, 0
        short = ep < short_epochs
        for b in _batches(len(crops["x"]), bs, rng):
            xb = crops["x"][b]
            if short:
                s0 = rng.integers(0, xb.shape[1] - short_len + 1, len(b))
                xb = np.stack([r[s:s + short_len] for r, s in zip(xb, s0)])
            h, logits = pooled(model, _inputs(xb, rng))
            if soft is None:
                loss = loss_fn(logits, y[b])
            else:  # the teacher window nearest the sub-crop, or the crop's mean over its windows
                t = soft[b, np.clip(np.rint(s0 / CROP_HOP).astype(int), 0, soft.shape[1] - 1)] if short else soft[b].mean(1)
                w = cw[t.argmax(1)]
                loss = (w * -(t * F.log_softmax(logits, -1)).sum(1)).sum() / w.sum()
            if dist is not None:
                loss = loss + distill_weight * distill_loss(dist, h, emb[b], sco[b])
            opt.zero_grad(); loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step(); sched.step()
            tot += float(loss) * len(b); n += len(b)
            correct += int((logits.argmax(1) == y[b]).sum())
        s = evaluate(model, val)
        curve.append({"epoch": ep + 1, "input_s": (short_len if short else crops["x"].shape[1]) / 16000,
                      "train_loss": tot / n, "train_acc": correct / n,
                      "val_loss": s["window_loss"], "val_acc": s["window_acc"], "val_macro_f1": s["macro_f1"],
                      "seconds": time.time() - t0})
        log(f"  finetune epoch {ep + 1}/{epochs}: loss {tot / n:.4f} acc {correct / n:.3f} | val F1 "
            f"{s['macro_f1']:.3f} acc {s['accuracy']:.3f} ({time.time() - t0:.0f}s)")
        if s["macro_f1"] > best_f1:
            best_f1, best, best_sum = s["macro_f1"], copy.deepcopy(model.state_dict()), s
    model.load_state_dict(best)
    return model, curve, best_sum


def contrastive_pretrain(model, waves: list[np.ndarray], epochs: int, bs: int = 16, lr: float = 5e-4,
                         seed: int = 0, crop: int = 32000, log=print) -> list[dict]:
    """wav2vec 2.0 self-supervised objective (Wav2Vec2ForPreTraining) on unlabelled crops; the
    pretrained encoder weights are copied into `model.wav2vec2`."""
    from transformers import Wav2Vec2ForPreTraining
    from transformers.models.wav2vec2.modeling_wav2vec2 import (_compute_mask_indices,
                                                               _sample_negative_indices)
    seed_all(seed)
    rng = np.random.default_rng(seed)
    cfg = copy.deepcopy(model.config)
    cfg.mask_time_prob, cfg.mask_time_length = 0.5, 5
    pt = Wav2Vec2ForPreTraining(cfg)
    pt.wav2vec2.load_state_dict(model.wav2vec2.state_dict())
    opt = torch.optim.AdamW(pt.parameters(), lr=lr, weight_decay=1e-2)
    curve = []
    for ep in range(epochs):
        pt.train(); t0, tot, n = time.time(), 0.0, 0
        order = rng.permutation(len(waves))
        for i in range(0, len(order), bs):
            xs = []
            for j in order[i:i + bs]:
                w = waves[j]
                if len(w) < crop:
                    w = np.pad(w, (0, crop - len(w)))
                s = int(rng.integers(0, len(w) - crop + 1))
                xs.append(w[s:s + crop])
            x = torch.from_numpy(normalize_batch(np.stack(xs)))
            seq = int(pt._get_feat_extract_output_lengths(crop))
            mask = _compute_mask_indices((len(xs), seq), mask_prob=cfg.mask_time_prob,
                                         mask_length=cfg.mask_time_length, min_masks=2)
            neg = _sample_negative_indices((len(xs), seq), cfg.num_negatives, mask_time_indices=mask)
            out = pt(x, mask_time_indices=torch.tensor(mask, dtype=torch.bool),
                     sampled_negative_indices=torch.tensor(neg, dtype=torch.long))
            loss = out.loss
            opt.zero_grad(); loss.backward()
            torch.nn.utils.clip_grad_norm_(pt.parameters(), 5.0)
            opt.step()
            tot += float(loss) * len(xs); n += len(xs)
        curve.append({"epoch": ep + 1, "contrastive_loss": tot / n, "seconds": time.time() - t0})
        log(f"  contrastive epoch {ep + 1}/{epochs}: loss {tot / n:.3f} ({time.time() - t0:.0f}s)")
    model.wav2vec2.load_state_dict(pt.wav2vec2.state_dict())
    return curve
