"""ONNX export (dynamic batch and time) and int8 dynamic quantisation of the Wav2Vec2 classifier."""
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch

from .wav2vec2_model import ExportWrapper

OPSET = 17


def _strip_weight_norm(model):
    """The positional conv uses weight norm (a parametrization); fold it into a plain weight for export."""
    from torch.nn.utils import parametrize
    for m in model.modules():
        if parametrize.is_parametrized(m):
            for name in list(m.parametrizations.keys()):
                parametrize.remove_parametrizations(m, name, leave_parametrized=True)
        elif hasattr(m, "weight_g") and hasattr(m, "weight_v"):
            torch.nn.utils.remove_weight_norm(m)
    return model


def export(model, path: Path, example_seconds: float = 2.0) -> None:
    # A fresh copy via state_dict: deepcopy of a parametrized module shares parametrization state, and
    # stripping the copy would break the caller's model.
    m = type(model)(model.config)
    m.load_state_dict(model.state_dict())
    m = _strip_weight_norm(m).eval()
    wrapper = ExportWrapper(m).eval()
    x = torch.randn(2, int(16000 * example_seconds))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, (x,), str(path), input_names=["input_values"],
                          output_names=["logits", "probs"], opset_version=OPSET, do_constant_folding=True,
                          dynamic_axes={"input_values": {0: "N", 1: "T"}, "logits": {0: "N"}, "probs": {0: "N"}},
                          dynamo=False)
    mp = onnx.load(str(path))
    mp.doc_string = "cryscope compact Wav2Vec2 (trained from scratch by cryscope). Labels: cry, scream, normal."
    onnx.checker.check_model(mp)
    onnx.save(mp, str(path))


def quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic (weight-only int8, activations quantised at run time) quantisation of MatMul/Gemm.
    Convs stay float: onnxruntime-web's ConvInteger support is poor and the conv encoder is small.
    Weights as uint8 (U8U8): exact integer arithmetic on x86 onnxruntime (the Python evaluation) and in
    WASM alike; U8S8 saturates on x86 AVX2, so Python and the browser would compute different numbers."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process
    pre = dst.with_suffix(".pre.onnx")
    try:
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=False)
        inp = pre
    except Exception:  # pre-processing is an optimisation only
        inp = src
    quantize_dynamic(str(inp), str(dst), weight_type=QuantType.QUInt8, op_types_to_quantize=["MatMul", "Gemm"])
    if pre.exists():
        pre.unlink()
    onnx.checker.check_model(onnx.load(str(dst)))


def torch_probs(model, x: np.ndarray) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(x)).logits, -1).numpy()
