"""The ONNX YAMNet reproduces an independent float64 numpy forward pass of the npz and agrees with
the shared tflite on real audio."""
import numpy as np
import onnx
import pytest

from cryscope_models import features, yamnet_np, yamnet_onnx
from cryscope_models.ort_util import session
from cryscope_models.paths import yamnet_dir
from cryscope_models.yamnet_arch import same_pads


@pytest.fixture(scope="module")
def graph(weights):
    return yamnet_onnx.build(weights, yamnet_onnx.identity_head())


def test_tf_same_padding_rule():
    assert same_pads(96, 3, 2) == (0, 1)   # stride 2, even size: bottom/right only
    assert same_pads(64, 3, 1) == (1, 1)
    assert same_pads(3, 3, 2) == (1, 1)     # odd size, stride 2


def test_stride2_convs_use_asymmetric_pads(graph):
    convs = [n for n in graph.graph.node if n.op_type == "Conv"]
    s2 = [n for n in convs if list(next(a for a in n.attribute if a.name == "strides").ints) == [2, 2]]
    assert len(s2) == 5
    assert list(next(a for a in s2[0].attribute if a.name == "pads").ints) == [0, 0, 1, 1]


def test_io_contract(graph):
    assert [i.name for i in graph.graph.input] == ["patches"]
    assert [o.name for o in graph.graph.output] == ["scores", "embeddings", "probs"]
    onnx.checker.check_model(graph)


def test_onnx_matches_numpy_float64_on_real_audio(graph, weights, sample_waves):
    sess = session(graph.SerializeToString())
    pats = np.concatenate([features.yamnet_windows(w)[:4] for w in sample_waves.values()])
    ref = yamnet_np.forward(weights, pats)
    scores, emb, probs = sess.run(["scores", "embeddings", "probs"], {"patches": pats})
    assert np.abs(scores - ref["scores"]).max() < 1e-4
    assert np.abs(emb - ref["embeddings"]).max() < 1e-4
    assert np.allclose(probs, 1 / 3, atol=1e-6)  # identity head -> uniform


def test_onnx_agrees_with_tflite_top_classes(graph, sample_waves):
    from cryscope_models.yamnet_tflite import tflite_scores
    sess = session(graph.SerializeToString())
    for label, w in sample_waves.items():
        t = tflite_scores(yamnet_dir() / "yamnet.tflite", w)
        o = sess.run(["scores"], {"patches": features.clip_patches(w).astype(np.float32)})[0]
        assert t.shape == o.shape
        assert t.mean(0).argmax() == o.mean(0).argmax(), label
        # WEIGHTS.md: the DRQ hybrid kernels move single scores by up to ~0.8; the mean stays small
        assert np.abs(t - o).mean() < 0.01


def test_head_is_folded_into_graph(weights, sample_waves):
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(0, 0.05, (1545, 8)).astype(np.float32), rng.normal(0, 0.1, 8).astype(np.float32)
    W2, b2 = rng.normal(0, 0.5, (8, 3)).astype(np.float32), rng.normal(0, 0.1, 3).astype(np.float32)
    g = yamnet_onnx.build(weights, {"layers": [(W1, b1), (W2, b2)]})
    pats = features.yamnet_windows(sample_waves["cry"])[:3]
    scores, emb, probs = session(g.SerializeToString()).run(None, {"patches": pats})
    h = np.maximum(np.concatenate([emb, scores], 1) @ W1 + b1, 0) @ W2 + b2
    expect = np.exp(h - h.max(1, keepdims=True)); expect /= expect.sum(1, keepdims=True)
    assert np.abs(probs - expect).max() < 1e-5


def test_build_requires_a_head(weights):
    with pytest.raises(ValueError):
        yamnet_onnx.build(weights, None)
