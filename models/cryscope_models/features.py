"""YAMNet's log-mel front-end (features.py of tensorflow/models), in numpy.

Used for training/evaluation in Python; the product computes the same thing in C++ (core/).
float64 internally so it matches the shared front-end reference to float32 rounding.
"""
import numpy as np

from . import YAMNET_WINDOW, HOP, WAV2VEC2_WINDOW

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
    """Regular windows fully inside a clip: every `hop` samples (none if the clip is shorter than `win`)."""
    return list(range(0, n - win + 1, hop)) if n >= win else []


def yamnet_window_starts(n: int, hop: int = HOP) -> list[int]:
    """The core's StreamFrontEnd rule: the stream is zero-padded like YAMNet's pad_waveform with our hop
    (to 15600, then up to 15600 + k*hop) and windows start every hop."""
    total = YAMNET_WINDOW if n <= YAMNET_WINDOW else YAMNET_WINDOW + -(-(n - YAMNET_WINDOW) // hop) * hop
    return window_starts(total, YAMNET_WINDOW, hop)


def yamnet_windows(wave: np.ndarray, hop: int = HOP) -> np.ndarray:
    """[W, 96, 64] patches of the 15600-sample windows of yamnet_window_starts (zero padding at the end)."""
    starts = yamnet_window_starts(len(wave), hop)
    padded = np.pad(wave, (0, max(0, starts[-1] + YAMNET_WINDOW - len(wave))))
    return np.stack([log_mel(padded[s:s + YAMNET_WINDOW]) for s in starts]).astype(np.float32)


MIN_WAV2VEC2_SAMPLES = 400  # the core's shortest Wav2Vec2 window (its first conv's receptive field)


def wav2vec2_window_spans(n: int, win: int = WAV2VEC2_WINDOW, hop: int = HOP) -> list[tuple[int, int]]:
    """The core's rule: regular windows every hop; if they do not reach the end, one end-aligned tail
    window of min(win, n) samples (so a clip shorter than `win` is one window of the whole clip, not
    padded). Returns (start, length) pairs."""
    spans = [(s, win) for s in window_starts(n, win, hop)]
    last_end = spans[-1][0] + win if spans else 0
    if last_end < n:
        length = min(win, n)
        spans.append((n - length, max(length, MIN_WAV2VEC2_SAMPLES)))
    return spans


def normalize_wav2vec2(x: np.ndarray) -> np.ndarray:
    """Zero-mean / unit-variance, as Wav2Vec2FeatureExtractor does (eps 1e-7 inside the sqrt)."""
    x = np.asarray(x, dtype=np.float32)
    return ((x - x.mean()) / np.sqrt(x.var() + 1e-7)).astype(np.float32)


def wav2vec2_windows(wave: np.ndarray, win: int = WAV2VEC2_WINDOW, hop: int = HOP) -> tuple[list[np.ndarray], list[int]]:
    """Normalised windows (variable length only for a short clip's single window) and their starts."""
    spans = wav2vec2_window_spans(len(wave), win, hop)
    out = []
    for s, length in spans:
        x = wave[s:s + length]
        out.append(normalize_wav2vec2(np.pad(x, (0, length - len(x)))))
    return out, [s for s, _ in spans]
