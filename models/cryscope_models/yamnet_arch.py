"""YAMNet's layer plan (yamnet.py): (layer, kind, stride). Shared by the numpy and ONNX builds."""
# layer1 is a full 3x3 conv (1->32); layers 2..14 are depthwise 3x3 + pointwise 1x1.
LAYERS = [
    (1, "conv", 2),
    (2, "sep", 1), (3, "sep", 2), (4, "sep", 1), (5, "sep", 2), (6, "sep", 1), (7, "sep", 2),
    (8, "sep", 1), (9, "sep", 1), (10, "sep", 1), (11, "sep", 1), (12, "sep", 1),
    (13, "sep", 2), (14, "sep", 1),
]


def same_pads(size: int, k: int, stride: int) -> tuple[int, int]:
    """TF 'SAME' padding (before, after) for one spatial axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2
