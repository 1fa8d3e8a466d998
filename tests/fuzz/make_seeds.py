#!/usr/bin/env python3
"""Writes a few seed programs for the libFuzzer targets so the fuzzer starts from inputs that already
reach the interesting states: OUT_DIR/stream/ for fuzz_stream (byte format in fuzz_stream.cpp:
windows, flush tails, NaN rejections, resets) and OUT_DIR/decider/ for fuzz_decider (options JSON,
then updates that cause onsets/offsets, rejected probabilities, flush and reset).
Usage: make_seeds.py OUT_DIR  (stdlib only; deterministic)."""
import json
import math
import struct
import sys
from pathlib import Path

PUSH_4095_INT8 = bytes([0xF0, 0xFF])  # op%8=0, raw=0, n = 0xFF<<4 | 0xF = 4095 int8 samples
POP, FLUSH, RESET = bytes([4]), bytes([6]), bytes([7])


def tone(n, period):
    return bytes((int(100 * math.sin(2 * math.pi * i / period)) & 0xFF) for i in range(n))


def raw_push(values):
    # op = 0xF8: push, raw floats, low nibble of n = 15; next byte 0 → n = 15 floats (big-endian bits)
    vals = (list(values) + [0.0] * 15)[:15]
    return bytes([0xF8, 0x00]) + b"".join(struct.pack(">f", v) for v in vals)


def push_tone(period):
    return PUSH_4095_INT8 + tone(4095, period)


seeds = {
    # 48 kHz, both models: 5 pushes (~0.43 s), pops, flush (short-clip path).
    "seed_48k_short_clip": bytes([6, 3]) + b"".join(push_tone(37) for _ in range(5)) + POP * 6 + FLUSH,
    # 16 kHz, both models: ~2.6 s → regular windows of both, then flush tail.
    "seed_16k_windows": bytes([2, 3]) + b"".join(push_tone(19) + POP for _ in range(10)) + FLUSH,
    # 44.1 kHz: NaN and Inf chunks rejected between good ones, reset, push after flush.
    "seed_44k1_nan_reset": bytes([5, 3]) + push_tone(11) + raw_push([0.1, float("nan"), 0.2])
    + raw_push([float("inf")]) + push_tone(11) + POP + FLUSH + push_tone(5) + RESET + push_tone(7) + FLUSH,
    # 16 kHz, custom config: yamnet hop 0.5 s (100/200), w2v window 1.0 s, hop 0.5 s.
    "seed_custom_config": bytes([2, 3 | 4 | 8 | 16, 100, 10, 25]) + b"".join(push_tone(23) for _ in range(6)) + POP * 8 + FLUSH,
    # 8 kHz, YAMNet only, huge values (rejected) and denormals.
    "seed_8k_yamnet_only": bytes([0, 1]) + push_tone(3) + raw_push([1e30, 1e-40, -1e-45]) + push_tone(3) + FLUSH,
}


# --- fuzz_decider: options JSON, 0x00, program (see fuzz_decider.cpp) ---
def update(step, yamnet=None, wav2vec2=None):
    """Update `step`/100 s later; probabilities as bytes (normalised by the target) or None."""
    op = 0x00 | (0x04 if yamnet else 0) | (0x08 if wav2vec2 else 0)
    return bytes([op, step]) + bytes(yamnet or []) + bytes(wav2vec2 or [])


def raw_update(step, yamnet):
    """Update with raw float64 probabilities for YAMNet only (NaN, negatives, logits)."""
    return bytes([0x14, step]) + b"".join(struct.pack(">d", v) for v in yamnet)


CRY, NORMAL = [200, 20, 10], [10, 10, 200]
episode = b"".join(update(50, CRY, CRY) for _ in range(6)) + b"".join(update(50, NORMAL, NORMAL) for _ in range(4))
logistic = {"labels": ["cry", "scream", "normal"], "default": "logistic", "weights": [0.5, 0.5],
            "logistic": {"features": "log_probs", "coef": [[1, 0, 0, 1, 0, 0], [0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 0, 1]],
                         "intercept": [0, 0, 0]}}
decider_seeds = {
    "seed_defaults_episode": b"{}\0" + episode + bytes([2, 10]),
    "seed_logistic_median": json.dumps({"fusion": logistic, "smoothing": {"method": "median", "size": 3},
                                        "thresholds": {"cry": {"on": 0.7, "off": 0.3}}}).encode()
    + b"\0" + episode + update(50, CRY, None) + update(50, None, NORMAL) + bytes([3]) + episode,
    "seed_fusion_string_bad_probs": json.dumps({"fusion": json.dumps(logistic), "method": "geometric_mean",
                                                "minDurationSeconds": 0.5, "cooldownSeconds": 0}).encode()
    + b"\0" + episode + raw_update(50, [float("nan"), 0.5, 0.5]) + raw_update(50, [2.0, -1.0, 0.0])
    + update(0, None, None) + bytes([0x20, 0x00]) + episode,
    "seed_vote_ema": json.dumps({"fusion": {"default": "vote", "weights": [2, 1]},
                                 "smoothing": {"method": "ema", "alpha": 0.3}}).encode() + b"\0" + episode * 2,
}

out = Path(sys.argv[1])
for sub, seeds_of in (("stream", seeds), ("decider", decider_seeds)):
    (out / sub).mkdir(parents=True, exist_ok=True)
    for name, data in seeds_of.items():
        (out / sub / name).write_bytes(data)
print(f"fuzz seeds: {len(seeds)} stream + {len(decider_seeds)} decider → {out}")
