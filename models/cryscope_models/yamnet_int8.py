"""int8 YAMNet for the browser: dynamic quantisation of the pointwise MatMuls only.

What is quantised: the 13 pointwise layers (yamnet_onnx.pointwise_matmuls), ~90% of the multiply-adds;
weights int8-as-uint8 per output channel, activations uint8 per run (DynamicQuantizeLinear). What is
not: the first conv and the depthwise convs (onnxruntime-web has no fast ConvInteger), the AudioSet
classifier and the three-class head. The head must stay float: its input concatenates embeddings
(0..~10) with AudioSet scores (~1e-5 for rare classes) whose standardisation multiplies them by up to
1000 — one shared int8 scale for that vector erased the scores and dropped validation macro-F1 from
0.91 to 0.65 in a measured try.

Why uint8 weights (U8U8) rather than int8 (U8S8): x86 onnxruntime (the Python evaluation) computes
U8S8 with a saturating 16-bit multiply-add, WASM does not; U8U8 is exact integer arithmetic on both,
so the report and the browser compute the same numbers.

Activation scales are per run, i.e. shared by every patch of a batch: a patch's result would depend
on its batch-mates. The package therefore runs this model one patch per run, and so does the
evaluation (evaluate.run_yamnet).
"""
from pathlib import Path

import onnx

from .yamnet_onnx import pointwise_matmuls


def quantize(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    nodes = pointwise_matmuls(onnx.load(str(src)))
    if len(nodes) != 13:
        raise RuntimeError(f"expected 13 pointwise MatMuls in {src}, found {len(nodes)}")
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QUInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], nodes_to_quantize=nodes)
    m = onnx.load(str(dst))
    m.doc_string = onnx.load(str(src)).doc_string + " int8: pointwise layers dynamically quantised."
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))
