"""Content hashes for the build key and a small stage cache (npz files) for expensive steps."""
import hashlib
import json
from pathlib import Path

import numpy as np


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_inputs(files: list[Path], extra: dict | None = None) -> str:
    h = hashlib.sha256()
    for p in sorted(files, key=str):
        h.update(p.name.encode()); h.update(sha256_file(p).encode())
    if extra:
        h.update(json.dumps(extra, sort_keys=True).encode())
    return h.hexdigest()[:16]


class StageCache:
    """stage(name, key) -> dict of arrays, recomputed only when its key changes. `reused` names the stages
    that came from the cache in this build: the report must not call a build with reused stages "cold"."""
    def __init__(self, root: Path):
        self.root = root
        self.reused: list[str] = []
        root.mkdir(parents=True, exist_ok=True)

    def get(self, name: str, key: str, fn) -> dict:
        path = self.root / f"{name}-{key}.npz"
        if path.exists():
            self.reused.append(name)
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        out = fn()
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **out)
        tmp.rename(path)
        return out
