"""Article-text F1 (4-gram shingle overlap) of the collector's extraction on (html, ground truth) pairs.

    python bench/eval_extraction.py DIR                 # DIR holds NAME.html[.gz] + NAME.txt pairs
    python bench/eval_extraction.py DIR --all           # also each single extractor, to compare
    python bench/eval_extraction.py DIR --pages         # also each page's shares of the vote's shingles
    python bench/eval_extraction.py --synthetic OUT     # render a development set from ../shared into OUT

DIR may instead hold a ``ground-truth.json`` ({name: {"articleBody": ...}}) beside ``html/NAME.html.gz``
(the layout of scrapinghub's article-extraction-benchmark). Precision and recall are averaged over pages
(each page's shingle counts normalised), and F1 is computed from the two means, as that benchmark does.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.collect import article  # noqa: E402
from pipeline.collect.detect import decode  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingle_counts(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = shingle_counts(true), shingle_counts(pred)
    tp = sum((t & p).values())
    fp, fn = sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    def prec(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def rec(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    p = statistics.mean([prec(*r) for r in rows if r[0] + r[1] > 0] or [0.0])
    r = statistics.mean([rec(*x) for x in rows if x[0] + x[2] > 0] or [0.0])
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def load_pairs(folder: Path) -> list[tuple[str, bytes, str]]:
    truth_file = folder / "ground-truth.json"
    if truth_file.exists():
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        return [(k, gzip.decompress((folder / "html" / f"{k}.html.gz").read_bytes()), v.get("articleBody", ""))
                for k, v in sorted(truth.items())]  # fmt: skip
    pairs = []
    for txt in sorted(folder.glob("*.txt")):
        page = txt.with_suffix(".html")
        raw = page.read_bytes() if page.exists() else gzip.decompress(txt.with_suffix(".html.gz").read_bytes())
        pairs.append((txt.stem, raw, txt.read_text(encoding="utf-8")))
    return pairs


def synthetic(out: Path, shared: Path, n: int = 60, seed: int = 7) -> None:
    """Pages rendered from ../shared texts in varied, hostile templates; the text itself is the truth."""
    rng = random.Random(seed)
    files = sorted(shared.glob("corpus/whitehouse_briefing_room/**/*.md")) + sorted(
        shared.glob("corpus/news_aggregator_08820048/content/**/*.md")
    )
    rng.shuffle(files)
    out.mkdir(parents=True, exist_ok=True)
    titles = [f.stem.split("-", 3)[-1].replace("-", " ").capitalize() for f in files]
    for i, path in enumerate(files[:n]):
        body = re.sub(r"^---.*?\n---", "", path.read_text(encoding="utf-8"), flags=re.S)
        paras = [re.sub(r"[#*>\[\]]|\(http[^)]*\)", "", " ".join(p.split())) for p in re.split(r"\n\s*\n", body)]
        paras = [p for p in paras if len(p) > 1][:40]
        (out / f"{i:03d}.txt").write_text("\n".join(paras), encoding="utf-8")
        page = _page(titles[i], paras, rng.sample(titles, 6), i % 3, rng)
        (out / f"{i:03d}.html").write_text(page, encoding="utf-8")


def _page(title: str, paras: list[str], others: list[str], style: int, rng: random.Random) -> str:
    esc = [html.escape(p) for p in paras]
    teaser = "".join(
        f'<li><a href="/n/{k}"><h3>{html.escape(t)}</h3><p>{html.escape(t)} and what it means for '
        "the industry, explained by our reporters.</p></a></li>"
        for k, t in enumerate(others)
    )
    comments = "".join(
        f'<div class="comment"><span class="user">reader{k}</span><p>{html.escape(rng.choice(paras))[:120]}'
        " I completely disagree with this take.</p></div>"
        for k in range(4)
    )
    if style == 0:
        main = "".join(f"<p>{p}</p>" for p in esc)
    elif style == 1:
        main = '<div class="txt">' + "<br><br>".join(esc) + "</div>"
    else:
        main = "".join(f'<div class="para"><span>{p}</span></div>' for p in esc)
        main = main.replace("</div><div", '</div><div class="ad">Advertisement</div><div', 2)
    return f"""<!DOCTYPE html><html lang="en"><head><title>{html.escape(title)} - Daily Wire Service</title>
<meta name="author" content="Staff"></head><body><div id="cookie">We use cookies. <a href="/privacy">Accept</a></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/tech">Tech</a></li></ul></nav>
<div class="wrap"><div class="content"><h1>{html.escape(title)}</h1>
<div class="byline">By Staff Reporter | Jan 6, 2025</div>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Tweet</a> <a href="#">Email</a></div>
<div class="body">{main}</div><div class="newsletter"><p>Sign up for our daily briefing and never miss a story.</p>
</div><section class="comments"><h2>Comments (4)</h2>{comments}</section></div>
<aside><h2>Most read</h2><ul>{teaser}</ul></aside></div><footer><p>© 2025 Daily Wire Service. All rights reserved.
</p><a href="/terms">Terms</a></footer></body></html>"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, nargs="?")
    ap.add_argument("--all", action="store_true", help="score each single extractor too")
    ap.add_argument("--pages", action="store_true", help="print the vote's true / extra / missed shares per page")
    ap.add_argument("--synthetic", type=Path, help="write a development set from ../shared here and exit")
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = ap.parse_args()
    if args.synthetic:
        synthetic(args.synthetic, args.shared)
        print(f"wrote a development set to {args.synthetic}")
        return
    pairs = load_pairs(args.folder)
    rows: dict[str, list[tuple[float, float, float]]] = {}
    start = time.perf_counter()
    for page, raw, truth in pairs:
        tree = trafilatura.load_html(decode(raw, None))
        cands = article.candidates(tree) if tree is not None else {}
        page_words = {"titles": article.page_titles(tree), "deks": article.page_deks(tree)} if cands else {}
        results = {"vote": article.vote(cands, **page_words) if cands else ""}
        if args.all:
            results.update(cands)
        for name, text in results.items():
            rows.setdefault(name, []).append(tp_fp_fn(truth, text))
        if args.pages:
            print(f"{page[:16]:<16} true {rows['vote'][-1][0]:.2f} extra {rows['vote'][-1][1]:.2f} "
                  f"missed {rows['vote'][-1][2]:.2f}")  # fmt: skip
    elapsed = time.perf_counter() - start
    for name, values in rows.items():
        s = scores(values)
        print(f"{name:<12} precision={s['precision']:.3f} recall={s['recall']:.3f} F1={s['f1']:.3f}")
    print(f"{len(pairs)} pages in {elapsed:.1f} s ({len(pairs) / elapsed:.1f} pages/s, all extractors)")


if __name__ == "__main__":
    main()
