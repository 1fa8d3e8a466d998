"""cryscope model pipeline: ../shared audio + YAMNet weights -> ONNX models, fusion, report."""
LABELS = ("cry", "scream", "normal")
SAMPLE_RATE = 16000
YAMNET_WINDOW = 15600   # samples, exactly one [96,64] patch
WAV2VEC2_WINDOW = 16000  # samples (1.0 s), shipped default: the window the model is trained, evaluated
                         # and deployed with (1 s responds to an onset sooner than 2 s and costs half per
                         # window; validation macro-F1 was no lower, see models/EXPERIMENTS.md)
TRAIN_CROP = 32000       # samples (2.0 s): augmented training crops (3 YAMNet windows; Wav2Vec2 sub-crops)
HOP = 4000               # samples (0.25 s), shipped default for both models: one decision per hop. Chosen on
                         # held-out families: 0.25 s scored +0.005..0.009 macro-F1 over 0.5 s for every head
                         # tried (a short scream falls inside some window; models/EXPERIMENTS.md, session 9)
CROP_HOP = 8000          # samples (0.5 s): spacing of the 3 YAMNet windows inside a 2 s training crop (what the
                         # heads and Wav2Vec2 sub-crops train on; independent of the streaming hop)
