"""The ``stance`` stage: sentence stance and frame, then document stance, for one batch of documents.

Embeddings come from the shared :class:`~pipeline.embed.Embedder` (cached by text), so re-runs never embed a
sentence twice. Most sentences of a news corpus never mention the target: only those within
``prefilter_window`` sentences of one that matches the target's relevance patterns are embedded and classified;
the others get a neutral row (relevance 0) at no cost. When the target has a fine-tuned encoder, one
:class:`~pipeline.stance.shared.SharedPass` gives both the embeddings the cache lacks and that encoder's figures.
The target (``[stance] target``) is a packaged name or a workspace folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.embed import Embedder
from pipeline.stance import classify, document_stance, load_head, stage_version
from pipeline.stance.data import clean_sentence
from pipeline.stance.document import document_rule, near_target, unseen_row
from pipeline.stance.shared import SharedPass, max_seq_length, supports


def resolve_target(target: str, workspace: Path) -> str | Path:
    """A workspace folder when one exists under that name, else a packaged target name."""
    local = workspace / target
    return local if (local / "target.toml").is_file() else target


class StanceStage:
    def __init__(
        self,
        *,
        target: str,
        embedder: Embedder,
        workspace: Path,
        relevance_threshold: float,
        prefilter_window: int = 0,
    ) -> None:
        self.head = load_head(resolve_target(target, workspace))
        self.embedder, self.threshold, self.window = embedder, relevance_threshold, prefilter_window
        self.rule = document_rule(self.head.target)
        self._pass: SharedPass | None = None

    def _shared(self) -> SharedPass | None:
        """One pass for the embedding and the fine-tuned encoder, when the target has one on the same model."""
        tuned = self.head.tuned
        if self._pass is None and tuned is not None and supports(tuned, self.embedder.model_path):
            self._pass = SharedPass(tuned, max_length=max_seq_length(self.embedder.model_path))
        return self._pass

    @property
    def version(self) -> str:
        precision = "" if self.embedder.precision == "fp32" else f"-{self.embedder.precision}"
        return f"{stage_version(self.head)}-w{self.window}{precision}"

    def _candidates(self, items: list[tuple[int, str]]) -> list[bool]:
        """Which sentences of one document to classify: those near a sentence naming the target."""
        if self.window < 0:
            return [True] * len(items)
        hits = self.head.model.keyword_relevance([t for _, t in items]) > 0
        return [bool(x) for x in near_target(hits, self.window)]

    def run(self, sentences: dict[str, list[tuple[int, str]]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """``{doc_id: [(sent_idx, text), ...]}`` -> rows for ``sentence_stance`` and ``document_stance``."""
        unseen = unseen_row(self.head.target)
        flat = []  # (doc_id, sent_idx, text, classify?): the text cleaned as `opentide stance` and training clean it
        for doc_id, items in sentences.items():
            items = [(i, clean_sentence(t)) for i, t in items]
            flat += [(doc_id, i, t, keep) for (i, t), keep in zip(items, self._candidates(items))]
        texts = [t for _, _, t, keep in flat if keep]
        shared = self._shared()
        embeddings = self.embedder.encode(texts, compute=shared)
        probs = shared.take() if shared is not None else None
        rows = iter(
            classify(
                texts,
                embeddings,
                head=self.head,
                relevance_threshold=self.threshold,
                tuned_probs=probs,
                precision=self.embedder.precision,
            )
        )
        out: dict[str, dict[str, list[dict[str, Any]]]] = {
            d: {"sentence_stance": [], "document_stance": []} for d in sentences
        }
        for doc_id, idx, _, keep in flat:
            out[doc_id]["sentence_stance"].append({**(next(rows) if keep else unseen), "sent_idx": idx})
        for doc_id, items in sentences.items():
            sent_rows = out[doc_id]["sentence_stance"]
            doc = document_stance(sent_rows, [t for _, t in items], rule=self.rule)
            out[doc_id]["document_stance"] = [{**doc, "evidence": json.dumps(doc["evidence"], ensure_ascii=False)}]
        return out
