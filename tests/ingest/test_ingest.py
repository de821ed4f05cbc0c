"""Ingestion of every format from small real files in ../shared, rejected inputs, idempotent re-ingest."""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

import pytest

from pipeline.ingest.language import LanguagePolicy
from pipeline.ingest.readers import ReadOptions, decode
from pipeline.ingest.run import ingest_paths
from pipeline.store import Store

WH_ARTICLE = (
    "corpus/whitehouse_briefing_room/articles/2025-07/"
    "2025-07-15-president-trump-solidifies-u-s-position-as-leader-in-ai.md"
)
RFC_PDF = "corpus/ntia_open_weights_rfc_comments/docs/NTIA-2023-0009-0001_RFC.pdf"
SEED = "seeds/000_bb74d59fd831da8c.txt"
OPTS = ReadOptions(min_chars=200)


def _html(shared: Path, dest: Path) -> Path:
    """A real article rendered into a page with navigation and footer boilerplate."""
    body = (shared / SEED).read_text(encoding="utf-8").split("\n")
    paras = "".join(f"<p>{line}</p>" for line in body[3:] if line.strip())
    page = (
        f"<html><head><title>{body[0]}</title><meta property='article:published_time' content='2025-09-03'>"
        "<meta name='author' content='Jane Reporter'></head><body><nav><a href='/'>Home</a><a href='/tech'>Tech"
        f"</a></nav><article><h1>{body[0]}</h1>{paras}</article><footer>Copyright 2025. All rights reserved."
        "</footer></body></html>"
    )
    dest.write_text(page, encoding="utf-8")
    return dest


def _chinese(shared: Path, dest: Path) -> Path:
    csv.field_size_limit(sys.maxsize)
    with (shared / "corpus/china_ai_policy_cac_miit_tc260/all_policies_analyzed.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if any(len(v) > 500 for v in r.values()))
    dest.write_text(max(row.values(), key=len), encoding="utf-8")
    return dest


@pytest.fixture
def inputs(shared: Path, tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "in"
    d.mkdir()
    files = {
        "md": d / "wh.md",
        "txt": d / "seed.txt",
        "pdf": d / "rfc.pdf",
        "html": _html(shared, d / "page.html"),
        "jsonl": d / "docs.jsonl",
        "zh": _chinese(shared, d / "zh.txt"),
        "empty": d / "empty.txt",
        "binary": d / "bin.txt",
        "badpdf": d / "broken.pdf",
        "big": d / "big.txt",
    }
    files["md"].write_bytes((shared / WH_ARTICLE).read_bytes())
    files["txt"].write_bytes((shared / SEED).read_bytes())
    files["pdf"].write_bytes((shared / RFC_PDF).read_bytes())
    other = shared / WH_ARTICLE.replace(
        "2025-07-15-president-trump-solidifies-u-s-position-as-leader-in-ai",
        "2025-07-23-white-house-unveils-americas-ai-action-plan",
    )
    wh = other.read_text(encoding="utf-8").split("---", 2)[2]
    files["jsonl"].write_text(
        json.dumps({"text": wh, "title": "WH", "date": "2025-07-15", "url": "https://example.org/wh"})
        + "\n"
        + "{not json\n"
        + json.dumps({"title": "no text"})
        + "\n"
        + json.dumps({"text": "Too short to be a document."})
        + "\n",
        encoding="utf-8",
    )
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(gzip.compress(b"x" * 5000))
    files["badpdf"].write_bytes((shared / RFC_PDF).read_bytes()[:3000])
    with files["big"].open("wb") as fh:
        fh.truncate(30_000_000)
    return files


def test_ingest_every_format_and_reject_bad_inputs(inputs: dict[str, Path], tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [inputs["md"].parent], options=OPTS, progress=False)
        docs = {Path(d.path or "").name: d for d in store.iter_documents()}
        reasons = {
            Path(loc.split("#")[0]).name + ("#" + loc.split("#")[1] if "#" in loc else ""): r
            for loc, r in report.rejected
        }
    md = docs["wh.md"]
    assert md.title == "President Trump Solidifies U.S. Position as Leader in AI"
    assert (md.published, md.date_source) == ("2025-07-15", "front_matter")
    assert md.url and md.url.startswith("https://www.whitehouse.gov/")
    seed = docs["seed.txt"]
    assert seed.title and seed.title.startswith("The U.S. Will Be")
    assert (seed.published, seed.date_source) == ("2025-09-03", "in_text")
    pdf = docs["rfc.pdf"]
    assert "model weights" in pdf.text and pdf.published == "2024-02-26"
    page = docs["page.html"]
    assert page.published == "2025-09-03" and "Home" not in page.text[:20] and "Copyright" not in page.text
    assert docs["docs.jsonl"].title == "WH"
    assert len(docs) == 6 and docs["zh.txt"].language == "zh"  # stored, with a notice: analysis leaves it out
    ((where, notice),) = report.other_language
    assert where.endswith("zh.txt") and "'zh'" in notice and "left out of analysis" in notice
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["bin.txt"]
    assert "does not parse" in reasons["broken.pdf"] and "max_bytes" in reasons["big.txt"]
    assert "not valid JSON" in reasons["docs.jsonl#L2"] and "'text'" in reasons["docs.jsonl#L3"]
    assert "docs.jsonl:4: only 27 characters of text" in reasons["docs.jsonl#L4"]  # the line, not just the file
    assert all(
        str(inputs["md"].parent) in loc or loc.startswith(str(inputs["md"].parent.resolve()))
        for loc, _ in report.rejected
    )


def test_other_languages_can_be_rejected_instead(inputs: dict[str, Path], tmp_path: Path) -> None:
    options = ReadOptions(min_chars=200, languages=LanguagePolicy(("en",), keep=False))
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [inputs["zh"], inputs["txt"]], options=options, progress=False)
        assert [Path(d.path or "").name for d in store.iter_documents()] == ["seed.txt"]
    ((where, reason),) = report.rejected
    assert where.endswith("zh.txt") and "'zh'" in reason and 'other_languages is "reject"' in reason
    assert not report.other_language


def test_reingest_changes_nothing_and_duplicates_are_linked(inputs: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_text(inputs["txt"].read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        first = ingest_paths(store, [inputs["txt"], inputs["md"]], options=OPTS, progress=False)
        assert first.counts["new"] == 2
        second = ingest_paths(store, [inputs["txt"], inputs["md"], copy], options=OPTS, progress=False)
        assert second.counts["unchanged"] == 2 and second.counts["duplicate"] == 1
        assert store.count("documents") == 2 and store.count("locations") == 3
        assert store.rejections() == []


def test_rejection_is_cleared_when_the_file_is_fixed(tmp_path: Path, shared: Path) -> None:
    f = tmp_path / "later.txt"
    f.write_text("", encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        ingest_paths(store, [f], options=OPTS, progress=False)
        assert len(store.rejections()) == 1
        f.write_bytes((shared / SEED).read_bytes())
        ingest_paths(store, [f], options=OPTS, progress=False)
        assert store.rejections() == [] and store.count("documents") == 1


def test_placeholder_metadata_is_missing_not_an_author(shared: Path, tmp_path: Path) -> None:
    # A real aggregator file whose front matter says `source: "Unknown"`: no author "Unknown" for 22 documents.
    src = shared / "corpus/news_aggregator_08820048/content/ai/202310250700-frontier-model-forum-updates.md"
    assert 'source: "Unknown"' in src.read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / src.name).write_bytes(src.read_bytes())
    (tmp_path / "in" / "byline.md").write_text(
        '---\ntitle: "Open weights"\nauthor: "N/A"\nsource: "Jane Reporter"\n---\n' + "Open weights matter. " * 20,
        encoding="utf-8",
    )
    with Store(tmp_path / "s.sqlite") as store:
        ingest_paths(store, [tmp_path / "in"], options=OPTS, progress=False)
        docs = {Path(d.path or "").name: d for d in store.iter_documents()}
    assert docs[src.name].author is None and docs[src.name].title == "Frontier Model Forum updates"
    assert docs["byline.md"].author == "Jane Reporter"  # the placeholder gives way to the next key


def test_reingest_refreshes_edited_metadata_and_reanalyses_only_that(shared: Path, tmp_path: Path) -> None:
    text = (shared / SEED).read_text(encoding="utf-8")
    (tmp_path / "in").mkdir()
    page, copy = tmp_path / "in" / "page.md", tmp_path / "copy.md"
    page.write_text('---\ntitle: "Draft"\nauthor: "Unknown"\n---\n' + text, encoding="utf-8")
    copy.write_text('---\ntitle: "Syndicated"\nauthor: "Wire"\n---\n' + text, encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        ingest_paths(store, [page], options=OPTS, progress=False)
        (doc,) = store.iter_documents()
        store.write_stage("sentences", "1", {doc.doc_id: {}})
        page.write_text('---\ntitle: "Open weights"\nauthor: "Jane Reporter"\n---\n' + text, encoding="utf-8")
        report = ingest_paths(store, [page, copy], options=OPTS, progress=False)
        assert (report.counts["updated"], report.counts["duplicate"]) == (1, 1)
        (after,) = store.iter_documents()  # same document, new metadata; the copy elsewhere is only linked
        assert (after.doc_id, after.title, after.author) == (doc.doc_id, "Open weights", "Jane Reporter")
        assert store.pending("sentences", "1") == [doc.doc_id]  # its speakers follow the author: redo it
        store.write_stage("sentences", "1", {doc.doc_id: {}})
        again = ingest_paths(store, [page, copy], options=OPTS, progress=False)
        assert (again.counts["unchanged"], again.counts["duplicate"]) == (1, 1)  # its own file: unchanged
        assert store.pending("sentences", "1") == []


def test_a_corpus_manifest_fills_title_date_and_kind(shared: Path, tmp_path: Path) -> None:
    ntia = shared / "corpus" / "ntia_open_weights_rfc_comments" / "texts"  # its MANIFEST.tsv sits two folders up
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [ntia], options=OPTS, progress=False)
        docs = list(store.iter_documents())
    assert report.ok and len(docs) == 26
    assert all(d.kind == "comment" and d.published == "2024-03" and d.date_source == "manifest" for d in docs)
    titles = {d.title for d in docs}
    assert "NTIA open-weights RFC comment: Hugging Face Inc." in titles and "1" not in titles
    # comment_metadata.json beside texts/ keys its rows by comment ID; its "Commenter" is the author
    authors = {Path(d.path or "").stem: d.author for d in docs}
    assert authors["NTIA-2023-0009-0262"] == "Hugging Face Inc." and all(authors.values())


def test_json_manifest_by_id_adds_to_the_root_manifest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "letters" / "texts").mkdir(parents=True)
    body = "We urge the agency to keep open weights lawful, because openness lets researchers test models. " * 4
    (corpus / "letters" / "texts" / "L-1.txt").write_text(body, encoding="utf-8")
    (corpus / "letters" / "texts" / "L-2.txt").write_text(body.replace("urge", "ask"), encoding="utf-8")
    (corpus / "MANIFEST.tsv").write_text(
        "Local Path\tTitle\tKind\tAuthor\nletters/texts/L-1.txt\tLetter one\tcomment\tSomeone Else\n", encoding="utf-8"
    )
    rows = [
        {"ID": "L-1", "Commenter": "Mozilla Foundation"},
        {"ID": "L-2", "Organization": ["A Lab", "B Lab"]},
        {"ID": "L-9", "Commenter": "Nobody"},
        "not an object",
    ]
    (corpus / "letters" / "comment_metadata.json").write_text(json.dumps(rows), encoding="utf-8")
    (corpus / "letters" / "bad_metadata.json").write_text("{not json", encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [corpus / "letters" / "texts"], options=OPTS, progress=False)
        docs = {Path(d.path or "").name: d for d in store.iter_documents()}
    assert report.ok and not report.other_types
    one, two = docs["L-1.txt"], docs["L-2.txt"]
    assert (one.title, one.kind, one.author) == ("Letter one", "comment", "Mozilla Foundation")  # deeper wins
    assert two.author == "A Lab, B Lab" and two.kind == OPTS.default_kind


def test_front_matter_beats_the_manifest_and_kinds_keep_their_first_word(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "essays").mkdir(parents=True)
    body = "Open weights let anyone study a model, and that is why the argument matters to researchers. " * 4
    (corpus / "essays" / "a.md").write_text(f"---\ntitle: Its own title\n---\n{body}", encoding="utf-8")
    (corpus / "essays" / "b.txt").write_text(body.replace("researchers", "regulators"), encoding="utf-8")
    (corpus / "MANIFEST.tsv").write_text(
        "local_path\ttitle\tdate\tkind\tauthor\n"
        "essays/a.md\tListed title\t2025-07-24\top-ed/column\tA. Writer\n"
        "essays/b.txt\tListed B\t2024-03 (comment period 2024-02-26..2024-03-27)\tcomment\t\n"
        "essays/missing.txt\tGone\t2020-01-01\tnews\t\n",
        encoding="utf-8",
    )
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [corpus], options=OPTS, progress=False)
        docs = {Path(d.path or "").name: d for d in store.iter_documents()}
    assert report.ok and not report.other_types  # the manifest is read, not reported as an unread file
    a, b = docs["a.md"], docs["b.txt"]
    assert (a.title, a.author, a.published, a.kind) == ("Its own title", "A. Writer", "2025-07-24", "op-ed")
    assert (b.title, b.published, b.date_source, b.kind) == ("Listed B", "2024-03", "manifest", "comment")


def test_impossible_dates_and_broken_front_matter_do_not_stop_the_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    body = "Open weights let anyone study a model, and that is why the argument matters to researchers. " * 4
    (folder / "a.md").write_text(f"---\ntitle: Impossible\ndate: 2099-13-45\n---\n{body}", encoding="utf-8")
    (folder / "b.md").write_text(f"---\ntitle: [unclosed\n---\n{body.replace('study', 'test')}", encoding="utf-8")
    (folder / "c.md").write_text(f"---\ndate: 2025-07-23\n---\n{body.replace('study', 'audit')}", encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [folder], options=OPTS, progress=False)
        docs = {Path(d.path or "").name: d for d in store.iter_documents()}
    assert report.ok and len(docs) == 3
    assert (docs["a.md"].title, docs["a.md"].published) == ("Impossible", None)  # the date is unreadable, not fatal
    assert not docs["b.md"].text.startswith("title:") and docs["b.md"].title != "title: [unclosed"
    assert docs["c.md"].published == "2025-07-23"
    assert "b.md: front matter is not valid YAML (line 2)" in caplog.text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("The “open” debate — naïve, déjà vu, don’t. ", "cp1252"),  # charset-normalizer alone says cp1257 / cp1250
        ("A naïve café policy. ", "cp1252"),
        ("Zażółć gęślą jaźń, polityka otwartości modeli. ", "cp1250"),  # really Central European: kept as such
    ],
)
def test_legacy_code_pages_decode_to_the_right_letters(text: str, encoding: str) -> None:
    assert decode((text * 3).encode(encoding), "x.txt") == text * 3


def test_jsonl_lines_may_name_their_text_body_or_content(tmp_path: Path) -> None:
    body = "Open weights let anyone study a model, and that is why the argument matters to researchers. " * 4
    lines = [
        {"body": body, "title": "One", "date": "14/07/2025"},
        {"maintext": body.replace("study", "test")},
        {"summary": body},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [path], options=OPTS, progress=False)
        docs = sorted(store.iter_documents(), key=lambda d: d.title or "")
    assert [(d.title, d.published) for d in docs][-1] == ("One", "2025-07-14") and len(docs) == 2
    assert report.rejected == [
        (
            f"{path.resolve()}#L3",
            f"{path}:3: each line needs a JSON object with a text string ('text', 'body', 'content', 'maintext')",
        )
    ]


def test_a_folders_readme_and_licence_are_not_documents(tmp_path: Path) -> None:
    body = "Open weights let anyone study a model, and that is why the argument matters to researchers. " * 4
    for name in ("README.md", "LICENSE", "licence.txt", "essay.md"):
        (tmp_path / name).write_text(body + name, encoding="utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        report = ingest_paths(store, [tmp_path], options=OPTS, progress=False)
        again = ingest_paths(store, [tmp_path / "README.md"], options=OPTS, progress=False)  # named: read
    assert report.counts["new"] == 1 and report.other_types["README/LICENSE"] == 3
    assert again.counts["new"] == 1


def test_an_edited_file_replaces_its_document_and_a_deleted_one_leaves(shared: Path, tmp_path: Path) -> None:
    text = (shared / SEED).read_text(encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    kept, edited, deleted, broken = (folder / f"{n}.txt" for n in ("kept", "edited", "deleted", "broken"))
    for n, f in enumerate((kept, edited, deleted, broken)):
        f.write_text(f"Document {n}.\n\n{text}", encoding="utf-8")
    (folder / "lines.jsonl").write_text("".join(json.dumps({"text": f"Line {n}. {text}"}) + "\n" for n in range(2)),
                                        encoding="utf-8")  # fmt: skip
    with Store(tmp_path / "s.sqlite") as store:
        assert ingest_paths(store, [folder], options=OPTS, progress=False).counts["new"] == 6
        old = store.doc_for_location(str(edited.resolve()))
        assert old is not None
        store.write_stage("sentences", "1", {old: {"sentences": [{"sent_idx": 0, "start": 0, "end": 4, "text": "x"}]}})
        edited.write_text(f"Document 1, corrected.\n\n{text}", encoding="utf-8")
        deleted.unlink()
        broken.write_text("", encoding="utf-8")  # now rejected: its stored document stays
        (folder / "lines.jsonl").write_text(json.dumps({"text": f"Line 0. {text}"}) + "\n", encoding="utf-8")
        report = ingest_paths(store, [folder], options=OPTS, progress=False)
        assert (report.counts["updated"], report.counts["removed"], len(report.rejected)) == (1, 2, 1)
        assert sorted(Path(g).name for g in report.gone) == ["deleted.txt", "lines.jsonl#L2"]
        assert store.count("documents") == store.count("locations") == 4  # kept, edited, broken, line 1
        assert store.query("SELECT 1 FROM sentences WHERE doc_id=?", (old,)) == []  # no result of the old text
        new = store.get_document(store.doc_for_location(str(edited.resolve())) or "")
        assert new is not None and "corrected" in new.text
        again = ingest_paths(store, [folder], options=OPTS, progress=False)
        assert (again.counts["unchanged"], again.counts["removed"], again.gone) == (3, 0, [])
        (folder / "lines.jsonl").write_bytes(b"\x00\x01binary")  # rejected as a whole: its line stays
        assert ingest_paths(store, [folder], options=OPTS, progress=False).counts["removed"] == 0
        assert store.count("documents") == 4


def test_a_file_with_a_url_but_no_site_name_gets_its_host(shared: Path, tmp_path: Path) -> None:
    text = (shared / SEED).read_text(encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(f'---\ntitle: "Open weights"\nurl: "https://www.cnbc.com/2025/01/27/x.html"\n---\n{text}', "utf-8")
    named = tmp_path / "named.md"
    named.write_text(f'---\nurl: "https://techcrunch.com/a"\nsite: "TechCrunch"\n---\nOther. {text}', "utf-8")
    with Store(tmp_path / "s.sqlite") as store:
        ingest_paths(store, [page, named], options=OPTS, progress=False)
        sites = {Path(d.path or "").name: d.site for d in store.iter_documents()}
    assert sites == {"page.md": "www.cnbc.com", "named.md": "TechCrunch"}


def test_markdown_markup_leaves_the_text_and_headings_are_paragraphs(shared: Path, tmp_path: Path) -> None:
    text = (shared / SEED).read_text(encoding="utf-8")
    page = tmp_path / "post.md"
    page.write_text("---\ntitle: \"Chips\"\n---\n# America's lost lead\nOn benchmarks, "
                    "[Chinese models](https://x.org/a_(b)) lead.<!-- ad -->\n\n![chart](c.png)Exports        to China "
                    "<u>fell</u>. **Bold** claim.\n\n" + text, encoding="utf-8")  # fmt: skip
    with Store(tmp_path / "s.sqlite") as store:
        ingest_paths(store, [page], options=OPTS, progress=False)
        (doc,) = store.iter_documents()
    assert doc.text.startswith("America's lost lead\n\nOn benchmarks, Chinese models lead.\n\n"
                               "Exports to China fell. Bold claim.\n\n")  # fmt: skip
