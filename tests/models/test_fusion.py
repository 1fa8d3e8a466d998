import json

import numpy as np
import pytest

from cryscope_models import fusion


def _probs(rng, n, y, sharp):
    logits = rng.normal(0, 1, (n, 3)); logits[np.arange(n), y] += sharp
    p = np.exp(logits); return p / p.sum(1, keepdims=True)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    y_file = rng.integers(0, 3, 60)
    owner = np.repeat(np.arange(60), 4)
    yw = y_file[owner]
    py, pw = _probs(rng, len(yw), yw, 2.0), _probs(rng, len(yw), yw, 1.0)
    cfg, res = fusion.fit(py, pw, yw, owner, y_file)
    return cfg, res, py, pw


def test_fusion_json_matches_contract(fitted):
    cfg, res, *_ = fitted
    fusion.validate_config(cfg)
    back = json.loads(json.dumps(cfg))
    assert back["labels"] == ["cry", "scream", "normal"]
    assert np.asarray(back["logistic"]["coef"]).shape == (3, 6)
    assert len(back["logistic"]["intercept"]) == 3
    assert back["default"] in fusion.METHODS
    assert set(res) == set(fusion.METHODS)


def test_default_is_best_cross_validated_on_validation(fitted):
    cfg, res, *_ = fitted
    score = {m: r["cv_macro_f1"] for m, r in res.items()}
    assert score[cfg["default"]] == max(score.values())
    assert all(0 <= v <= 1 for v in score.values())


def test_cross_validation_holds_out_whole_groups():
    # Folds by recording group (3 clips each): every method gets an out-of-sample score, and a sharp
    # model averaged with pure noise still scores well held out.
    rng = np.random.default_rng(3)
    y_file = np.array([0, 1, 2] * 20)
    owner = np.repeat(np.arange(60), 2)
    yw = y_file[owner]
    py = _probs(rng, len(yw), yw, 3.0)
    pw = _probs(rng, len(yw), yw, 0.0)  # Wav2Vec2 stand-in: pure noise
    cv = fusion.cross_validated_f1(py, pw, yw, owner, y_file, groups=np.arange(60) // 3)
    # mean of a sharp and a useless model is still good; nothing is NaN, every method is scored
    assert set(cv) == set(fusion.METHODS) and cv["mean"] > 0.8


def test_every_method_outputs_distributions(fitted):
    cfg, _, py, pw = fitted
    for m in fusion.METHODS:
        p = fusion.apply(cfg, m, py, pw)
        assert p.shape == py.shape and np.allclose(p.sum(1), 1) and np.all(p >= 0)
    with pytest.raises(ValueError):
        fusion.apply(cfg, "median", py, pw)


def test_logistic_formula_is_the_documented_one(fitted):
    cfg, _, py, pw = fitted
    x = np.concatenate([np.log(np.maximum(py, 1e-6)), np.log(np.maximum(pw, 1e-6))], 1)
    z = x @ np.array(cfg["logistic"]["coef"]).T + np.array(cfg["logistic"]["intercept"])
    expect = np.exp(z - z.max(1, keepdims=True)); expect /= expect.sum(1, keepdims=True)
    assert np.abs(fusion.apply(cfg, "logistic", py, pw) - expect).max() < 1e-12


def test_weighted_mean_weights_are_used(fitted):
    cfg, _, py, pw = fitted
    c = dict(cfg, weights=[1.0, 0.0])
    assert np.allclose(fusion.apply(c, "weighted_mean", py, pw), py)
    assert np.allclose(fusion.apply(c, "geometric_mean", py, pw), py / py.sum(1, keepdims=True))


@pytest.mark.parametrize("bad", [
    {"labels": ["normal", "cry", "scream"]},
    {"default": "median"},
    {"weights": [0.7, 0.7]},
    {"logistic": {"features": "log_probs", "coef": [[0.0] * 5] * 3, "intercept": [0.0] * 3}},
    {"logistic": {"features": "probs", "coef": [[0.0] * 6] * 3, "intercept": [0.0] * 3}},
])
def test_validate_rejects_malformed(fitted, bad):
    cfg = dict(fitted[0]); cfg.update(bad)
    with pytest.raises(ValueError):
        fusion.validate_config(cfg)
