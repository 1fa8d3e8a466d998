"""Experiment: light fine-tuning of YAMNet's last block, judged on held-out families (not part of the build).

The models issue (item 3) allows "light or no backbone fine-tuning"; every build so far froze the backbone.
This measures the light kind. Layer 14's pointwise 1x1 conv (W0 [1024, 1024] + b0, then ReLU, then the
global average pool that gives the embedding) gets a low-rank update W0 + A @ B (rank --rank; B starts at 0,
so training starts exactly at pretrained YAMNet), penalised by lam * ||A @ B||^2 — the l2 anchor to the
pretrained weights. It is trained jointly with the build's head (anchored, family-balanced, l2 --l2) through
AudioSet's own classifier (frozen), so the zero-shot prior the head is anchored on moves with the block.
Everything before layer 14's pointwise conv stays frozen, so its input (the depthwise output, 3 x 2 x 1024
per window) is computed once per window and cached (--cache); W0's output is precomputed too, and a step
only pays for the low-rank path, the ReLU/pool and the AudioSet classifier.

Folds, crops, clean windows, the clip rule (3 most alarming windows) and the normal-logit offset are the
build's (head_selection.cross_source / normal_offset). "lam inf" rows are the update switched off: the
build's head trained by this script's loop (checks the loop against yamnet_head.train_anchored, which is
scored too, as "build head").

  python models/tools/yamnet_lastblock_cross_source.py --stages ~/.cache/cryscope/models/stages \
      --key <feat key> --cache ~/.cache/cryscope/exp --lams inf,0.01,0.001,0.0001,0 --rank 16
(the strengths of models/EXPERIMENTS.md, session 12: at lam >= 1 the update stays at 0)
"""
import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import held_out  # noqa: E402  (tools/, on the path as the script's folder)
from cryscope_models import yamnet_head as yh  # noqa: E402
from cryscope_models import yamnet_features as yf  # noqa: E402
from cryscope_models import yamnet_onnx  # noqa: E402
from cryscope_models.head_selection import ANCHORED_EPOCHS, normal_offset, shifted  # noqa: E402
from cryscope_models.metrics import clip_probs, summarize  # noqa: E402
from cryscope_models.ort_util import run_batched, session  # noqa: E402

LAST = "layer14/pointwise"          # node name prefix in yamnet_onnx's graph
LAST_WEIGHTS = "layer14/pointwise_conv"  # the same layer's weights in yamnet.npz


def block_input_session(weights, threads):
    """Pretrained backbone with one more output: the rows [N*6, 1024] layer 14's pointwise MatMul multiplies."""
    m = yamnet_onnx.build(weights, yamnet_onnx.identity_head())
    node = next(n for n in m.graph.node if n.name == f"{LAST}/MatMul")
    m.graph.output.append(helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, ["R", 1024]))
    return session(m.SerializeToString(), threads), node.input[0]


def block_inputs(sess, name, patches):
    r = run_batched(sess, "patches", patches, [name, "embeddings"], batch=64)
    return r[name].reshape(len(patches), 6, 1024), r["embeddings"]


class LastBlock(nn.Module):
    """emb = mean over the 6 positions of relu(x @ (W0 + A B) + b0) = relu(z0 + (x A) B); AudioSet logits frozen;
    anchored head on [emb, clip(logits)] + the zero-shot prior of those logits."""
    def __init__(self, W_logits, b_logits, mu, sd, rank, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.rank = rank
        if rank:
            self.A = nn.Parameter(torch.randn(1024, rank, generator=g) / math.sqrt(1024))
            self.B = nn.Parameter(torch.zeros(rank, 1024))
        self.Wl = torch.tensor(W_logits, dtype=torch.float32)
        self.bl = torch.tensor(b_logits, dtype=torch.float32)
        self.mu = torch.tensor(mu, dtype=torch.float32)
        self.sd = torch.tensor(sd, dtype=torch.float32)
        self.head = yh.AnchoredHead(1024 + 521, 0)

    def emb(self, x, z0):
        z = z0 + (x @ self.A) @ self.B if self.rank else z0
        return torch.relu(z).mean(1)

    def forward(self, x, z0):
        e = self.emb(x, z0)
        lg = torch.clamp(e @ self.Wl + self.bl, -yh.LOGIT_CLIP, yh.LOGIT_CLIP)
        return self.head((torch.cat([e, lg], 1) - self.mu) / self.sd, yh.zero_shot_prior(lg))

    def delta_penalty(self):
        return ((self.A @ self.B) ** 2).sum() if self.rank else torch.zeros(())


def train(x, z0, y, sw, W_logits, b_logits, mu, sd, rank, lam, l2, epochs, seed=0, lr=1e-3, batch=256):
    torch.manual_seed(seed)
    model = LastBlock(W_logits, b_logits, mu, sd, rank if np.isfinite(lam) else 0, seed)
    yt = torch.tensor(y)
    cw = torch.tensor(yh.class_weights(y))
    wt = torch.tensor(sw, dtype=torch.float32) * cw[yt]
    per_window = nn.CrossEntropyLoss(reduction="none")
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(y), generator=g)
        for i in range(0, len(y), batch):
            b = perm[i:i + batch]
            z = model(torch.from_numpy(x[b.numpy()]), torch.from_numpy(z0[b.numpy()]))
            fit = (wt[b] * per_window(z, yt[b])).sum() / wt[b].sum()
            loss = fit + l2 * model.head.penalty()
            if model.rank:
                loss = loss + lam * model.delta_penalty()
            opt.zero_grad(); loss.backward(); opt.step()
    return model.eval()


def predict(model, x, z0, batch=1024):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(torch.softmax(model(torch.from_numpy(x[i:i + batch]), torch.from_numpy(z0[i:i + batch])), 1))
    return torch.cat(out).numpy()


def score(wp, owner, ye) -> str:
    """The build's judgement of pooled held-out windows (normal offset, clip rule), as one line."""
    d, _ = normal_offset(wp, owner, ye)
    s = summarize(ye, clip_probs(shifted(wp, d), owner, len(ye)))
    pc = s["per_class"]
    return (f"macro-F1 {s['macro_f1']:.4f} (offset {d:+g}); cry P/R {pc['cry']['precision']:.2f}/{pc['cry']['recall']:.2f}, "
            f"scream P/R {pc['scream']['precision']:.2f}/{pc['scream']['recall']:.2f}, normal R {pc['normal']['recall']:.3f}")


def pre_activation(x, W0, b0, batch=2048):
    """x @ W0 + b0 for [N, 6, 1024] block inputs, in batches (the frozen part of every training step)."""
    with torch.no_grad():
        return np.concatenate([(torch.from_numpy(x[i:i + batch]) @ W0 + b0).numpy() for i in range(0, len(x), batch)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", required=True); ap.add_argument("--key", required=True)
    ap.add_argument("--cache", required=True, help="folder for the block inputs (~2.5 GB, float32)")
    ap.add_argument("--lams", default="inf,10,1,0.1", help="l2 on the low-rank update, comma list (inf = off)")
    ap.add_argument("--rank", type=int, default=16); ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=ANCHORED_EPOCHS); ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0, help="torch seed of every fold's training (the build uses 0)")
    ap.add_argument("--out", help="npz of the pooled held-out window probabilities per lam")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cache = Path(a.cache)
    cache.mkdir(parents=True, exist_ok=True)
    h = held_out.load(a.stages, a.key)
    ds, clips, crops, ytr, clean = h.ds, h.clips, h.crops, h.ytr, h.clean
    eligible, folds, fold_clip = h.eligible, h.folds, h.fold_clip
    crop_clip = np.repeat(h.crop_clip, 3)          # per training window
    crop_fold = fold_clip[crop_clip]
    y_win = np.repeat(crops["y"], 3)
    fam_win = np.array([clips[i].family for i in crop_clip])
    win_elig = np.isin(clean["owner"], eligible)
    pos = np.full(len(clips), -1); pos[eligible] = np.arange(len(eligible))
    owner = pos[clean["owner"][win_elig]]
    ye = np.array([clips[i].y for i in eligible])
    win_fold = fold_clip[eligible][owner]          # fold of every held-out window

    weights = yf.load_weights()
    f_tr, f_cl = cache / f"lastblock_train-{a.key}.npy", cache / f"lastblock_clean-{a.key}.npy"
    if not f_tr.exists() or not f_cl.exists():
        t0 = time.time()
        sess, name = block_input_session(weights, a.threads)
        xtr, etr = block_inputs(sess, name, yf.crop_patches(crops["x"]))
        pats, _ = yf.clip_windows([ds.waves[c.file] for c in clips])
        xcl, ecl = block_inputs(sess, name, pats[win_elig])
        # the same graph as the build's stages: the embeddings must match the cached ones
        print(f"block inputs in {time.time() - t0:.0f}s; embedding max |diff| vs stage cache: train "
              f"{np.abs(etr - ytr['emb']).max():.2e}, clean {np.abs(ecl - clean['embeddings'][win_elig]).max():.2e}",
              flush=True)
        np.save(f_tr, xtr); np.save(f_cl, xcl)
    xtr = np.load(f_tr); xcl = np.load(f_cl)
    W0 = torch.tensor(weights[f"{LAST_WEIGHTS}/kernel"][0, 0], dtype=torch.float32)
    b0 = torch.tensor(weights[f"{LAST_WEIGHTS}/bias"], dtype=torch.float32)
    z_tr, z_cl = pre_activation(xtr, W0, b0), pre_activation(xcl, W0, b0)
    e_chk = np.maximum(z_tr, 0).mean(1)
    print(f"pooled relu(x W0 + b0) vs stage embeddings: max |diff| {np.abs(e_chk - ytr['emb']).max():.2e}", flush=True)
    Wl, bl = weights["logits/kernel"].astype(np.float32), weights["logits/bias"].astype(np.float32)

    results = {}
    # the build's own head on the stage features (the reference this script's loop must reproduce)
    xa, pa = yh.anchored_features(ytr["emb"], ytr["scores"])
    ca, cp = yh.anchored_features(clean["embeddings"][win_elig], clean["scores"][win_elig])
    wp = np.zeros((len(owner), 3), np.float32)
    t0 = time.time()
    for k in sorted(set(folds.values())):
        tm = (crop_fold != k) & (crop_fold >= 0)
        m, mu, sd = yh.train_anchored(xa[tm], pa[tm], y_win[tm], 0, a.l2, epochs=a.epochs, seed=a.seed,
                                      sample_weight=yh.family_balance(fam_win[tm]))
        hw = win_fold == k
        wp[hw] = yh.predict_anchored(m, mu, sd, ca[hw], cp[hw])
    print(f"build head (yamnet_head.train_anchored, l2 {a.l2:g}, family-balanced): {score(wp, owner, ye)} ({time.time() - t0:.0f}s)", flush=True)
    results["build"] = wp.copy()

    for lam in [float(v) for v in a.lams.split(",")]:
        t0 = time.time()
        wp = np.zeros((len(owner), 3), np.float32)
        drift = []
        for k in sorted(set(folds.values())):
            tm = np.flatnonzero((crop_fold != k) & (crop_fold >= 0))
            mu, sd = xa[tm].mean(0), np.maximum(xa[tm].std(0), 1e-3)
            model = train(xtr[tm], z_tr[tm], y_win[tm], yh.family_balance(fam_win[tm]), Wl, bl, mu, sd,
                          a.rank, lam, a.l2, a.epochs, seed=a.seed)
            if model.rank:
                with torch.no_grad():
                    drift.append(float(torch.linalg.norm(model.A @ model.B) / torch.linalg.norm(W0)))
            hw = np.flatnonzero(win_fold == k)
            wp[hw] = predict(model, xcl[hw], z_cl[hw])
            print(f"  lam {lam:g} fold {k}: {time.time() - t0:.0f}s", flush=True)
        d = f"; ||AB|| / ||W0|| per fold {', '.join(f'{v:.3f}' for v in drift)}" if drift else ""
        print(f"last block rank {a.rank} lam {lam:g} (head l2 {a.l2:g}): {score(wp, owner, ye)}{d} ({time.time() - t0:.0f}s)", flush=True)
        results[f"lam_{lam:g}"] = wp
    if a.out:
        np.savez(a.out, owner=owner, y=ye, eligible=eligible, **results)


if __name__ == "__main__":
    main()
