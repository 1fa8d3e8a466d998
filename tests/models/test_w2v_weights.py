"""The committed Wav2Vec2 weights are checked before use: a corrupt file or weights trained on other
data stop the build with a message that says what to do."""
import json
import shutil

import pytest

from cryscope_models import w2v_weights as ww


def _copy(tmp_path):
    for f in (ww.NPZ, ww.META):
        shutil.copy(ww.WEIGHTS_DIR / f, tmp_path / f)
    return tmp_path


def test_committed_weights_load_and_fit_the_compact_model():
    import torch
    from cryscope_models.wav2vec2_model import build_model, make_config
    state, meta = ww.load_committed()
    model = build_model(None, make_config())
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})  # strict: every key, every shape
    assert meta["seed"] == 0 and meta["command"].startswith("bash scripts/models-setup.sh")


def test_corrupt_weights_are_refused(tmp_path):
    d = _copy(tmp_path)
    raw = bytearray((d / ww.NPZ).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (d / ww.NPZ).write_bytes(bytes(raw))
    with pytest.raises(ww.StaleWeights, match="sha256"):
        ww.load_committed(d)


def test_weights_trained_on_another_split_are_refused(tmp_path):
    d = _copy(tmp_path)
    meta = json.loads((d / ww.META).read_text())
    meta["data"]["split_csv"] = "0" * 64
    (d / ww.META).write_text(json.dumps(meta))
    with pytest.raises(ww.StaleWeights, match="split_csv changed.*CRYSCOPE_W2V_RETRAIN"):
        ww.load_committed(d)


def test_missing_weights_are_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        ww.load_committed(tmp_path)


def test_retrain_is_requested_by_env_or_by_a_non_default_variant(monkeypatch):
    monkeypatch.delenv("CRYSCOPE_W2V_RETRAIN", raising=False)
    assert not ww.retrain_requested({})
    assert ww.retrain_requested({"CRYSCOPE_W2V_VARIANTS": "scratch,distill"})
    assert ww.retrain_requested({"CRYSCOPE_QUICK": "1"})
    monkeypatch.setenv("CRYSCOPE_W2V_RETRAIN", "1")
    assert ww.retrain_requested({})
