"""Raw responses archived gzip-compressed under ``raw_dir/<sha[:2]>/<sha256>.gz``, never overwritten, so any
document can be re-extracted offline."""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path


def raw_path(raw_dir: Path, sha256: str) -> Path:
    return raw_dir / sha256[:2] / f"{sha256}.gz"


def archive_raw(raw_dir: Path, body: bytes) -> str:
    """Store ``body`` (if not already there) and return its sha256."""
    sha = hashlib.sha256(body).hexdigest()
    path = raw_path(raw_dir, sha)
    if path.exists():
        return sha
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(gzip.compress(body, compresslevel=6, mtime=0))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: a reader sees the whole file or none
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return sha


def load_raw(raw_dir: Path, sha256: str) -> bytes:
    return gzip.decompress(raw_path(raw_dir, sha256).read_bytes())


def load_head(raw_dir: Path, sha256: str, size: int = 4096) -> bytes:
    """The first ``size`` bytes of an archived body (enough to tell what it is), without inflating the rest."""
    with gzip.open(raw_path(raw_dir, sha256), "rb") as fh:
        return fh.read(size)
