"""The grammar of policy names, shared by the components that read them (metadata, citations)
and by the normaliser's repairs (repair.py).

Not a component: patterns built from the lexicon (`policy_genres`, `doc_number`) and a pure helper.
"""

from __future__ import annotations

import re

from .lexicon import lexicon

# a genre word ends a policy title: 实施意见, 管理办法, 通知 … (longest first)
GENRE = lexicon("policy_genres").alternation()
GENRE_AT_END = re.compile(f"{GENRE}$")
# a doc number anywhere: 甬政发〔2021〕18号
DOC_NUMBER = lexicon("doc_number").compile("cited")
# a doc number alone on its line (groups p, y, n); the normaliser repaired a garbled one
STANDALONE_DOC_NUMBER = lexicon("doc_number").compile("standalone", re.MULTILINE)
# for the normaliser: a doc number alone on its line that may have lost a bracket or 号 (groups p,
# open, y, close, n, hao), and one whose brackets became separators on a scrambled page (p, y, n)
GARBLED_DOC_NUMBER = lexicon("doc_number").compile("garbled", re.MULTILINE)
SCRAMBLED_DOC_NUMBER = lexicon("doc_number").alternation("scrambled")


def skeleton(title: str) -> str:
    """Characters that survive a web copy: Han, digits, letters (punctuation is often lost)."""
    return "".join(ch for ch in title if ch.isalnum())
