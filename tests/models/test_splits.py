import csv
from collections import Counter

from cryscope_models.paths import SPLIT_CSV
from cryscope_models.splits import check_grouping, make_split, read_split


def test_split_covers_manifest_exactly(clips):
    split = read_split()
    assert set(split) == {c.file for c in clips}
    assert set(split.values()) == {"train", "val", "test"}


def test_no_group_straddles_splits(clips):
    split = read_split()
    assert check_grouping(clips, split) == []
    # and the check itself catches a straddling group
    c0 = next(c for c in clips if sum(1 for d in clips if d.group == c.group) > 1)
    other = next(d for d in clips if d.group == c0.group and d.file != c0.file)
    broken = dict(split)
    broken[other.file] = "test" if split[c0.file] != "test" else "train"
    assert c0.group in check_grouping(clips, broken)


def test_committed_split_is_reproducible(clips):
    assert make_split(clips) == read_split()


def test_split_is_stratified_70_15_15(clips):
    split = read_split()
    for label in ("cry", "scream", "normal"):
        cnt = Counter(split[c.file] for c in clips if c.label == label)
        total = sum(cnt.values())
        assert abs(cnt["train"] / total - 0.70) < 0.04, (label, cnt)
        assert abs(cnt["val"] / total - 0.15) < 0.04, (label, cnt)
        assert abs(cnt["test"] / total - 0.15) < 0.04, (label, cnt)


def test_split_csv_columns():
    with open(SPLIT_CSV) as f:
        header = next(csv.reader(f))
    assert header == ["file", "label", "group", "split"]


def test_waveform_xcorr_tells_duplicates_from_lookalikes():
    import numpy as np
    from cryscope_models.pipeline import max_xcorr
    rng = np.random.default_rng(0)
    a = rng.standard_normal(16000).astype(np.float32)
    shifted = np.concatenate([np.zeros(777, np.float32), 0.5 * a])   # same audio, delayed and quieter
    other = rng.standard_normal(16000).astype(np.float32)            # same kind of sound, other audio
    assert max_xcorr(a, shifted) > 0.99
    assert max_xcorr(a, other) < 0.1
