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
        # ../shared/weights/yamnet/WEIGHTS.md: the DRQ hybrid kernels move single scores by up to ~0.8; the mean stays small
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


def test_pointwise_layers_are_named_matmuls(graph):
    # 13 pointwise 1x1 layers are MatMuls (pre-packed weights in onnxruntime-web); the 1 full conv and
    # 13 depthwise convs stay Conv
    assert len(yamnet_onnx.pointwise_matmuls(graph)) == 13
    assert sum(n.op_type == "Conv" for n in graph.graph.node) == 14


def test_int8_graph_quantises_only_the_pointwise_layers(graph, weights, sample_waves, tmp_path):
    from cryscope_models import yamnet_int8
    rng = np.random.default_rng(1)
    head = {"layers": [(rng.normal(0, 0.05, (1545, 3)).astype(np.float32), np.zeros(3, np.float32))]}
    onnx.save(yamnet_onnx.build(weights, head), str(tmp_path / "y.onnx"))
    yamnet_int8.quantize(tmp_path / "y.onnx", tmp_path / "y8.onnx")
    g8 = onnx.load(str(tmp_path / "y8.onnx"))
    assert sum(n.op_type == "MatMulInteger" for n in g8.graph.node) == 13
    # the AudioSet classifier and the head stay float (their input mixes scales 1e6 apart)
    assert sum(n.op_type in ("Gemm", "MatMul") for n in g8.graph.node) == 2
    assert sum(n.op_type == "DynamicQuantizeLinear" for n in g8.graph.node) == 13
    assert [o.name for o in g8.graph.output] == ["scores", "embeddings", "probs"]
    s32, s8 = session(str(tmp_path / "y.onnx")), session(str(tmp_path / "y8.onnx"))
    pats = np.concatenate([features.yamnet_windows(w)[:3] for w in sample_waves.values()])
    a = s32.run(["scores", "probs"], {"patches": pats})
    b = [np.concatenate(x) for x in zip(*(s8.run(["scores", "probs"], {"patches": pats[i:i + 1]}) for i in range(len(pats))))]
    # int8 moves scores a little (../shared/weights/yamnet/WEIGHTS.md: the tflite hybrid model moves them by up to ~0.8) and keeps
    # the top AudioSet class of every clip
    assert np.abs(a[0] - b[0]).max() < 0.3 and np.abs(a[0] - b[0]).mean() < 0.01
    assert np.abs(a[1] - b[1]).max() < 0.1
    n = len(pats) // len(sample_waves)
    for k in range(len(sample_waves)):
        assert a[0][k * n:(k + 1) * n].mean(0).argmax() == b[0][k * n:(k + 1) * n].mean(0).argmax()


def test_anchored_head_graph_matches_numpy_reference(weights, sample_waves):
    # an anchored head = zero-shot prior from the graph's own AudioSet logits + a residual on
    # [embeddings, clipped logits]; the graph must equal yamnet_head.head_forward on the float64 forward
    from cryscope_models import yamnet_head as yh
    rng = np.random.default_rng(2)
    head = {"kind": "anchored", "layers": [(rng.normal(0, 0.02, (1545, 3)).astype(np.float32),
                                            rng.normal(0, 0.1, 3).astype(np.float32))]}
    g = yamnet_onnx.build(weights, head)
    pats = np.concatenate([features.yamnet_windows(w)[:3] for w in sample_waves.values()])
    probs = session(g.SerializeToString()).run(["probs"], {"patches": pats})[0]
    ref = yamnet_np.forward(weights, pats)
    assert np.abs(probs - yh.head_forward(head, ref["embeddings"], ref["scores"], ref["logits"])).max() < 1e-4


def test_anchored_head_without_residual_is_the_zero_shot_rule(weights, sample_waves):
    # zero weights: argmax per window = "cry/scream if its AudioSet logit beats logit(0.1) and, softly, the
    # strongest class that explains the sound away (laughter, animals, coughs, sirens), else normal"
    from cryscope_models import yamnet_head as yh
    import onnx
    from onnx import helper
    g = yamnet_onnx.build(weights, {"kind": "anchored", "layers": [(np.zeros((1545, 3), np.float32), np.zeros(3, np.float32))]})
    for name, width in (("audioset_logits_clipped", 521), ("zero_shot_prior", 3)):   # read the graph's own values
        g.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, ["N", width]))
    pats = np.concatenate([features.yamnet_windows(w) for w in sample_waves.values()])
    lg, prior, probs = session(g.SerializeToString()).run(["audioset_logits_clipped", "zero_shot_prior", "probs"],
                                                          {"patches": pats})
    normal = np.logaddexp(np.log(0.1 / 0.9), lg.astype(np.float64)[:, list(yh.ZS_NORMAL_EVIDENCE)].max(1))
    rule = np.stack([lg[:, list(yh.ZS_CRY)].max(1), lg[:, list(yh.ZS_SCREAM)].max(1), normal], 1)
    assert np.array_equal(probs.argmax(1), rule.argmax(1))
    # ... and the graph's prior is the numpy one to float32 rounding
    assert np.abs(prior - yh.zero_shot_prior(lg)).max() < 1e-5


def test_unknown_head_kind_is_refused(weights):
    with pytest.raises(ValueError, match="head kind"):
        yamnet_onnx.build(weights, {"kind": "bogus", "layers": [(np.zeros((1545, 3), np.float32), np.zeros(3, np.float32))]})
