"""Family folds and the anchored head's training: held-out families are really held out, and the
anchored head starts at (and with a huge l2 stays at) zero-shot."""
import math
from collections import defaultdict

import numpy as np
import pytest

from cryscope_models import yamnet_head as yh
from cryscope_models.audio import Clip
from cryscope_models.crosssource import family_folds, per_family, worst_normal_categories
from cryscope_models.head_selection import OFFSETS, HeadData, cross_source, normal_offset, shifted
from cryscope_models.metrics import clip_probs, summarize


def test_every_family_in_exactly_one_fold_and_positive_families_spread(clips):
    folds = family_folds(clips)
    assert set(folds) == {c.family for c in clips}
    assert set(folds.values()) == set(range(5))
    pos = defaultdict(set)
    for c in clips:
        if c.label != "normal":
            pos[folds[c.family]].add(c.family)
    # the five largest positive families sit in five different folds
    assert len(pos) == 5
    assert family_folds(clips) == folds  # deterministic


def test_manifest_has_families(clips):
    assert len({c.family for c in clips}) >= 50
    assert all(c.family for c in clips)


def _toy(n_fam=6, per=20, seed=0):
    """Synthetic features: class k has a bump in embedding dim k; families differ by an offset."""
    rng = np.random.default_rng(seed)
    clips, emb, scores = [], [], []
    for f in range(n_fam):
        for i in range(per):
            label = ("cry", "scream", "normal")[i % 3]
            clips.append(Clip(f"f{f}/{i}.flac", label, "x", f"f{f}/{i}", f"src{f}", 1.0, f"fam{f}"))
            e = rng.normal(0, 0.1, 1024).astype(np.float32)
            e[i % 3] += 2.0
            e[10 + f] += 1.0  # a per-family quirk
            emb.append(e)
            scores.append(np.full(521, 0.01, np.float32))
    return clips, np.stack(emb), np.stack(scores)


def test_cross_source_never_trains_on_a_held_out_family(monkeypatch):
    clips, emb, scores = _toy()
    seen = []
    orig = HeadData.train

    def spy(self, kind, hidden, strength, balance, mask, epochs_scale=1.0):
        seen.append(set(self.crop_clip[mask].tolist()))
        return orig(self, kind, hidden, strength, balance, mask, epochs_scale)
    monkeypatch.setattr(HeadData, "train", spy)
    ids = np.arange(len(clips))
    data = HeadData(emb, scores, np.array([c.y for c in clips]), ids, emb, scores, ids,
                    crop_family=[c.family for c in clips])
    y = np.array([c.y for c in clips])
    p, owner = cross_source(data, clips, y, ids, ("anchored", 0, 1.0, "family"), epochs_scale=0.2)
    assert p.shape == (len(clips), 3) and np.array_equal(owner, ids)  # every window predicted once, held out
    folds = family_folds(clips)
    for trained in seen:
        fams = {clips[i].family for i in trained}
        held = set(folds) - fams
        assert held, "every fold holds some family out"
        assert len({folds[f] for f in held}) == 1


def test_anchored_head_with_infinite_l2_is_zero_shot():
    rng = np.random.default_rng(0)
    emb = rng.normal(0, 1, (50, 1024)).astype(np.float32)
    scores = rng.uniform(0, 1, (50, 521)).astype(np.float32)
    x, prior = yh.anchored_features(emb, scores)
    m, mu, sd = yh.train_anchored(x, prior, rng.integers(0, 3, 50), 0, math.inf)
    p = yh.predict_anchored(m, mu, sd, x, prior)
    assert np.array_equal(p.argmax(1), _zero_shot_rule(scores))
    # where no explaining class is heard, that is the MediaPipe-style rule (an alarm class's score passes 0.1)
    quiet = scores.copy(); quiet[:, list(yh.ZS_NORMAL_EVIDENCE)] = 1e-4
    x, prior = yh.anchored_features(emb, quiet)
    assert np.array_equal(yh.predict_anchored(m, mu, sd, x, prior).argmax(1), yh.zero_shot_predict(quiet))


def _zero_shot_rule(scores):
    """The zero-shot prior's decision, spelled out: an alarm class wins when its logit beats both logit(0.1) and
    (softly) the strongest class that explains the sound away."""
    lg = np.log(scores.astype(np.float64)) - np.log1p(-scores.astype(np.float64))
    normal = np.logaddexp(np.log(0.1 / 0.9), lg[:, list(yh.ZS_NORMAL_EVIDENCE)].max(1))
    return np.stack([lg[:, list(yh.ZS_CRY)].max(1), lg[:, list(yh.ZS_SCREAM)].max(1), normal], 1).argmax(1)


def test_audioset_classes_that_explain_a_sound_away_lean_the_prior_to_normal():
    names = {13: "Laughter", 14: "Baby laughter", 33: "Groan", 42: "Cough", 69: "Dog", 76: "Cat", 390: "Siren"}
    assert set(names) <= set(yh.ZS_NORMAL_EVIDENCE)
    assert not set(yh.ZS_NORMAL_EVIDENCE) & (set(yh.ZS_CRY) | set(yh.ZS_SCREAM))
    base = np.full((1, 521), 1e-3, np.float32); base[0, 20] = 0.6          # "Baby cry" at 0.6
    prior = lambda sc: yh.zero_shot_prior(yh.logits_from_scores(sc))[0]
    assert prior(base).argmax() == 0                                          # nothing else heard: cry
    speech = base.copy(); speech[0, 0] = 0.95                                 # speech is no excuse
    assert prior(speech).argmax() == 0
    for k in names:
        heard = base.copy(); heard[0, k] = 0.95                               # a clear laugh / moan / dog / siren: normal
        assert prior(heard).argmax() == 2, names[k]
    scream = np.full((1, 521), 1e-3, np.float32); scream[0, 11] = 0.7; scream[0, 69] = 0.3
    assert prior(scream).argmax() == 1                                        # a faint dog under a loud scream


def test_the_prior_is_one_rule_for_numpy_and_torch():
    """The experiment tools train through the prior in torch; they call the same function the build uses in numpy."""
    import torch
    rng = np.random.default_rng(0)
    lg = rng.normal(0.0, 4.0, (64, 521)).astype(np.float32)
    lg[:8, 69] = 9.0                                                          # some windows hear a dog clearly
    want = yh.zero_shot_prior(lg)
    assert want.dtype == np.float32 and want.shape == (64, 3)
    assert (want[:8, 2] > 8.9).all()                                          # the dog carries normal there
    np.testing.assert_allclose(want[:, 0], lg[:, list(yh.ZS_CRY)].max(1))
    t = torch.tensor(lg, requires_grad=True)
    got = yh.zero_shot_prior(t)
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-6, atol=1e-6)
    got[:, 1].sum().backward()                                                # the scream logit reads one class only
    assert set(np.flatnonzero(t.grad.abs().sum(0).numpy())) == set(yh.ZS_SCREAM)


def test_reports_name_the_false_alarms():
    clips = [Clip(f"{i}.flac", "normal", cat, str(i), "s", 1.0, fam)
             for i, (cat, fam) in enumerate([("dog", "a"), ("dog", "a"), ("rain", "b")])]
    y = np.array([2, 2, 2]); pred = np.array([0, 2, 1])
    worst = worst_normal_categories(clips, y, pred)
    assert worst[0]["category"] == "rain" and worst[0]["as_scream"] == 1
    assert worst[1] == {"category": "dog", "n": 2, "as_cry": 1, "as_scream": 0, "false_alarm_rate": 0.5}
    fam = per_family(clips, y, pred)
    assert fam["a"]["normal_false_alarms"] == 1 and fam["b"]["accuracy"] == 0.0


def test_families_that_share_a_recording_share_a_fold(clips):
    from cryscope_models.splits import read_links
    folds = family_folds(clips)
    fam = {c.group: c.family for c in clips}
    links = [(a, b) for a, b in read_links() if a in fam and b in fam and fam[a] != fam[b]]
    assert links, "linked_groups.csv links recordings across corpora"
    for a, b in links:
        assert folds[fam[a]] == folds[fam[b]], (a, b)


def test_event_level_is_within_budget_unless_that_would_go_deaf():
    from cryscope_models import event_selection as es

    def streams(normal_peaks, cry_peaks, normal_s):
        probs, owner = [], []
        for f, peak in enumerate(normal_peaks):      # each normal file holds one two-window blip
            seq = np.full(20, 0.05); seq[10:12] = peak
            probs.append(seq); owner += [f] * len(seq)
        for f, peak in enumerate(cry_peaks, start=len(normal_peaks)):
            seq = np.full(6, 0.1); seq[2:5] = peak
            probs.append(seq); owner += [f] * len(seq)
        p = np.zeros((len(owner), 3)); p[:, 0] = np.concatenate(probs); p[:, 2] = 1 - p[:, 0]
        y = np.array([2] * len(normal_peaks) + [0] * len(cry_peaks))
        dur = np.array([normal_s] * len(normal_peaks) + [3.0] * len(cry_peaks))
        return p, np.array(owner), y, dur

    # 1 h of normal audio, blips at 0.62/0.72/0.83/0.93: the 2.5/h budget allows at most 2 onsets -> on >= 0.75
    p, owner, y, dur = streams([0.62, 0.72, 0.83, 0.93], [0.97, 0.96, 0.94, 0.91], 900.0)
    c = {r["on"]: r for r in es.curve(p, owner, y, dur, 0, alpha=1.0, min_duration_s=0.0)}
    assert c[0.6]["false_onsets"] == 4 and c[0.75]["false_onsets"] == 2 and c[0.95]["recall"] == 0.5
    got = es.choose(p, owner, y, dur, alpha=1.0, min_duration_s=0.0)["cry"]
    assert got["on"] == 0.75 and got["within_budget"] and got["recall"] == 1.0
    # the same normal audio, but cries that peak lower: 0.75 would miss half of them (< the 0.85 floor),
    # so the quietest level that still hears >= 85 % is shipped, over budget, and says so
    p, owner, y, dur = streams([0.62, 0.72, 0.83, 0.93], [0.97, 0.9, 0.71, 0.7], 900.0)
    got = es.choose(p, owner, y, dur, alpha=1.0, min_duration_s=0.0)["cry"]
    assert got["on"] == 0.7 and not got["within_budget"] and got["recall"] == 1.0 and "recall" in got["rule"]



def test_minimum_episode_is_chosen_with_the_smoothing_on_held_out_events():
    from cryscope_models import event_selection as es

    def streams(normal_tail):
        # one normal clip (1 h) that ends in `normal_tail`, then 8 cry clips that are loud from their first window;
        # every cry is replayed after the last 4 s of that normal clip (the only one there is)
        normal = np.concatenate([np.full(40, 0.05), normal_tail])
        probs = [normal] + [np.full(8, 0.97)] * 8
        owner = np.concatenate([np.full(len(q), f) for f, q in enumerate(probs)])
        p = np.zeros((len(owner), 3)); p[:, 0] = np.concatenate(probs); p[:, 2] = 1 - p[:, 0]
        y = np.array([2] + [0] * 8); dur = np.array([3600.0] + [2.0] * 8)
        return p, owner, y, dur

    # a quiet room: every pair hears every cry, so the shortest minimum episode wins on latency
    r = es.choose_event_settings(*streams(np.full(2, 0.05)))
    assert r["min_duration_s"] == 0.0 and r["cry"]["recall"] == 1.0 and r["cooldown_s"] == 2.0
    assert {(a["alpha"], a["min_duration_s"]) for a in r["alternatives"]} == {
        (a, md) for a in es.ALPHAS for md in es.MIN_DURATIONS_S}
    assert r["cry"]["budget_share_per_hour"] == es.FALSE_ONSETS_PER_HOUR / 2
    # the room ends in a one-window blip as loud as a cry: unsmoothed, with no minimum episode, it fires just before
    # every cry and the episode is already open when the cry begins (a miss, at every level); smoothing only hears
    # the cries later; a 0.25 s minimum lets the blip pass and fires on the cry's first window: that is shipped
    r = es.choose_event_settings(*streams(np.array([0.05, 0.97])))
    assert (r["min_duration_s"], r["alpha"]) == (0.25, 1.0) and r["cry"]["recall"] == 1.0
    deaf = next(a for a in r["alternatives"] if (a["min_duration_s"], a["alpha"]) == (0.0, 1.0))
    assert deaf["cry"]["recall"] == 0.0
    smoothed = [a for a in r["alternatives"] if a["min_duration_s"] == 0.0 and a["alpha"] < 1.0]
    assert all(a["cry"]["latency_median_s"] > r["cry"]["latency_median_s"] for a in smoothed)


def test_most_sensitive_level_within_a_rate():
    from cryscope_models import event_selection as es
    curve = [{"on": 0.5, "per_hour": 9.0}, {"on": 0.6, "per_hour": 2.0}, {"on": 0.7, "per_hour": 2.5},
             {"on": 0.8, "per_hour": 0.0}]
    assert es.most_sensitive_within(curve, 2.5)["on"] == 0.6
    assert es.most_sensitive_within(curve, 1.0)["on"] == 0.8
    assert es.most_sensitive_within(curve[:1], 2.5) is None
    # no normal audio to count on (rate None) is never "within"
    assert es.most_sensitive_within([{"on": 0.3, "per_hour": None}, *curve], 2.5)["on"] == 0.6


def test_false_onset_rates_carry_their_poisson_interval():
    from cryscope_models import event_selection as es
    lo, hi = es.rate_interval_per_hour(0, 1.0)
    assert lo == 0.0 and abs(hi - 3.689) < 1e-3            # none seen in 1 h: still up to 3.7/h
    lo, hi = es.rate_interval_per_hour(4, 2.0)
    assert abs(lo - 1.0899 / 2) < 1e-3 and abs(hi - 10.2416 / 2) < 1e-3
    p = np.zeros((40, 3)); p[:, 2] = 1.0; p[[5, 15, 25], 0] = 0.9; p[[5, 15, 25], 2] = 0.1
    owner = np.zeros(40, int); y = np.array([2]); dur = np.array([1800.0])
    r = {r["on"]: r for r in es.curve(p, owner, y, dur, 0, 1.0, 0.0)}[0.5]
    assert r["false_onsets"] == 3 and r["per_hour"] == 6.0
    assert r["per_hour_ci95"][0] < 6.0 < r["per_hour_ci95"][1]


def test_latency_is_timed_from_the_acoustic_onset():
    from cryscope_models import event_selection as es
    sr = 16000
    quiet = np.full(sr, 1e-3, np.float32)                 # 1 s of faint lead-in
    loud = np.sin(np.arange(2 * sr) / 5.0).astype(np.float32) * 0.5
    assert es.acoustic_onset_s(np.concatenate([quiet, loud])) == 1.0
    assert es.acoustic_onset_s(loud) == 0.0 and es.acoustic_onset_s(np.zeros(100, np.float32)) == 0.0
    # one normal clip, one cry clip whose 3rd window (index 2) fires: 2 * HOP_S + 0.96 s after the clip starts
    p = np.zeros((26, 3)); p[:, 2] = 1.0
    p[20 + 2:, 0] = 0.9; p[20 + 2:, 2] = 0.1
    owner = np.array([0] * 20 + [1] * 6); y = np.array([2, 0]); dur = np.array([10.0, 3.0])
    at = lambda onset: {r["on"]: r for r in es.curve(p, owner, y, dur, 0, 1.0, 0.0, onset_s=onset)}[0.5]["latency_median_s"]
    assert at(None) == pytest.approx(2 * es.HOP_S + 0.96) and at(np.array([0.0, 1.0])) == pytest.approx(2 * es.HOP_S - 0.04)
    assert at(np.array([0.0, 2.5])) == 0.0               # decided during the lead-in: it heard the cry coming


def test_family_balance_gives_every_family_the_same_weight():
    w = yh.family_balance(np.array(["big"] * 9 + ["small"]))
    assert np.isclose(w[:9].sum(), w[9:].sum()) and np.isclose(w.mean(), 1.0)


def test_sample_weights_change_what_the_head_learns():
    # inputs carry no cue and the prior starts all classes level; family "big" holds 100 cries, family "small"
    # 10 cries + 10 screams. Balancing the families gives the small family's screams more weight, so the
    # balanced head must lean further toward scream than the unbalanced one.
    rng = np.random.default_rng(1)
    emb = rng.normal(0, 1, (120, 16)).astype(np.float32)
    scores = np.full((120, 521), 0.1, np.float32)  # logit(0.1) = the normal prior: a level start
    x, prior = yh.anchored_features(emb, scores)
    y = np.array([0] * 110 + [1] * 10)
    fam = np.array(["big"] * 100 + ["small"] * 20)
    plain = yh.train_anchored(x, prior, y, 0, 1.0, epochs=1500, lr=1e-2)
    bal = yh.train_anchored(x, prior, y, 0, 1.0, epochs=1500, lr=1e-2, sample_weight=yh.family_balance(fam))
    xp, pp = yh.anchored_features(rng.normal(0, 1, (1, 16)).astype(np.float32), scores[:1])
    p_plain = yh.predict_anchored(*plain, xp, pp)[0]
    p_bal = yh.predict_anchored(*bal, xp, pp)[0]
    assert p_bal[1] / p_bal[0] > 2 * (p_plain[1] / p_plain[0])


def test_the_normal_offset_is_the_largest_within_the_margin_of_the_best():
    # 300 clips of 4 windows; alarms lean alarm, normals lean normal, with noise so the F1 curve has a flat top
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2, 2], 75)
    owner = np.repeat(np.arange(len(y)), 4)
    z = rng.normal(0, 2.0, (len(owner), 3)); z[np.arange(len(owner)), y[owner]] += 1.5
    wp = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    f1 = {float(d): summarize(y, clip_probs(shifted(wp, d), owner, len(y)))["macro_f1"] for d in OFFSETS}
    top = max(f1.values())
    d, got = normal_offset(wp, owner, y, margin=0.02)
    assert d == max(k for k, v in f1.items() if v >= top - 0.02) and got == pytest.approx(f1[d])
    assert d > min(k for k, v in f1.items() if v == top)             # the margin moved it: this curve has a flat top
    d0, got0 = normal_offset(wp, owner, y, margin=0.0)
    assert got0 == pytest.approx(top) and d0 == max(k for k, v in f1.items() if v == top)
    assert normal_offset(wp, owner, y, margin=1.0)[0] == float(OFFSETS[-1])
