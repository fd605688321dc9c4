"""Keeps Numba's on-disk cache of the engine consistent and fills it once, under a lock.

Numba keys each cached function on its own file's timestamp only, so a driver
compiled together with an older interpreter would keep running it after the
interpreter changed; and processes compiling the same functions at the same
time can leave index and code files that do not match.  So on import: compare
a digest of all engine sources with the one stored beside the cache; if it
differs, take a file lock, drop the old entries, compile the engine's entry
points once with the argument types hybridrt uses, and store the digest.
Other processes wait on the lock and then load the finished cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
_STAMP = "hybridrt-engine.sha256"


def _cache_dir() -> Path:
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:  # numba mirrors the source folder's absolute path below this root
        return Path(root) / str(_HERE).lstrip(os.sep)
    return _HERE / "__pycache__"


def _digest() -> str:
    """The engine's sources and their time stamps (Numba keys each cached function on its file's stamp:
    a file touched alone would be recompiled alone, against cached callees, which crashes on a later
    load, numba issues #8578 and #10128)."""
    h = hashlib.sha256()
    for p in sorted(_HERE.glob("*.py")):
        h.update(p.read_bytes())
        h.update(str(p.stat().st_mtime_ns).encode())
    return h.hexdigest()


def _warm_up() -> None:
    """Compile every engine entry point once, with the argument types hybridrt passes."""
    from . import opcodes as op
    from .exact import exact_distribution
    from .sweep import chunk_seeds, run_units

    code = np.zeros((4, op.WIDTH), dtype=np.int64)
    code[0, :3] = (op.GATE, op.G_H, 0)
    code[1, :3] = (op.MEASURE, 1, 0)
    code[2, :4] = (op.OUT_I, 0, 1, 1)
    code[3, 0] = op.HALT
    ints, floats = np.zeros(2, np.int64), np.zeros(1, np.float64)
    tail = np.array([False, True, True, True])
    for strategy in (op.BRANCHING, op.TRAJECTORIES):
        run_units(code, ints[None, :], floats[None, :], 1, np.ones(1, np.int64), np.ones(1, np.uint64), 100, 1, 0,
                  tail, strategy, 2, 1)
    chunk_seeds(np.ones(1, np.uint64), 2, np.uint64(1))
    exact_distribution(code, ints, floats, 1, 100, 1, 0, 0.0, 8, 8, np.array([-1, 0, -1, -1], np.int64),
                       np.ones((1, 2), np.bool_), np.ones((1, 1), np.bool_))


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def prepare_cache() -> None:
    """Make the on-disk cache match the engine's sources, compiling it once if it does not."""
    folder = _cache_dir()
    digest = _digest()
    stamp = folder / _STAMP
    if _read(stamp) == digest:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / "hybridrt-engine.lock", "w")
    except OSError:
        return  # a read-only install: numba falls back to its own user cache
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _read(stamp) == digest:
                return  # another process filled it while we waited
            modules = {p.stem for p in _HERE.glob("*.py")}
            for f in folder.glob("*.nb[ic]"):
                if f.name.split(".", 1)[0] in modules:
                    f.unlink()
            print("hybridrt: compiling the engine for this machine (once, about a minute)...",
                  file=sys.stderr, flush=True)
            _warm_up()
            stamp.write_text(digest)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
