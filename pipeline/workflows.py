"""Plain functions behind each CLI command. They return ``(ok, lines)``: whether every input went through,
and a short summary for the user. They log; the CLI prints."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from pipeline import errors as msg
from pipeline.errors import OpentideError, StoreError
from pipeline.ingest.readers import SUFFIXES
from pipeline.ingest.run import ingest_paths, read_options
from pipeline.settings import WORKSPACE_FILE, Settings, load_settings
from pipeline.store import Store

logger = logging.getLogger(__name__)
Result = tuple[bool, list[str]]


def open_store(settings: Settings) -> Store:
    return Store(settings.store_path)


def ingest(
    settings: Settings,
    store: Store,
    paths: list[Path],
    *,
    kind: str | None = None,
    source: str | None = None,
    progress: bool = True,
) -> Result:
    section = settings.section("ingest")
    if kind:
        section["default_kind"], section["kind_by_path"] = kind, {}
    notes: list[str] = []
    if not paths:  # the workspace's corpus folders: one that does not exist (yet) is a note, not a failure
        dirs = [settings.root / d for d in settings.values["workspace"]["corpus_dirs"]]
        paths = [d for d in dirs if d.exists()]
        notes = [f"  corpus folder not found, skipped ([workspace] corpus_dirs): {d}" for d in dirs if not d.exists()]
        if not paths:
            return True, ["ingest: no corpus folder to read", *notes]
    with store.recorded_run("ingest") as run:
        options = read_options(section, source=source)
        report = ingest_paths(store, paths, options=options, run_id=run.run_id, progress=progress)
        run.status, run.stats = ("ok" if report.ok else "partial"), report.as_dict()
    lines = [f"ingest: {_counts(report.as_dict())}", *notes]
    if report.other_types:
        types = ", ".join(f"{n} {suffix}" for suffix, n in report.other_types.most_common())
        lines.append(f"  not read: {types} (readable: {', '.join(sorted(SUFFIXES))})")
        lines += _capped(report.other_files, 5, "    ")
    if report.gone:
        lines.append(f"  gone: {len(report.gone)} stored files are no longer in the folders; "
                     f"{report.counts['removed']} documents left the corpus with their results")  # fmt: skip
    if not report.files and not report.rejected:
        lines.append(f"  no readable file in {', '.join(map(str, paths))}")
    see = " (see `opentide status`)"
    lines += _capped([f"rejected: {reason}" for _, reason in report.rejected], 20, "  ", see)
    lines += _capped([f"kept, not analysed: {notice}" for _, notice in report.other_language], 20, "  ", see)
    return report.ok, lines


def _capped(items: list[str], limit: int, indent: str, more: str = "") -> list[str]:
    """The first ``limit`` items, indented, then how many more there are."""
    extra = [f"{indent}... and {len(items) - limit} more{more}"] if len(items) > limit else []
    return [f"{indent}{item}" for item in items[:limit]] + extra


def collect(
    settings: Settings,
    store: Store,
    urls: list[str],
    *,
    sources: list[str] | None = None,
    kind: str | None = None,
    progress: bool = True,
    unreachable_ok: bool = False,
) -> Result:
    """The given URLs (and what they list), the sources named, or, given neither, every configured source.
    ``unreachable_ok``: hosts that cannot be reached (offline) are reported but do not count as failures."""
    from pipeline.collect import collect as run_collect

    everything = not urls and not sources
    configured = settings.sources if everything else _named_sources(settings, sources or [])
    if not urls and not configured:
        return True, ["collect: no URLs given and no [[sources]] in the settings; nothing to fetch"]
    report = run_collect(
        store,
        urls=urls,
        sources=configured,
        settings=collect_settings(settings),
        raw_dir=settings.path("workspace", "raw_dir"),
        progress=progress,
        kind=kind,
        everything=everything,
    )
    lines = [f"collect: {_counts(report.as_dict())}"]
    if report.failed > report.unreachable:
        lines.append("  some URLs failed: `opentide status` lists each with its reason")
    if report.unreachable:
        lines.append(f"  {report.unreachable} URLs unreachable (no network, or the host is down): "
                     + ("the run goes on with the local corpus; " if unreachable_ok else "")
                     + "`opentide status` lists each")  # fmt: skip
    if report.other_language:
        lines.append(f"  {report.other_language} documents in a language outside [ingest] languages are stored but "
                     "left out of analysis: `opentide status` lists each")  # fmt: skip
    return report.failed == (report.unreachable if unreachable_ok else 0), lines


def _named_sources(settings: Settings, names: list[str]) -> list[dict[str, Any]]:
    known = {s["name"]: s for s in settings.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(known) or "none"
        raise msg.SettingsError(msg.E_UNKNOWN_SOURCE.format(names=", ".join(map(repr, unknown)), known=listed))
    return [known[n] for n in dict.fromkeys(names)]


def collect_settings(settings: Settings) -> dict[str, Any]:
    """``[collect]`` plus what ``[ingest]`` says of every document: the languages analysed, whether a text in
    another one is kept, and the default kind."""
    ingest = settings.section("ingest")
    keys = ("languages", "other_languages", "default_kind")
    return {**settings.section("collect"), **{k: ingest[k] for k in keys}}


def reextract(settings: Settings, store: Store) -> Result:
    from pipeline.collect import reextract as run_reextract

    report = run_reextract(store, settings.path("workspace", "raw_dir"), settings=collect_settings(settings))
    return report.exit_code == 0, [f"reextract: {_counts(report.as_dict())}"]


def analyze(
    settings: Settings,
    store: Store,
    *,
    engine: str | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> Result:
    from pipeline import runner

    _need_documents(store)
    with store.recorded_run("analyze") as run:
        run.stats = runner.analyze(store, settings, engine=engine, scheduler=scheduler, force=force, progress=progress)
    return True, [f"analyze: {_counts(run.stats)}"]


def export(
    settings: Settings, store: Store, *, out: Path | None = None, freq: str | None = None, parquet: bool = False
) -> Result:
    from pipeline import export as exporter

    _need_documents(store)
    behind = _need_analysis(settings, store)
    out = out or settings.outputs
    try:
        written = exporter.export_all(store, settings, out=out, freq=freq, parquet=parquet)
    except OSError as err:
        raise OpentideError(msg.E_OUTPUT_DIR.format(path=err.filename or out, why=err.strerror or err)) from None
    lines = [f"export: wrote {len(written)} files to {out}"] + [f"  {p.name}: {n} rows" for p, n in written]
    return True, lines + [f"export: {behind}" for behind in behind]


def _need_analysis(settings: Settings, store: Store) -> list[str]:
    """Refuse stance results of another target (they would fill the columns with its labels); say how many
    documents ``analyze`` has not reached."""
    from pipeline.export import stance_target
    from pipeline.stance.classify import stage_target

    target = stance_target(settings).name
    found = {stage_target(v) or v for v in store.stage_versions("stance") if stage_target(v) != target}
    if found:
        names = ", ".join(f"'{name}'" for name in sorted(found))
        raise StoreError(msg.E_OTHER_TARGET.format(path=store.path, found=names, target=target))
    held = store.outside_languages(settings.section("ingest")["languages"])
    missing = store.count_without("stance", skip=held)
    return [msg.E_NOT_ANALYSED.format(n=missing, total=store.count("documents") - len(held))] if missing else []


def _need_documents(store: Store, lines: list[str] | None = None) -> None:
    if not store.count("documents"):
        raise StoreError("\n".join([msg.E_NO_DOCS.format(path=store.path), *(lines or [])]))


def report(settings: Settings) -> Result:
    from pipeline.api import load_results
    from pipeline.export import stance_target
    from pipeline.report import Wording, build_report, load_events

    target = stance_target(settings)  # the settings in hand, not read again
    results = load_results(settings.root)
    other = set(results.sentences["stance"].dropna().astype(str)) - set(target.stance_labels)
    if other:  # the CSVs were exported for another target
        labels = ", ".join(sorted(other))
        raise OpentideError(msg.E_OUTPUTS_TARGET.format(outputs=results.outputs, labels=labels, target=target.name))
    path = build_report(
        results, settings.outputs, events=load_events(settings.root, target.folder), wording=Wording.of(target)
    )
    return True, [f"report: {path}"]


def status(settings: Settings, store: Store) -> Result:
    lines = [f"workspace: {settings.root}", f"store: {store.path} (schema {store.schema_version})"]
    for table in ("documents", "locations", "sentences", "entities", "sentence_stance", "chunks"):
        lines.append(f"  {table}: {store.count(table)}")
    lines.append(f"  rejections and language notices: {store.count('rejections')} (listed below)")
    undated = store.query("SELECT COUNT(*) AS n FROM documents WHERE published IS NULL")[0]["n"]
    lines.append(f"  undated documents: {undated}")
    held = set(store.outside_languages(settings.section("ingest")["languages"]))
    lines.append(f"  documents left out of analysis for their language ([ingest] languages): {len(held)}")
    lines.append("last runs:")
    for run in store.last_runs(5):
        lines.append(f"  #{run['run_id']} {run['command']} {run['started_at']} {run['status']} {run['stats']}")
    rejections, kept = [], []
    for r in store.rejections():  # a language notice is a kept document's; it lapses once its language is analysed
        doc_id = store.doc_for_location(r["location"]) if r["code"] == "language" else None
        if doc_id is None:
            rejections.append(r)
        elif doc_id in held:
            kept.append(r)
    lines.append(f"rejected inputs: {len(rejections)}")
    lines += [f"  {r['location']} [{r['code']}]: {r['reason']}" for r in rejections]
    lines.append(f"kept, not analysed: {len(kept)}")
    lines += [f"  {r['location']} [{r['code']}]: {r['reason']}" for r in kept]
    lines.append(f"sources configured: {', '.join(s['name'] for s in settings.sources) or 'none'}")
    return True, lines + _settings_lines(settings)


def _settings_lines(settings: Settings) -> list[str]:
    """The settings an analyst most needs to see, and where they come from."""
    own = settings.root / WORKSPACE_FILE
    ws, stance = settings.values["workspace"], settings.values["stance"]
    return [
        f"settings: {own if own.is_file() else 'the defaults (no opentide.toml here)'}",
        f"  stance target: {stance['target']} (relevance threshold {stance['relevance_threshold']})",
        f"  corpus folders: {', '.join(ws['corpus_dirs']) or 'none'}",
        f"  languages analysed: {', '.join(settings.values['ingest']['languages']) or 'all'} "
        f"(others {'stored' if settings.values['ingest']['other_languages'] == 'keep' else 'rejected'})",
        f"  timeline: {settings.values['timeline']['freq']}; outputs: {settings.outputs}",
    ]


def run(settings: Settings, store: Store, *, offline: bool = False, progress: bool = True) -> Result:
    """The main job. Unreachable sources are reported and the run goes on: offline, they are no failure."""
    lines: list[str] = []
    ok = True
    if not offline:
        try:
            done, more = collect(settings, store, [], progress=progress, unreachable_ok=True)
        except OpentideError as err:
            done, more = False, [f"collect: could not run ({err}); going on with the local corpus"]
        ok &= done
        lines += more
    done, more = ingest(settings, store, [], progress=progress)
    ok &= done
    lines += more
    _need_documents(store, lines)  # nothing collected or ingested: say so, with what each step said
    for step in (
        lambda: analyze(settings, store, progress=progress),
        lambda: export(settings, store),
        lambda: report(settings),
    ):
        done, more = step()
        ok &= done
        lines += more
    return ok, lines


def stance_command(settings: Settings, args: argparse.Namespace) -> Result:
    """``opentide stance IN OUT`` and ``opentide evaluate FILE`` with the configured or given target."""
    from pipeline.runner import make_embedder
    from pipeline.stages.stance import resolve_target
    from pipeline.stance import load_head
    from pipeline.stance.api import skipped_text, stance_jsonl
    from pipeline.stance.scoring import evaluate_jsonl
    from pipeline.stance.units import Units

    section = settings.section("stance")
    head = load_head(resolve_target(args.target or section["target"], settings.root))
    threshold = float(section["relevance_threshold"])
    units = Units(
        unit=args.unit or section["unit"],
        min_sentences=int(section["document_sentences"]),
        min_chars=int(section["document_chars"]),
        window=int(section["prefilter_window"]),
    )
    embedder = make_embedder(settings)
    if args.command == "stance":
        done = stance_jsonl(
            args.input, args.output, head=head, embedder=embedder, relevance_threshold=threshold, units=units
        )
        lines = [f"stance: {done.written} lines written to {args.output}"]
        if done.empty:
            lines.append(f"  {len(done.empty)} lines without a text:{skipped_text(done.empty)}")
        if done.skipped:
            lines.append(f"  {len(done.skipped)} input lines skipped:{skipped_text(done.skipped)}")
        return not done.skipped, lines
    ev = evaluate_jsonl(args.labelled, head=head, embedder=embedder, relevance_threshold=threshold, units=units)
    return not ev.skipped, [ev.text]


def _counts(stats: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in stats.items() if not isinstance(v, (dict, list))) or "nothing to do"


def dispatch(args: argparse.Namespace) -> Result:
    settings = load_settings(args.workspace)
    progress = not args.no_progress
    cmd = args.command
    if cmd == "export" and args.schema:
        from pipeline.api import schema_text

        return True, [schema_text()]
    if cmd in ("stance", "evaluate"):
        return stance_command(settings, args)
    if cmd == "report":
        return report(settings)
    if getattr(args, "any_language", False):
        settings.values["ingest"]["other_languages"] = "keep"  # stored; analysed only in [ingest] languages
    with open_store(settings) as store:
        if cmd == "ingest":
            if args.reextract:
                return reextract(settings, store)
            return ingest(settings, store, args.paths, kind=args.kind, source=args.source, progress=progress)
        if cmd == "collect":
            return collect(settings, store, args.urls, sources=args.source, kind=args.kind, progress=progress)
        if cmd == "analyze":
            return analyze(
                settings, store, engine=args.engine, scheduler=args.scheduler, force=args.force, progress=progress
            )
        if cmd == "export":
            return export(settings, store, out=args.out, freq=args.freq, parquet=args.parquet)
        if cmd == "status":
            return status(settings, store)
        if cmd == "run":
            return run(settings, store, offline=args.offline, progress=progress)
    raise OpentideError(f"unknown command {cmd!r}; see `opentide --help`")
