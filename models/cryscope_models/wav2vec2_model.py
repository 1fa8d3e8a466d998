"""The compact Wav2Vec2 (transformers' Wav2Vec2ForSequenceClassification) and its export wrapper.

`build_model(source)` takes a local checkpoint path or hub id (e.g. facebook/wav2vec2-base, for users
with network) or None for our compact config, randomly initialised. The compact config is sized for
real time in onnxruntime-web: a 7-layer conv feature encoder with 32-128 channels (320x downsampling,
50 frames/s) and a small transformer.
"""
import numpy as np
import torch
from torch import nn
from transformers import Wav2Vec2Config, Wav2Vec2ForSequenceClassification

from . import LABELS

COMPACT = dict(
    conv_dim=(32, 32, 64, 64, 128, 128, 128),
    conv_kernel=(10, 3, 3, 3, 3, 2, 2),
    conv_stride=(5, 2, 2, 2, 2, 2, 2),
    feat_extract_norm="group",
    hidden_size=192,
    num_hidden_layers=3,
    num_attention_heads=4,
    intermediate_size=384,
    num_conv_pos_embeddings=32,
    num_conv_pos_embedding_groups=16,
    hidden_dropout=0.1,
    attention_dropout=0.1,
    activation_dropout=0.0,
    feat_proj_dropout=0.1,
    final_dropout=0.1,
    layerdrop=0.0,
    mask_time_prob=0.05,
    mask_time_length=5,
    classifier_proj_size=128,
    # pretraining (Wav2Vec2ForPreTraining) settings, used only by the contrastive variant
    codevector_dim=128,
    proj_codevector_dim=128,
    num_codevectors_per_group=64,
    num_codevector_groups=2,
)

TINY = dict(COMPACT, conv_dim=(8, 8, 8, 8, 8, 8, 8), hidden_size=16, num_hidden_layers=1,
            num_attention_heads=2, intermediate_size=32, num_conv_pos_embeddings=4,
            num_conv_pos_embedding_groups=2, classifier_proj_size=8, codevector_dim=8,
            proj_codevector_dim=8, num_codevectors_per_group=4)


def make_config(**overrides) -> Wav2Vec2Config:
    kw = dict(COMPACT); kw.update(overrides)
    return Wav2Vec2Config(num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
                          label2id={l: i for i, l in enumerate(LABELS)}, **kw)


def build_model(source: str | None = None, config: Wav2Vec2Config | None = None
                ) -> Wav2Vec2ForSequenceClassification:
    """source: checkpoint dir or hub id (loaded with a fresh 3-class head), else `config` (default COMPACT)."""
    if source:
        return Wav2Vec2ForSequenceClassification.from_pretrained(
            source, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
            label2id={l: i for i, l in enumerate(LABELS)}, ignore_mismatched_sizes=True)
    return Wav2Vec2ForSequenceClassification(config or make_config())


def pooled(model: Wav2Vec2ForSequenceClassification, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean-pooled transformer output [N,hidden], logits [N,3]) — the same math as the HF forward
    without an attention mask, but also exposing the pooled features for distillation."""
    h = model.wav2vec2(x).last_hidden_state
    logits = model.classifier(model.projector(h).mean(1))
    return h.mean(1), logits


class Distiller(nn.Module):
    """Distillation heads: pooled wav2vec2 features -> YAMNet embedding (1024) and AudioSet logits (521)."""
    def __init__(self, hidden: int):
        super().__init__()
        self.emb = nn.Sequential(nn.Linear(hidden, 512), nn.GELU(), nn.Linear(512, 1024))
        self.scores = nn.Linear(hidden, 521)

    def forward(self, h):
        return self.emb(h), self.scores(h)


class ExportWrapper(nn.Module):
    """input_values [N,T] -> (logits [N,3], probs [N,3]); the ONNX model's inputs and outputs."""
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_values):
        logits = self.model(input_values).logits
        return logits, torch.softmax(logits, dim=-1)


def count_params(model: nn.Module) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def macs_per_second(cfg: Wav2Vec2Config, seconds: float = 1.0) -> dict:
    """Analytic multiply-accumulates for `seconds` of 16 kHz audio (conv encoder, pos-conv, transformer)."""
    t = int(16000 * seconds)
    conv = 0
    c_in = 1
    for c, k, s in zip(cfg.conv_dim, cfg.conv_kernel, cfg.conv_stride):
        t = (t - k) // s + 1
        conv += t * c * c_in * k
        c_in = c
    frames, d = t, cfg.hidden_size
    proj = frames * cfg.conv_dim[-1] * d
    pos = frames * d * (d // cfg.num_conv_pos_embedding_groups) * cfg.num_conv_pos_embeddings
    per_layer = frames * (4 * d * d + 2 * d * cfg.intermediate_size) + 2 * frames * frames * d
    total = conv + proj + pos + cfg.num_hidden_layers * per_layer
    return {"frames": frames, "conv": conv, "feature_projection": proj, "pos_conv": pos,
            "transformer": cfg.num_hidden_layers * per_layer, "total": total}


def normalize_batch(x: np.ndarray) -> np.ndarray:
    m = x.mean(axis=1, keepdims=True)
    v = x.var(axis=1, keepdims=True)
    return ((x - m) / np.sqrt(v + 1e-7)).astype(np.float32)
