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


def test_yamnet_windows_follow_the_core_stream_rule():
    # pad like pad_waveform with hop 8000: 40000 samples -> 15600 + 4*8000 = 47600 -> starts 0..32000
    assert features.yamnet_window_starts(10000, 8000) == [0]
    assert features.yamnet_window_starts(15600, 8000) == [0]
    assert features.yamnet_window_starts(40000, 8000) == [0, 8000, 16000, 24000, 32000]
    # the shipped default hop (0.25 s): 40000 -> 15600 + 7*4000 = 43600 -> starts 0..28000
    assert features.yamnet_window_starts(40000) == list(range(0, 28001, 4000))
    x = np.random.default_rng(0).standard_normal(40000).astype(np.float32)
    p = features.yamnet_windows(x, 8000)
    assert p.shape == (5, 96, 64)
    assert np.allclose(p[1], features.log_mel(x[8000:23600]))
    assert np.allclose(p[-1], features.log_mel(np.pad(x[32000:], (0, 7600))))  # zero padding at the end


def test_wav2vec2_windows_follow_the_core_stream_rule():
    assert features.wav2vec2_window_spans(40000, 32000, 8000) == [(0, 32000), (8000, 32000)]
    assert features.wav2vec2_window_spans(45000, 32000, 8000) == [(0, 32000), (8000, 32000), (13000, 32000)]  # end-aligned tail
    assert features.wav2vec2_window_spans(20000, 32000) == [(0, 20000)]  # short clip: whole clip, unpadded
    # the deployed default: 1 s windows every 0.25 s
    assert features.wav2vec2_window_spans(30000) == [(0, 16000), (4000, 16000), (8000, 16000), (12000, 16000), (14000, 16000)]
    xs, starts = features.wav2vec2_windows(np.random.default_rng(1).standard_normal(12000).astype(np.float32))
    assert len(xs) == 1 and xs[0].shape == (12000,) and starts == [0]


def test_normalize_wav2vec2_is_zero_mean_unit_variance():
    x = np.random.default_rng(0).normal(3.0, 0.2, 32000).astype(np.float32)
    y = features.normalize_wav2vec2(x)
    assert abs(float(y.mean())) < 1e-4 and abs(float(y.std()) - 1.0) < 1e-3


def test_crop_features_are_the_streaming_windows_of_the_crop(weights, sample_waves):
    """A 2 s training crop (or a teacher mixture) must be heard as the product hears the same audio streamed:
    its 3 windows are the first 3 streaming windows at a 0.5 s hop (CROP_HOP), with the same embeddings and scores."""
    from cryscope_models import CROP_HOP, TRAIN_CROP
    from cryscope_models import yamnet_features as yf
    sess = yf.backbone_session(weights, 1)
    crops = np.stack([sample_waves["cry"][:TRAIN_CROP], sample_waves["normal"][:TRAIN_CROP]])
    got = yf.crop_features(sess, crops)
    assert got["emb"].shape == (6, 1024) and got["scores"].shape == (6, 521) and got["emb"].dtype == np.float32
    for i, x in enumerate(crops):
        ref = yf.run(sess, features.yamnet_windows(x, CROP_HOP)[:3])  # a crop's windows: CROP_HOP apart
        assert np.abs(got["emb"][3 * i:3 * i + 3] - ref["embeddings"]).max() < 1e-5
        assert np.abs(got["scores"][3 * i:3 * i + 3] - ref["scores"]).max() < 1e-5
    assert np.abs(got["scores"][:3] - got["scores"][3:]).max() > 1e-2  # the two crops differ (the check can fail)
