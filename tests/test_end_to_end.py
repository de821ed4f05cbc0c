"""collect -> ingest -> analyze -> export -> report through the CLI, on a loopback site and the seed documents."""

from __future__ import annotations

import csv
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent / "collect"))
from httpsite import TestSite, pages_from_shared, render_page, urlset  # noqa: E402

from pipeline.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def site(shared: Path) -> Iterator[TestSite]:
    s = TestSite().start()
    paths = []
    for slug, _, page in pages_from_shared(shared, 5):
        paths.append(f"/briefing-room/{slug}")
        s.add(paths[-1], page)
    csv.field_size_limit(1 << 30)  # a Chinese regulator's text: stored, left out of the English analysis
    china = shared / "corpus" / "china_ai_policy_cac_miit_tc260" / "all_policies_unified.csv"
    with china.open(encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if len(r["full_text"]) > 1000)
    s.add("/zh", render_page({"title": row["title"], "date": row["publication_date"]}, row["full_text"]))
    s.add("/sitemap.xml", urlset(s.base, [*paths, "/zh", "/missing"]), content_type="text/xml")
    s.add("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    yield s
    s.stop()


def test_run_collects_analyses_and_exports(
    site: TestSite, repo: Path, workspace: Path, capsys: pytest.CaptureFixture
) -> None:
    shutil.copytree(repo / "corpus" / "seed", workspace / "corpus" / "seed")
    (workspace / "opentide.toml").write_text(
        f"[collect]\nper_host_delay = 0.0\ntimeout_total = 5.0\nretries = 0\n\n"
        f'[[sources]]\nname = "loopback"\nurl = "{site.url("/sitemap.xml")}"\nkind = "statement"\n'
        '[[sources]]\nname = "unreachable"\nurl = "http://127.0.0.1:9/feed.xml"\n',
        encoding="utf-8",
    )
    code = main(["-w", str(workspace), "--no-progress", "run"])
    assert code == EXIT_PARTIAL  # the missing page fails; the unreachable source is reported, the run goes on
    assert "1 URLs unreachable (no network, or the host is down): the run goes on" in capsys.readouterr().out
    out = workspace / "outputs"
    docs = pd.read_csv(out / "documents.csv")
    assert len(docs) == 10 and docs["published"].notna().all() and docs["title"].notna().all()
    (chinese,) = docs[docs["language"] == "zh"].itertuples()  # collected, not analysed: no stance, no sentences
    assert pd.isna(chinese.stance) and chinese.doc_id not in set(pd.read_csv(out / "sentences.csv")["doc_id"])
    assert pd.isna(chinese.frame) and set(docs["frame"].dropna()) <= {"endorse", "rebut", "report", "none"}
    docs = docs[docs["language"] == "en"]
    assert set(docs["kind"]) >= {"statement", "news"}
    seeds = docs[docs["path"].fillna("").str.contains("corpus/seed")]
    assert len(seeds) == 4 and (seeds["stance"] == "open").all() and (seeds["frame"] != "endorse").all()
    sents = pd.read_csv(out / "sentences.csv")
    assert set(sents["stance"]) <= {"open", "closed", "neutral"} and sents["stance_score"].between(-1, 1).all()
    # each open seed shows its basis: how many sentences were weighed, and its strongest open sentences
    assert (seeds["n_relevant"] >= 2).all() and seeds["evidence_1"].notna().all()
    by_idx = sents.set_index(["doc_id", "sent_idx"])
    for doc in seeds.itertuples():
        idx = [int(i) for i in str(doc.evidence_sent_idx).split()]
        assert 1 <= len(idx) <= 3 and by_idx.loc[(doc.doc_id, idx[0]), "text"].split() == doc.evidence_1.split()
        assert all(by_idx.loc[(doc.doc_id, i), "stance_score"] > 0 for i in idx)
    timeline = pd.read_csv(out / "stance_timeline.csv")
    overall = timeline[timeline["group"] == "all"]
    assert len(overall) >= 2
    shares = overall[["open_share", "closed_share", "neutral_share"]].sum(axis=1)
    assert ((shares - 1).abs() < 1e-6).all()
    assert len(pd.read_csv(out / "narrative_timeline.csv")) > 0
    assert "hugging-face" in set(pd.read_csv(out / "entities.csv")["entity_id"])
    assert (out / "report.html").is_file()
    # a second run fetches nothing new and re-analyses nothing; the options may also follow the command
    assert main(["run", "--workspace", str(workspace), "--no-progress"]) == EXIT_PARTIAL
    assert len(pd.read_csv(out / "documents.csv")) == 10
    capsys.readouterr()
    assert main(["status", "-w", str(workspace)]) == EXIT_OK
    shown = capsys.readouterr().out
    assert "left out of analysis for their language ([ingest] languages): 1" in shown
    assert "kept, not analysed: 1" in shown and "[language]: the text is in 'zh'" in shown
    counts = dict(
        re.findall(r"^\s*(rejections and language notices|rejected inputs|kept, not analysed): (\d+)", shown, re.M)
    )
    assert int(counts["rejections and language notices"]) == int(counts["rejected inputs"]) + 1  # + the notice
    with (workspace / "opentide.toml").open("a", encoding="utf-8") as fh:  # Chinese analysed from now on
        fh.write('\n[ingest]\nlanguages = ["en", "zh"]\n')
    assert main(["status", "-w", str(workspace)]) == EXIT_OK
    shown = capsys.readouterr().out
    assert "kept, not analysed: 0" in shown and "the text is in 'zh'" not in shown  # the notice has lapsed
    # another target without a new analysis: the exports would carry the old labels, so both steps refuse
    with (workspace / "opentide.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[stance]\ntarget = "regulation"\n')
    assert main(["export", "-w", str(workspace)]) == EXIT_ERROR
    assert main(["report", "-w", str(workspace)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "are for the target 'openness', not 'regulation'" in err
    assert "carry the labels" in err and "not those of the target 'regulation'" in err
