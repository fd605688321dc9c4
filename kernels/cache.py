"""Keeps Numba's on-disk cache consistent with the engine's sources.

Numba keys each cached function on its own file's timestamp only, so a driver
compiled together with an older interpreter would keep running it after the
interpreter changed.  Before the engine is imported, compare a digest of all
engine sources with the one stored beside the cache and drop stale entries.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_STAMP = "hybridrt-engine.sha256"


def _cache_dirs() -> list[Path]:
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:  # numba mirrors the source folder's path below this root
        return [p for p in Path(root).rglob("*") if p.is_dir() and p.name == _HERE.name] + [Path(root)]
    return [_HERE / "__pycache__"]


def drop_stale_cache() -> None:
    """Delete cached engine code compiled from other versions of the engine's sources."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(_HERE.glob("*.py")))).hexdigest()
    modules = {p.stem for p in _HERE.glob("*.py")}
    for folder in _cache_dirs():
        stamp = folder / _STAMP
        try:
            if stamp.read_text() == digest:
                continue
        except OSError:
            pass
        try:
            for f in folder.glob("*.nb[ic]"):
                if f.name.split(".", 1)[0] in modules:
                    f.unlink()
            folder.mkdir(parents=True, exist_ok=True)
            stamp.write_text(digest)
        except OSError:
            pass  # a read-only install: numba falls back to its user cache
