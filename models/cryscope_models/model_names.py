"""Display names of the models and fusions, keyed as the metrics are ("yamnet", "fusion_weighted_mean", ...).

Its own module so that goals.py (pure, no plotting) and report.py (matplotlib) print the same names."""
NAMES = {"yamnet_zero_shot": "YAMNet zero-shot", "yamnet": "YAMNet fine-tuned head (int8, deployed)",
         "yamnet_fp32": "YAMNet fine-tuned head (fp32)",
         "wav2vec2_fp32": "Wav2Vec2 fp32", "wav2vec2_int8": "Wav2Vec2 int8",
         "fusion_mean": "Fusion: mean", "fusion_weighted_mean": "Fusion: weighted mean",
         "fusion_geometric_mean": "Fusion: geometric mean", "fusion_vote": "Fusion: vote",
         "fusion_logistic": "Fusion: logistic"}
