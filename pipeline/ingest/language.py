"""Language identification (py3langid), with a fast path for CJK-heavy texts."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def detect_language(text: str, *, sample: int = 5000) -> str | None:
    head = text[:sample]
    if not head.strip():
        return None
    if len(_CJK.findall(head)) > 0.2 * len(head.replace(" ", "")):
        return "zh" if re.search(r"[\u4e00-\u9fff]", head) else "ja"
    import py3langid

    lang, _ = py3langid.classify(head)
    return str(lang)
