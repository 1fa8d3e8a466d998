"""Augmentation aimed at real homes and at removing the training sources' quirks.

Every class gets the same treatment (so no augmentation is itself a label cue):
* band-limiting (p=0.6): telephone band 300-3400 Hz (40%), or a low-pass at 3.5-7 kHz. Donate-a-Cry cries
  are 8 kHz phone recordings (nothing above 4 kHz); limiting normal clips too makes bandwidth useless.
* background mixing (cry/scream p=0.7, normal p=0.4): another NORMAL clip at 0-20 dB SNR. This also
  puts wide-band energy under band-limited cries.
* loudness: every crop is scaled to a random RMS of -36..-12 dBFS (then limited to [-1, 1]), so
  level is no cue.
* time shift: random crop position, plus random leading silence (p=0.2) for short clips.
* mild reverberation (p=0.3): exponentially decaying noise impulse response, RT60 0.15-0.6 s.
* noise floor (p=0.5): white/pink noise at -70..-40 dBFS (real mics are never digitally silent).
"""
import numpy as np
from scipy import signal

from . import SAMPLE_RATE

SR = SAMPLE_RATE


def band_limit(x: np.ndarray, lo: float | None, hi: float, order: int = 8) -> np.ndarray:
    """Butterworth low-pass at `hi` Hz (band-pass if `lo`), zero-phase."""
    if lo:
        sos = signal.butter(order, [lo, hi], btype="bandpass", fs=SR, output="sos")
    else:
        sos = signal.butter(order, hi, btype="lowpass", fs=SR, output="sos")
    return signal.sosfiltfilt(sos, x).astype(np.float32)


def random_band_limit(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.4:
        return band_limit(x, 300.0, 3400.0)
    return band_limit(x, None, float(rng.uniform(3500.0, 7000.0)))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def mix_at_snr(fg: np.ndarray, bg: np.ndarray, snr_db: float) -> np.ndarray:
    """fg + bg scaled so that rms(fg)/rms(bg) = snr_db. bg is tiled/cropped to len(fg)."""
    if len(bg) < len(fg):
        bg = np.tile(bg, int(np.ceil(len(fg) / max(len(bg), 1))))
    bg = bg[:len(fg)]
    scale = rms(fg) / (rms(bg) * 10 ** (snr_db / 20.0))
    return (fg + scale * bg).astype(np.float32)


def reverb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    rt60 = rng.uniform(0.15, 0.6)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[0] = 1.0
    ir /= np.sqrt(np.sum(ir ** 2))
    wet = signal.fftconvolve(x, ir)[:len(x)]
    mix = rng.uniform(0.2, 0.6)
    y = (1 - mix) * x + mix * wet * (rms(x) / max(rms(wet), 1e-9))
    return y.astype(np.float32)


def noise_floor(n: int, rng: np.random.Generator) -> np.ndarray:
    level = 10 ** (rng.uniform(-70, -40) / 20)
    w = rng.standard_normal(n)
    if rng.random() < 0.5:  # pink-ish: integrate white noise lightly
        w = signal.lfilter([1.0], [1.0, -0.95], w)
    return (level * w / max(rms(w), 1e-9)).astype(np.float32)


def random_crop(x: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A `length`-sample crop at a random position; short clips are placed at a random offset in silence."""
    if len(x) >= length:
        s = int(rng.integers(0, len(x) - length + 1))
        return x[s:s + length].copy()
    out = np.zeros(length, np.float32)
    s = int(rng.integers(0, length - len(x) + 1)) if rng.random() < 0.5 else 0
    out[s:s + len(x)] = x
    return out


def augment(x: np.ndarray, label: str, rng: np.random.Generator, backgrounds: list[np.ndarray]) -> np.ndarray:
    """One random augmentation of a crop (same length out)."""
    y = x.astype(np.float32)
    p_mix = 0.7 if label in ("cry", "scream") else 0.4
    if backgrounds and rng.random() < p_mix:
        bg = backgrounds[int(rng.integers(len(backgrounds)))]
        if len(bg) > len(y):
            s = int(rng.integers(0, len(bg) - len(y) + 1))
            bg = bg[s:s + len(y)]
        if rms(bg) > 1e-4 and rms(y) > 1e-4:
            y = mix_at_snr(y, bg, float(rng.uniform(0.0, 20.0)))
    if rng.random() < 0.3:
        y = reverb(y, rng)
    if rng.random() < 0.6:
        y = random_band_limit(y, rng)
    if rng.random() < 0.5:
        y = y + noise_floor(len(y), rng)
    target_db = rng.uniform(-36.0, -12.0)  # target RMS in dBFS: quiet room to loud close-up
    y = y * (10 ** (target_db / 20) / max(rms(y), 1e-6))
    return np.clip(y, -1.0, 1.0).astype(np.float32)
