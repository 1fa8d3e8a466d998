"""out_of_fold.py: each fold is scored with a normal offset and event settings chosen without its clips, and the
pooled figures are the sums of what each fold got."""
import numpy as np

from cryscope_models import out_of_fold
from cryscope_models.event_selection import replay
from cryscope_models.head_selection import normal_offset, out_of_fold_predictions
from cryscope_models.metrics import subset_clips

WINDOWS = 12  # per clip, on the 0.25 s grid


def _synthetic(seed=0, folds=5):
    """Five folds of 6 cry, 6 scream and 12 normal clips; window probabilities lean to the true class, noisily."""
    rng = np.random.default_rng(seed)
    y = np.array(([0] * 6 + [1] * 6 + [2] * 12) * folds)
    fold = np.repeat(np.arange(folds), 24)
    owner = np.repeat(np.arange(len(y)), WINDOWS)
    alpha = np.ones((len(owner), 3))
    alpha[np.arange(len(owner)), y[owner]] += rng.uniform(0.0, 3.0, len(owner))
    win = np.stack([rng.dirichlet(a) for a in alpha]).astype(np.float32)
    durations = np.full(len(y), WINDOWS * 0.25 + 0.75)
    return win, owner, y, fold, durations, np.zeros(len(y))


def test_subset_keeps_the_chosen_clips_windows_and_renumbers_their_owners():
    win = np.arange(10, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    owner = np.array([0, 0, 1, 1, 1, 2, 3, 3, 4, 4])
    w, o = subset_clips(win, owner, np.array([False, True, False, True, True]))
    assert w[:, 0].tolist() == [2, 3, 4, 6, 7, 8, 9]
    assert o.tolist() == [0, 0, 0, 1, 1, 2, 2]


def test_a_folds_settings_do_not_depend_on_its_own_clips():
    win, owner, y, fold, dur, onset = _synthetic()
    before = out_of_fold.evaluate(win, owner, y, fold, dur, onset, 2.0)
    # scramble fold 0's windows (all of them say "cry" now): fold 0's settings must not move
    moved = win.copy()
    rows = fold[owner] == 0
    moved[rows] = np.array([0.98, 0.01, 0.01], np.float32)
    after = out_of_fold.evaluate(moved, owner, y, fold, dur, onset, 2.0)

    def settings(r):
        return (r["normal_offset"], r["alpha"], r["min_duration_s"], r["cry"]["on"], r["scream"]["on"])
    assert settings(after["per_fold"][0]) == settings(before["per_fold"][0])
    # ... while what fold 0 scores does follow its clips: its 12 normal clips are all called alarms now
    assert after["normal_false_alarms"] >= 12 and after["per_fold"][0]["cry"]["false_onsets"] >= 1
    # the offset fold 0 got is the one chosen on the other folds alone
    w, o = subset_clips(win, owner, fold != 0)
    assert before["per_fold"][0]["normal_offset"] == normal_offset(w, o, y[fold != 0])[0]


def test_pooled_events_are_the_sums_of_the_folds():
    win, owner, y, fold, dur, onset = _synthetic(seed=1)
    r = out_of_fold.evaluate(win, owner, y, fold, dur, onset, 2.0)
    assert [f["fold"] for f in r["per_fold"]] == list(range(5))
    assert sum(f["clips"] for f in r["per_fold"]) == len(y)
    for k, cls in (("cry", 0), ("scream", 1)):
        e = r["events"][k]
        assert e["false_onsets"] == sum(f[k]["false_onsets"] for f in r["per_fold"])
        assert e["heard"] == sum(f[k]["heard"] for f in r["per_fold"])
        assert e["positives"] == int(np.sum(y == cls))
        assert np.isclose(e["hours"], dur[y == 2].sum() / 3600)
        assert e["per_hour"] == e["false_onsets"] / e["hours"] and e["recall"] == e["heard"] / e["positives"]
    assert sum(sum(row) for row in r["confusion"]) == len(y)


def test_replay_counts_what_the_rule_fires():
    # one normal clip that crosses 'on' twice (gaps longer than the 2 s cooldown) and a cry clip heard at once
    normal, cry = [[0.1, 0, 0.9]], [[0.9, 0, 0.1]]
    win = np.array(normal * 4 + cry * 2 + normal * 12 + cry * 2 + normal * 10 + [[0.95, 0, 0.05]] * 4, np.float32)
    owner = np.array([0] * 30 + [1] * 4)
    r = replay(win, owner, np.array([2, 0]), np.array([8.25, 1.75]), 0, on=0.8, off=0.6, alpha=1.0,
               min_duration_s=0.0, cooldown_s=2.0, onset_s=np.zeros(2))
    assert r["false_onsets"] == 2 and r["positives"] == 1 and r["latencies_s"] == [0.96]
    assert np.isclose(r["hours"], 8.25 / 3600)


def test_the_clip_figures_are_the_clip_predictions_of_the_offsets_chosen_elsewhere():
    from cryscope_models.metrics import summarize
    win, owner, y, fold, dur, onset = _synthetic(seed=2)
    pred, offsets = out_of_fold_predictions(win, owner, y, fold)
    r = out_of_fold.evaluate(win, owner, y, fold, dur, onset, 2.0)
    assert offsets == [f["normal_offset"] for f in r["per_fold"]]
    assert r["confusion"] == summarize(y, pred=pred)["confusion"] and r["macro_f1"] == summarize(y, pred=pred)["macro_f1"]
    assert (pred >= 0).all()


def test_nested_selection_chooses_each_folds_candidate_without_its_clips():
    from cryscope_models.head_selection import choose, nested_out_of_fold
    win, owner, y, fold, _, _ = _synthetic(seed=3)
    noisy = win.copy()
    rng = np.random.default_rng(4)
    noisy[:] = rng.dirichlet(np.ones(3), len(win)).astype(np.float32)     # a candidate that knows nothing
    cands = [("anchored", 0, 1.0, "family"), ("anchored", 0, 3.0, "family")]   # l2 3 is the conservative one
    r = nested_out_of_fold([(win, owner), (noisy, owner)], cands, y, fold)
    assert [p["fold"] for p in r["per_fold"]] == list(range(5))
    assert {p["candidate"] for p in r["per_fold"]} == {"anchored hidden=0 l2=1 family-balanced"}
    assert sum(map(sum, r["confusion"])) == len(y)
    # make the noisy candidate perfect on fold 0 alone: fold 0 is still judged by the one the other folds chose
    rows = fold[owner] == 0
    noisy[rows] = np.eye(3, dtype=np.float32)[y[owner[rows]]] * 0.97 + 0.01
    again = nested_out_of_fold([(win, owner), (noisy, owner)], cands, y, fold)
    assert again["per_fold"][0] == r["per_fold"][0]
    # ... while the other folds, whose choice now sees fold 0's perfect clips, may move; and the tie rule is choose()'s
    assert choose(cands, [0.930, 0.927]) == cands[1] and choose(cands, [0.940, 0.930]) == cands[0]
    assert choose([("free", 0, 1e-2, "none"), cands[0]], [0.95, 0.947]) == cands[0]
