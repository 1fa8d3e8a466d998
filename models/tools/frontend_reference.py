#!/usr/bin/env python3
"""Generates the parity fixtures for the C++ front-end tests (tests/core/test_log_mel_parity.cpp,
tests/core/test_wav2vec2_input.cpp) into an ignored folder (default: build/reference/).

Why generated, never committed: the real clips come from ../shared (not redistributable) and the
expected values must come from the reference implementation itself, not from hand-typed numbers.

What it writes (all .npy, little-endian, C order):
  * YAMNet log-mel, computed the way YAMNet's features.py does, with real TensorFlow:
    pad_waveform (≥15600 samples, then 15600 + k·7680) → tf.signal.stft(400, 160, 512, periodic
    Hann) → tf.abs → tf.signal.linear_to_mel_weight_matrix(64, 257, 16000, 125, 7500) →
    log(mel + 0.001) → tf.signal.frame(96, 48). Once in float32 (what YAMNet runs) and once in
    float64 (the exact math).
    Cases: ~10 real clips from ../shared/data chosen deterministically from MANIFEST.csv (cry,
    scream, normal), synthetic signals (sweep, noise, silence, clicks, short clip, odd length), and
    the two ready-made pairs of ../shared/weights/yamnet/yamnet_frontend_reference.npz converted to .npy.
  * TensorFlow's mel matrix [257,64] (float64) and Hann window [400].
  * Wav2Vec2 input normalisation, as transformers' Wav2Vec2FeatureExtractor(do_normalize=True)
    computes it (zero_mean_unit_var_norm: (x - x.mean()) / sqrt(x.var() + 1e-7) on float32 numpy).
  * cases.tsv (the index the C++ tests read) and STAMP (hash of this script + requirements).

Usage: frontend_reference.py [--shared DIR] [--out DIR]   (defaults: $CRYSCOPE_SHARED or ../shared, build/reference)
"""
import argparse
import csv
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

# YAMNet params.py values (see ../shared/weights/yamnet/WEIGHTS.md, "Front-end keys").
SAMPLE_RATE = 16000
STFT_WINDOW_SECONDS = 0.025
STFT_HOP_SECONDS = 0.010
MEL_BANDS = 64
MEL_MIN_HZ = 125.0
MEL_MAX_HZ = 7500.0
LOG_OFFSET = 0.001
PATCH_WINDOW_SECONDS = 0.96
PATCH_HOP_SECONDS = 0.48

CLIPS_PER_LABEL = {"cry": 3, "scream": 3, "normal": 4}


def stamp(shared: Path) -> str:
    """Hash of everything the fixtures depend on: this script, its pinned requirements, the clip
    manifest and the shared front-end reference (scripts/core-test.sh computes the same with
    `cat <these files> | sha256sum`)."""
    h = hashlib.sha256()
    for f in (Path(__file__), Path(__file__).parent / "requirements-reference.txt",
              shared / "data" / "MANIFEST.csv", shared / "weights" / "yamnet" / "yamnet_frontend_reference.npz"):
        h.update(f.read_bytes())
    return h.hexdigest()


# --- YAMNet's features.py math, expressed with TensorFlow ops ------------------------------------

def pad_waveform(tf, waveform):
    """features.pad_waveform: zero-pad to ≥ one patch, then to a whole number of patch hops."""
    min_num_samples = int((PATCH_WINDOW_SECONDS + STFT_WINDOW_SECONDS - STFT_HOP_SECONDS) * SAMPLE_RATE)
    hop_samples = int(PATCH_HOP_SECONDS * SAMPLE_RATE)
    num_samples = tf.shape(waveform)[-1]
    padding = tf.maximum(0, min_num_samples - num_samples)
    num_samples = tf.maximum(num_samples, min_num_samples)
    after_first = num_samples - min_num_samples
    hops = tf.cast(tf.math.ceil(tf.cast(after_first, tf.float32) / float(hop_samples)), tf.int32)
    padding += hop_samples * hops - after_first
    return tf.pad(waveform, [[0, padding]])


def log_mel_and_patches(tf, waveform, dtype):
    """features.waveform_to_log_mel_spectrogram_patches (tflite_compatible=False) in `dtype`."""
    window = int(round(SAMPLE_RATE * STFT_WINDOW_SECONDS))
    hop = int(round(SAMPLE_RATE * STFT_HOP_SECONDS))
    fft_length = 2 ** int(np.ceil(np.log(window) / np.log(2.0)))
    bins = fft_length // 2 + 1
    x = tf.constant(waveform, dtype=dtype)
    x = pad_waveform(tf, x)
    magnitude = tf.abs(tf.signal.stft(x, frame_length=window, frame_step=hop, fft_length=fft_length))
    mel_matrix = tf.signal.linear_to_mel_weight_matrix(
        num_mel_bins=MEL_BANDS, num_spectrogram_bins=bins, sample_rate=SAMPLE_RATE,
        lower_edge_hertz=MEL_MIN_HZ, upper_edge_hertz=MEL_MAX_HZ, dtype=dtype)
    log_mel = tf.math.log(tf.matmul(magnitude, mel_matrix) + LOG_OFFSET)
    frames_per_second = SAMPLE_RATE / hop
    patch_frames = int(round(frames_per_second * PATCH_WINDOW_SECONDS))
    patch_hop = int(round(frames_per_second * PATCH_HOP_SECONDS))
    patches = tf.signal.frame(log_mel, frame_length=patch_frames, frame_step=patch_hop, axis=-2)
    return log_mel.numpy(), patches.numpy()


# --- transformers' Wav2Vec2FeatureExtractor(do_normalize=True) -----------------------------------

def wav2vec2_normalize(x: np.ndarray) -> np.ndarray:
    """zero_mean_unit_var_norm without attention mask, on float32 input as the extractor uses."""
    x = np.asarray(x, dtype=np.float32)
    return (x - x.mean()) / np.sqrt(x.var() + 1e-7)


# --- inputs --------------------------------------------------------------------------------------

def synthetic_signals():
    rng = np.random.default_rng(20240601)
    sr = SAMPLE_RATE
    t = np.arange(3 * sr) / sr
    # Log sweep 50 Hz → 7.9 kHz over 3 s.
    f0, f1 = 50.0, 7900.0
    k = np.log(f1 / f0) / 3.0
    sweep = 0.5 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    clicks = np.zeros(int(1.5 * sr))
    clicks[::1234] = 0.9
    clicks[777::2001] = -0.7
    return {
        "synth_sweep": sweep,
        "synth_noise": rng.uniform(-0.5, 0.5, 2 * sr),
        "synth_silence": np.zeros(sr),
        "synth_clicks": clicks,
        "synth_short_0.5s": 0.3 * np.sin(2 * np.pi * 440.0 * np.arange(sr // 2) / sr),
        "synth_odd_length": rng.normal(0.0, 0.1, 23457),
        "synth_loud_tone": 0.99 * np.sin(2 * np.pi * 3000.0 * np.arange(sr) / sr),
    }


def pick_clips(shared: Path):
    """Deterministic choice: per label, rows sorted by sha256(file), distinct categories first."""
    with open(shared / "data" / "MANIFEST.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    chosen = []
    for label, count in CLIPS_PER_LABEL.items():
        candidates = sorted((r for r in rows if r["label"] == label),
                            key=lambda r: hashlib.sha256(r["file"].encode()).hexdigest())
        seen, picked = set(), []
        for r in candidates:
            if r["category"] not in seen:
                seen.add(r["category"])
                picked.append(r)
            if len(picked) == count:
                break
        for r in candidates:  # fewer categories than clips wanted: fill in hash order
            if len(picked) == count:
                break
            if r not in picked:
                picked.append(r)
        chosen += picked
    return chosen


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.environ.get("CRYSCOPE_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "build" / "reference"))
    args = ap.parse_args()
    shared, out = Path(args.shared), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "STAMP").unlink(missing_ok=True)  # incomplete until the end

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf  # noqa: E402  (heavy; imported after argument parsing)
    import soundfile as sf  # noqa: E402

    index = []

    def add_logmel_case(name, kind, waveform, source):
        wave32 = np.asarray(waveform, dtype=np.float32)
        np.save(out / f"{name}.wave.npy", wave32)
        lm32, patches32 = log_mel_and_patches(tf, wave32, tf.float32)
        lm64, _ = log_mel_and_patches(tf, wave32.astype(np.float64), tf.float64)
        np.save(out / f"{name}.logmel_tf32.npy", lm32.astype(np.float32))
        np.save(out / f"{name}.logmel_tf64.npy", lm64.astype(np.float64))
        np.save(out / f"{name}.patches_tf32.npy", patches32.astype(np.float32))
        index.append((name, kind, len(wave32), source))

    for name, x in synthetic_signals().items():
        add_logmel_case(name, "synthetic", x, "synthesised by frontend_reference.py")

    for row in pick_clips(shared):
        audio, sr = sf.read(shared / "data" / row["file"], dtype="float32", always_2d=True)
        if sr != SAMPLE_RATE:
            raise SystemExit(f"{row['file']}: expected 16 kHz, got {sr}")
        mono = audio.mean(axis=1)
        name = "real_" + row["label"] + "_" + hashlib.sha256(row["file"].encode()).hexdigest()[:8]
        add_logmel_case(name, "real", mono, row["file"])

    # The ready-made pair from ../shared (float64 features.py math stored as float32).
    ref = np.load(shared / "weights" / "yamnet" / "yamnet_frontend_reference.npz")
    for name, wave_key, mel_key in (("shared_sine", "waveform", "log_mel"),
                                    ("shared_speech", "speech_waveform", "speech_log_mel")):
        np.save(out / f"{name}.wave.npy", ref[wave_key].astype(np.float32))
        np.save(out / f"{name}.logmel_npz.npy", ref[mel_key].astype(np.float32))
        index.append((name, "shared_npz", len(ref[wave_key]), "yamnet_frontend_reference.npz"))

    # TensorFlow's own window and mel matrix.
    np.save(out / "tf_mel_matrix.npy", tf.signal.linear_to_mel_weight_matrix(
        MEL_BANDS, 257, SAMPLE_RATE, MEL_MIN_HZ, MEL_MAX_HZ, dtype=tf.float64).numpy())
    np.save(out / "tf_hann_window.npy", tf.signal.hann_window(400, periodic=True, dtype=tf.float64).numpy())

    # Wav2Vec2 normalisation references.
    rng = np.random.default_rng(7)
    speech = np.load(out / "shared_speech.wave.npy")
    w2v = {
        "noise_dc": (rng.normal(0.0, 0.2, 32000) + 0.3),
        "sine_quiet": 1e-3 * np.sin(2 * np.pi * 220.0 * np.arange(16000) / SAMPLE_RATE),
        "silence": np.zeros(16000),
        "constant": np.full(8000, 0.25),
        "speech_2s": speech[:32000],
        "loud_clipped": np.clip(rng.normal(0.0, 2.0, 24000), -1.0, 1.0),
    }
    with open(out / "w2v_cases.tsv", "w") as f:
        for name, x in w2v.items():
            x32 = np.asarray(x, dtype=np.float32)
            np.save(out / f"w2v_{name}.input.npy", x32)
            np.save(out / f"w2v_{name}.normalized.npy", wav2vec2_normalize(x32).astype(np.float32))
            f.write(f"{name}\t{len(x32)}\n")

    with open(out / "cases.tsv", "w") as f:
        for name, kind, n, source in index:
            f.write(f"{name}\t{kind}\t{n}\t{source}\n")
    with open(out / "VERSIONS", "w") as f:
        f.write(f"tensorflow {tf.__version__}\nnumpy {np.__version__}\n")
    (out / "STAMP").write_text(stamp(shared) + "\n")
    print(f"frontend_reference: {len(index)} log-mel cases, {len(w2v)} wav2vec2 cases → {out} "
          f"(tensorflow {tf.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
