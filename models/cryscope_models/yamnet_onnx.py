"""Builds yamnet.onnx from yamnet.npz with the onnx helper API (no TensorFlow).

Graph: patches [N,96,64] -> Unsqueeze(NCHW) -> 14 conv blocks (TF SAME padding: stride-2 layers pad
only bottom/right) -> GlobalAveragePool -> embeddings [N,1024] -> Gemm -> Sigmoid -> scores [N,521].

Each block's 1x1 (pointwise) conv, ~90% of YAMNet's multiply-adds, is written as an NHWC MatMul
(Transpose -> [N*H*W, Cin] @ W[Cin, Cout] + b -> Transpose back) named "layer<n>/pointwise/MatMul".
Why: onnxruntime-web runs a 1x1 Conv as a GEMM whose narrow side is H*W (6 in the last layers) and
re-packs the activations on every call; as a MatMul the constant weight is pre-packed once and the
wide side is the channel count. Measured in Node with onnxruntime-web 1.30 (1 thread): 11.3 -> 10.4 ms
per patch; the named MatMuls are also what yamnet_int8.py quantises.
The three-class head (yamnet_head.py) is appended so that `probs` [N,3] comes out of the same graph:
a free head (Gemm layers on [embeddings, scores]) or an anchored one (Gemm layers on [embeddings,
clipped AudioSet logits], added to the zero-shot prior computed from the same logits).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .yamnet_arch import LAYERS, same_pads
from .yamnet_head import LOGIT_CLIP, ZS_CRY, ZS_NORMAL_EVIDENCE, ZS_NORMAL_LOGIT, ZS_SCREAM

OPSET = 17


class _G:
    def __init__(self):
        self.nodes, self.inits = [], []
        self.n = 0

    def const(self, name: str, arr: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32)
                                                  if arr.dtype.kind == "f" else arr, name))
        return name

    def op(self, op: str, inputs: list[str], out: str | None = None, **attrs) -> str:
        self.n += 1
        out = out or f"{op.lower()}_{self.n}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"{op}_{self.n}", **attrs))
        return out


def _conv(g: _G, x: str, kernel_onnx: np.ndarray, bias: np.ndarray, stride: int, hw: tuple[int, int],
          group: int, name: str) -> tuple[str, tuple[int, int]]:
    k = kernel_onnx.shape[-1]
    ph, pw = same_pads(hw[0], k, stride), same_pads(hw[1], k, stride)
    w = g.const(f"{name}/W", kernel_onnx)
    b = g.const(f"{name}/B", bias)
    y = g.op("Conv", [x, w, b], kernel_shape=[k, k], strides=[stride, stride], group=group,
             pads=[ph[0], pw[0], ph[1], pw[1]])
    y = g.op("Relu", [y], out=f"{name}/relu")
    out_hw = (-(-hw[0] // stride), -(-hw[1] // stride))
    return y, out_hw


def _pointwise(g: _G, x: str, kernel: np.ndarray, bias: np.ndarray, hw: tuple[int, int], name: str) -> str:
    """1x1 conv + ReLU as an NHWC MatMul. kernel: TF layout [1,1,Cin,Cout]. Same math as Conv(1x1)."""
    cin, cout = kernel.shape[2], kernel.shape[3]
    t = g.op("Transpose", [x], perm=[0, 2, 3, 1])
    rows = g.op("Reshape", [t, g.const(f"{name}/rows_shape", np.array([-1, cin], dtype=np.int64))])
    y = g.op("MatMul", [rows, g.const(f"{name}/W", kernel[0, 0])], out=f"{name}/matmul")
    g.nodes[-1].name = f"{name}/MatMul"
    y = g.op("Add", [y, g.const(f"{name}/B", bias)])
    y = g.op("Relu", [y])
    y = g.op("Reshape", [y, g.const(f"{name}/nhwc_shape", np.array([-1, hw[0], hw[1], cout], dtype=np.int64))])
    return g.op("Transpose", [y], out=f"{name}/relu", perm=[0, 3, 1, 2])


def _anchored_input_and_prior(g: _G, logits: str) -> tuple[str, str]:
    """(head input = [embeddings, clip(logits)], zero-shot prior [N,3]) — yamnet_head.anchored_features."""
    clipped = g.op("Clip", [logits, g.const("anchor/lo", np.array(-LOGIT_CLIP, np.float32)),
                            g.const("anchor/hi", np.array(LOGIT_CLIP, np.float32))], out="audioset_logits_clipped")
    h = g.op("Concat", ["embeddings", clipped], out="head_in", axis=1)
    cols = []
    for name, idx in (("cry", ZS_CRY), ("scream", ZS_SCREAM)):
        sel = g.op("Gather", [clipped, g.const(f"anchor/{name}_idx", np.array(idx, dtype=np.int64))], axis=1)
        cols.append(g.op("ReduceMax", [sel], out=f"anchor/{name}", axes=[1], keepdims=1))
    # normal = logaddexp(ZS_NORMAL_LOGIT, max of the explaining classes) = max(a, b) + log(1 + exp(-|a - b|))
    sel = g.op("Gather", [clipped, g.const("anchor/normal_idx", np.array(ZS_NORMAL_EVIDENCE, dtype=np.int64))], axis=1)
    ev = g.op("ReduceMax", [sel], out="anchor/normal_evidence", axes=[1], keepdims=1)
    tc = g.const("anchor/normal_logit", np.array(ZS_NORMAL_LOGIT, np.float32))
    gap = g.op("Neg", [g.op("Abs", [g.op("Sub", [ev, tc])])])
    soft = g.op("Log", [g.op("Add", [g.op("Exp", [gap]), g.const("anchor/one", np.array(1.0, np.float32))])])
    normal = g.op("Add", [g.op("Max", [ev, tc]), soft], out="anchor/normal")
    prior = g.op("Concat", cols + [normal], out="zero_shot_prior", axis=1)
    return h, prior


def build(weights, head: dict | None = None) -> onnx.ModelProto:
    """weights: mapping (npz). head: {'layers': [(W [in,out], b [out]), ...], 'kind': 'free' (default)
    or 'anchored'} with ReLU between layers; free: applied to concat(embeddings, scores); anchored:
    to concat(embeddings, clipped AudioSet logits), plus the zero-shot prior; softmax at the end.
    A head must be given (the package reads the `probs` output)."""
    if head is None:
        raise ValueError("a 3-class head is required to build yamnet.onnx")
    g = _G()
    g.const("axes_c", np.array([1], dtype=np.int64))
    x = g.op("Unsqueeze", ["patches", "axes_c"], out="nchw")
    hw = (96, 64)
    for n, kind, stride in LAYERS:
        if kind == "conv":
            k = np.asarray(weights[f"layer{n}/conv/kernel"]).transpose(3, 2, 0, 1)
            x, hw = _conv(g, x, k, np.asarray(weights[f"layer{n}/conv/bias"]), stride, hw, 1, f"layer{n}/conv")
        else:
            dk = np.asarray(weights[f"layer{n}/depthwise_conv/depthwise_kernel"]).transpose(2, 3, 0, 1)
            c = dk.shape[0]
            x, hw = _conv(g, x, dk, np.asarray(weights[f"layer{n}/depthwise_conv/bias"]), stride, hw, c,
                          f"layer{n}/depthwise")
            x = _pointwise(g, x, np.asarray(weights[f"layer{n}/pointwise_conv/kernel"]),
                           np.asarray(weights[f"layer{n}/pointwise_conv/bias"]), hw, f"layer{n}/pointwise")
    pooled = g.op("GlobalAveragePool", [x])
    emb = g.op("Flatten", [pooled], out="embeddings", axis=1)
    logits = g.op("Gemm", [emb, g.const("logits/W", np.asarray(weights["logits/kernel"])),
                           g.const("logits/B", np.asarray(weights["logits/bias"]))], out="audioset_logits")
    g.op("Sigmoid", [logits], out="scores")
    kind = head.get("kind", "free")
    if kind == "anchored":
        h, prior = _anchored_input_and_prior(g, logits)
    elif kind == "free":
        h, prior = g.op("Concat", ["embeddings", "scores"], out="head_in", axis=1), None
    else:
        raise ValueError(f"unknown head kind {kind!r}")
    layers = head["layers"]
    for i, (W, b) in enumerate(layers):
        h = g.op("Gemm", [h, g.const(f"head/{i}/W", np.asarray(W)), g.const(f"head/{i}/B", np.asarray(b))],
                 out=f"head_{i}")
        if i < len(layers) - 1:
            h = g.op("Relu", [h])
    if prior is not None:
        h = g.op("Add", [h, prior], out="head_logits")
    g.op("Softmax", [h], out="probs", axis=-1)
    graph = helper.make_graph(
        g.nodes, "yamnet_cryscope",
        [helper.make_tensor_value_info("patches", TensorProto.FLOAT, ["N", 96, 64])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 521]),
         helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["N", 1024]),
         helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 3])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="cryscope-models")
    model.ir_version = 8  # onnxruntime-web friendly
    model.doc_string = ("YAMNet (Apache-2.0, tensorflow/models research/audioset/yamnet) with a cryscope "
                        "3-class head; built from yamnet.npz. Labels: cry, scream, normal.")
    onnx.checker.check_model(model)
    return model


def pointwise_matmuls(model: onnx.ModelProto) -> list[str]:
    """Names of the pointwise MatMul nodes (what yamnet_int8.py quantises)."""
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and n.name.endswith("/pointwise/MatMul")]


def identity_head() -> dict:
    """A fixed, untrained head (used only for graph tests): zeros -> uniform probs."""
    return {"layers": [(np.zeros((1545, 3), np.float32), np.zeros(3, np.float32))]}
