"""YAMNet's log-mel front-end (features.py of tensorflow/models), in numpy.

Used for training/evaluation in Python; the product computes the same thing in C++ (core/).
float64 internally so it matches the shared front-end reference to float32 rounding.
"""
import numpy as np

from . import YAMNET_WINDOW, HOP

WIN, HOP_FRAMES_SAMPLES, NFFT = 400, 160, 512
PATCH_FRAMES, PATCH_HOP_FRAMES = 96, 48
LOG_OFFSET = 0.001


def hann_periodic(n: int = WIN) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def mel_matrix(num_mel=64, num_bins=257, sr=16000, lo=125.0, hi=7500.0) -> np.ndarray:
    """tf.signal.linear_to_mel_weight_matrix: HTK mel, triangles in mel space, DC row zero."""
    def hz2mel(f):
        return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)
    bins_mel = hz2mel(np.linspace(0.0, sr / 2.0, num_bins))[1:]
    edges = np.linspace(hz2mel(lo), hz2mel(hi), num_mel + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    up = (bins_mel[:, None] - lower) / (center - lower)
    down = (upper - bins_mel[:, None]) / (upper - center)
    w = np.maximum(0.0, np.minimum(up, down))
    return np.concatenate([np.zeros((1, num_mel)), w], axis=0)


_HANN = hann_periodic()
_MEL = mel_matrix()


def log_mel(wave: np.ndarray) -> np.ndarray:
    """[frames, 64] log-mel of an (already padded) waveform; no centring, no end padding."""
    x = np.asarray(wave, dtype=np.float64)
    n = 1 + (len(x) - WIN) // HOP_FRAMES_SAMPLES if len(x) >= WIN else 0
    if n <= 0:
        return np.zeros((0, 64))
    idx = np.arange(WIN)[None, :] + HOP_FRAMES_SAMPLES * np.arange(n)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * _HANN, n=NFFT))
    return np.log(spec @ _MEL + LOG_OFFSET)


def pad_like_yamnet(wave: np.ndarray) -> np.ndarray:
    """YAMNet's pad_waveform: at least 15600 samples, then up to 15600 + k*7680."""
    n = len(wave)
    total = YAMNET_WINDOW if n <= YAMNET_WINDOW else YAMNET_WINDOW + int(np.ceil((n - YAMNET_WINDOW) / 7680)) * 7680
    return np.pad(wave, (0, total - n))


def clip_patches(wave: np.ndarray) -> np.ndarray:
    """YAMNet's own per-clip framing: [patches, 96, 64] at hop 0.48 s."""
    lm = log_mel(pad_like_yamnet(wave))
    n = 1 + (len(lm) - PATCH_FRAMES) // PATCH_HOP_FRAMES
    return np.stack([lm[i * PATCH_HOP_FRAMES:i * PATCH_HOP_FRAMES + PATCH_FRAMES] for i in range(n)])


def window_starts(n: int, win: int, hop: int = HOP) -> list[int]:
    """Streaming-style windows covering a clip: every `hop` samples; the last one end-aligned.

    A clip shorter than `win` gets one window at 0 (callers pad or use it as is).
    """
    if n <= win:
        return [0]
    starts = list(range(0, n - win + 1, hop))
    if starts[-1] + win < n:
        starts.append(n - win)
    return starts


def yamnet_windows(wave: np.ndarray, hop: int = HOP) -> np.ndarray:
    """[W, 96, 64] patches of 15600-sample windows (zero-padded at the end if the clip is short)."""
    if len(wave) < YAMNET_WINDOW:
        wave = np.pad(wave, (0, YAMNET_WINDOW - len(wave)))
    out = [log_mel(wave[s:s + YAMNET_WINDOW]) for s in window_starts(len(wave), YAMNET_WINDOW, hop)]
    return np.stack(out).astype(np.float32)


def normalize_wav2vec2(x: np.ndarray) -> np.ndarray:
    """Zero-mean / unit-variance, as Wav2Vec2FeatureExtractor does (eps 1e-7 inside the sqrt)."""
    x = np.asarray(x, dtype=np.float32)
    return ((x - x.mean()) / np.sqrt(x.var() + 1e-7)).astype(np.float32)


def wav2vec2_windows(wave: np.ndarray, win: int = 32000, hop: int = HOP) -> tuple[np.ndarray, list[int]]:
    """[W, win] normalised windows (short clips zero-padded at the end first) and their start samples."""
    if len(wave) < win:
        wave = np.pad(wave, (0, win - len(wave)))
    starts = window_starts(len(wave), win, hop)
    return np.stack([normalize_wav2vec2(wave[s:s + win]) for s in starts]), starts


def yamnet_window_starts(n: int, hop: int = HOP) -> list[int]:
    return window_starts(max(n, YAMNET_WINDOW), YAMNET_WINDOW, hop)
