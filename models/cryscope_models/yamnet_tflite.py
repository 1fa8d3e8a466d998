"""Runs the shared yamnet.tflite (the reference for AudioSet scores) with ai-edge-litert."""
import numpy as np


def tflite_scores(tflite_path: str, wave: np.ndarray) -> np.ndarray:
    """AudioSet scores [patches, 521] from the tflite graph (its own front-end and framing)."""
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=str(tflite_path), num_threads=1)
    inp = it.get_input_details()[0]
    it.resize_tensor_input(inp["index"], [len(wave)], strict=False)
    it.allocate_tensors()
    it.set_tensor(inp["index"], wave.astype(np.float32))
    it.invoke()
    for d in it.get_output_details():
        v = it.get_tensor(d["index"])
        if v.ndim == 2 and v.shape[1] == 521:
            return v.copy()
    raise RuntimeError("no [N,521] output in the tflite model")
