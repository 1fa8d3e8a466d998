import numpy as np

from cryscope_models import features
from cryscope_models.paths import yamnet_dir


def test_log_mel_matches_shared_reference():
    ref = np.load(yamnet_dir() / "yamnet_frontend_reference.npz")
    for wave, lm in (("waveform", "log_mel"), ("speech_waveform", "speech_log_mel")):
        got = features.log_mel(features.pad_like_yamnet(ref[wave]))
        assert got.shape == ref[lm].shape
        assert np.abs(got - ref[lm]).max() < 1e-4


def test_mel_matrix_matches_npz_constant(weights):
    assert np.abs(features.mel_matrix() - weights["frontend/mel_matrix"]).max() < 1e-4
    assert np.abs(features.hann_periodic() - weights["frontend/hann_window"]).max() < 1e-6


def test_window_starts_cover_clip_at_hop():
    assert features.window_starts(10000, 15600) == [0]
    s = features.window_starts(40000, 15600, 8000)
    assert s[:3] == [0, 8000, 16000]
    assert s[-1] + 15600 == 40000  # the tail is covered by an end-aligned window
    assert features.yamnet_windows(np.zeros(40000, np.float32)).shape == (len(s), 96, 64)


def test_normalize_wav2vec2_is_zero_mean_unit_variance():
    x = np.random.default_rng(0).normal(3.0, 0.2, 32000).astype(np.float32)
    y = features.normalize_wav2vec2(x)
    assert abs(float(y.mean())) < 1e-4 and abs(float(y.std()) - 1.0) < 1e-3
