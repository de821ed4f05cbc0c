"""The ``opentide`` command: parse arguments, check paths, call a plain function in ``workflows``.

Exit codes: 0 everything done; 3 done, but some inputs were rejected or some URLs failed;
2 could not run (bad settings, missing model, bad arguments); 1 an unexpected crash.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.errors import OpentideError

EXIT_OK, EXIT_CRASH, EXIT_ERROR, EXIT_PARTIAL = 0, 1, 2, 3
ANY_LANGUAGE = (
    'store texts in every language this time, even with [ingest] other_languages = "reject" (analysis still reads '
    "only [ingest] languages: the models are English)"
)
UNITS = ("auto", "sentence", "document")  # pipeline.stance.units.UNITS, spelt out to keep the CLI light
UNIT_HELP = (
    "read each text as one sentence or as a whole document (split into sentences, then the document's stance, "
    "score, frame and evidence); auto (default: [stance] unit): a document from [stance] document_sentences "
    "sentences and document_chars characters"
)


def _add_common(p: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Options every command takes, before or after its name; only the top-level parser sets their defaults."""
    unset = argparse.SUPPRESS
    p.add_argument(
        "-w",
        "--workspace",
        type=Path,
        default=Path(".") if defaults else unset,
        help="workspace directory (default: .)",
    )
    p.add_argument(
        "-v", "--verbose", action="count", default=0 if defaults else unset, help="more log output (-vv for debug)"
    )
    p.add_argument("--no-progress", action="store_true", default=False if defaults else unset, help="no progress bars")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="opentide", description="Follow policy narratives through news and policy texts.")
    p.add_argument("--version", action="version", version=f"opentide {__version__}")
    _add_common(p, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, defaults=False)  # the same options after the command: `opentide run --workspace DIR`
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def cmd(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    c = cmd("collect", "fetch feeds, sitemaps, pages and PDFs into the store")
    c.add_argument("urls", nargs="*", help="URLs to collect, and what they list (default: every configured source)")
    c.add_argument("--source", action="append", help="the configured source with this name (repeatable)")
    c.add_argument("--kind", help="kind of document the given URLs yield (default: [ingest] default_kind)")
    c.add_argument("--any-language", action="store_true", help=ANY_LANGUAGE)

    i = cmd("ingest", "ingest local files and folders (.txt .md .html .pdf .jsonl)")
    i.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the workspace's corpus_dirs)")
    i.add_argument("--kind", help="kind of the ingested documents (default: from metadata or settings)")
    i.add_argument("--source", help="a name recorded on each document")
    i.add_argument("--reextract", action="store_true", help="re-extract collected documents from raw snapshots")
    i.add_argument("--any-language", action="store_true", help=ANY_LANGUAGE)

    a = cmd("analyze", "sentences, entities, stance and topics for new or changed documents")
    a.add_argument("--engine", choices=["local", "dask"], help="where to run (default: [analysis] engine)")
    a.add_argument("--scheduler", help="Dask scheduler address or local:N (with --engine dask)")
    a.add_argument("--force", action="store_true", help="re-run every stage on every document")

    e = cmd("export", "write CSV exports (documents, sentences, entities, timelines)")
    e.add_argument("--out", type=Path, help="output folder (default: the workspace's outputs)")
    e.add_argument("--schema", action="store_true", help="print the documented columns of every export and exit")
    e.add_argument("--freq", choices=["week", "month", "quarter"], help="timeline period (default: settings)")
    e.add_argument("--parquet", action="store_true", help="also write annotations as Parquet partitioned by month")

    s = cmd("stance", "classify sentences in a JSONL file: {id, text} -> + stance, score, frame")
    s.add_argument("input", type=Path)
    s.add_argument("output", type=Path)
    s.add_argument("--target", help="stance target (default: [stance] target)")
    s.add_argument("--unit", choices=UNITS, help=UNIT_HELP)

    v = cmd("evaluate", "precision, recall, F1 and confusion matrix on a labelled JSONL file")
    v.add_argument("labelled", type=Path, help="JSONL lines with text and stance (and frame)")
    v.add_argument("--target", help="stance target (default: [stance] target)")
    v.add_argument("--unit", choices=UNITS, help=UNIT_HELP)

    cmd("status", "counts, last runs, rejected inputs and settings in force")
    cmd("report", "write outputs/report.html and figures")
    r = cmd("run", "the main job: collect, ingest the corpus folders, analyze, export, report")
    r.add_argument("--offline", action="store_true", help="skip collection")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    from pipeline import workflows

    try:
        ok, lines = workflows.dispatch(args)
        for line in lines:
            print(line)
    except OpentideError as err:
        print(f"opentide: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("opentide: interrupted; the store is consistent, run the command again to resume", file=sys.stderr)
        return 130
    return EXIT_OK if ok else EXIT_PARTIAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
