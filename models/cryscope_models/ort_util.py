"""onnxruntime sessions with a thread budget that suits a shared 2-core machine."""
import os

import numpy as np
import onnxruntime as ort


def session(path_or_bytes, threads: int | None = None) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or int(os.environ.get("CRYSCOPE_THREADS", "2"))
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    src = path_or_bytes if isinstance(path_or_bytes, (bytes, str)) else str(path_or_bytes)
    return ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])


def run_batched(sess: ort.InferenceSession, name: str, x: np.ndarray, outputs: list[str],
                batch: int = 64) -> dict[str, np.ndarray]:
    res: dict[str, list] = {o: [] for o in outputs}
    for i in range(0, len(x), batch):
        out = sess.run(outputs, {name: x[i:i + batch]})
        for o, v in zip(outputs, out):
            res[o].append(v)
    return {o: np.concatenate(v) if v else np.zeros((0,)) for o, v in res.items()}
