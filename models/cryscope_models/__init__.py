"""cryscope model pipeline: ../shared audio + YAMNet weights -> ONNX models, fusion, report."""
LABELS = ("cry", "scream", "normal")
SAMPLE_RATE = 16000
YAMNET_WINDOW = 15600   # samples, exactly one [96,64] patch
WAV2VEC2_WINDOW = 32000  # samples (2.0 s), contract default
HOP = 8000               # samples (0.5 s), contract default for both models
