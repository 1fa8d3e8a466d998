"""Stratified, group-aware 70/15/15 split with a fixed seed.

Whole recordings (`group`) go to one split. Groups are dealt per (label, category) stratum, largest
first, each to the split furthest below its target share of that stratum's clips, so every class
and every normal category is represented in all three splits where it has enough groups.
Groups listed together in models/splits/linked_groups.csv (the same audio under two recording names,
found by the build's waveform-confirmed duplicate check) are dealt as one unit.
Run `python -m cryscope_models.splits` to (re)write models/splits/split.csv.
"""
import csv
import random
from collections import defaultdict
from pathlib import Path

from .audio import Clip, read_manifest
from .paths import MODELS_DIR, SPLIT_CSV

LINKED_CSV = MODELS_DIR / "splits" / "linked_groups.csv"

SPLITS = ("train", "val", "test")
FRACTIONS = (0.70, 0.15, 0.15)
SEED = 20261128


def read_links(path: Path = LINKED_CSV) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return [(r["group_a"], r["group_b"]) for r in csv.DictReader(f)]


def make_split(clips: list[Clip], seed: int = SEED, links: list[tuple[str, str]] | None = None) -> dict[str, str]:
    """Returns {file: split}. `links`: pairs of groups that must share a split (default: linked_groups.csv)."""
    rng = random.Random(seed)
    links = read_links() if links is None else links
    root = {}

    def find(g):
        while root.get(g, g) != g:
            g = root[g]
        return g
    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[Clip]] = defaultdict(list)
    for c in clips:
        groups[find(c.group)].append(c)
    for g, members in groups.items():
        if len({m.label for m in members}) != 1:
            raise ValueError(f"group {g} mixes labels")
    strata: dict[tuple, list[str]] = defaultdict(list)
    for g, members in groups.items():
        strata[(members[0].label, members[0].category)].append(g)
    assign: dict[str, str] = {}
    for key in sorted(strata):
        gs = sorted(strata[key])
        rng.shuffle(gs)
        gs.sort(key=lambda g: -len(groups[g]))  # big groups first: stable greedy packing
        total = sum(len(groups[g]) for g in gs)
        have = [0, 0, 0]
        for g in gs:
            # deficit relative to target; ties broken towards train
            deficits = [FRACTIONS[i] * total - have[i] for i in range(3)]
            i = max(range(3), key=lambda k: (deficits[k] / FRACTIONS[k], -k))
            have[i] += len(groups[g])
            assign[g] = SPLITS[i]
    return {c.file: assign[find(c.group)] for c in clips}


def write_split(clips: list[Clip], split: dict[str, str], path: Path = SPLIT_CSV) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "label", "group", "split"])
        for c in sorted(clips, key=lambda c: c.file):
            w.writerow([c.file, c.label, c.group, split[c.file]])


def read_split(path: Path = SPLIT_CSV) -> dict[str, str]:
    with open(path, newline="") as f:
        return {r["file"]: r["split"] for r in csv.DictReader(f)}


def check_grouping(clips: list[Clip], split: dict[str, str]) -> list[str]:
    """Groups that appear in more than one split (must be empty)."""
    seen: dict[str, set] = defaultdict(set)
    for c in clips:
        seen[c.group].add(split[c.file])
    return sorted(g for g, s in seen.items() if len(s) > 1)


def main() -> None:
    clips = read_manifest()
    split = make_split(clips)
    bad = check_grouping(clips, split)
    if bad:
        raise SystemExit(f"groups across splits: {bad[:5]}")
    write_split(clips, split)
    counts = defaultdict(int)
    for c in clips:
        counts[(c.label, split[c.file])] += 1
    for lab in ("cry", "scream", "normal"):
        print(lab, {s: counts[(lab, s)] for s in SPLITS})


if __name__ == "__main__":
    main()
