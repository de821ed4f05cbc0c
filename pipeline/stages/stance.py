"""The ``stance`` stage: sentence stance and frame, then document stance, for one batch of documents.

Embeddings come from the shared :class:`~pipeline.embed.Embedder` (cached by text), so topics and re-runs
never embed a sentence twice. The target (``[stance] target``) is a packaged name or a workspace folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.embed import Embedder
from pipeline.stance import DocumentRule, classify, document_stance, load_head, stage_version


def resolve_target(target: str, workspace: Path) -> str | Path:
    """A workspace folder when one exists under that name, else a packaged target name."""
    local = workspace / target
    return local if (local / "target.toml").is_file() else target


class StanceStage:
    def __init__(self, *, target: str, embedder: Embedder, workspace: Path, relevance_threshold: float) -> None:
        self.head = load_head(resolve_target(target, workspace))
        self.embedder, self.threshold = embedder, relevance_threshold
        tgt = self.head.target
        self.rule = DocumentRule(labels=(tgt.positive, tgt.negative, "mixed", "off_topic"))

    @property
    def version(self) -> str:
        return stage_version(self.head)

    def run(self, sentences: dict[str, list[tuple[int, str]]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """``{doc_id: [(sent_idx, text), ...]}`` -> rows for ``sentence_stance`` and ``document_stance``."""
        flat = [(doc_id, idx, text) for doc_id, items in sentences.items() for idx, text in items]
        texts = [t for _, _, t in flat]
        rows = classify(texts, self.embedder.encode(texts), head=self.head, relevance_threshold=self.threshold)
        out: dict[str, dict[str, list[dict[str, Any]]]] = {
            d: {"sentence_stance": [], "document_stance": []} for d in sentences
        }
        for (doc_id, idx, _), row in zip(flat, rows):
            out[doc_id]["sentence_stance"].append({**row, "sent_idx": idx})
        for doc_id, items in sentences.items():
            sent_rows = out[doc_id]["sentence_stance"]
            doc = document_stance(sent_rows, [t for _, t in items], rule=self.rule)
            out[doc_id]["document_stance"] = [{**doc, "evidence": json.dumps(doc["evidence"], ensure_ascii=False)}]
        return out
