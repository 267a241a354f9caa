"""thresh: remove site boilerplate, repeated captions and duplicate documents from scraped text.

The library's stages over plain Python values. A corpus is cleaned in two passes with one
barrier, as by the ``thresh`` command line:

>>> import thresh
>>> docs = [("a.example", text_a), ("a.example", text_b), ("b.example", text_c)]
>>> counts = thresh.count(docs)                         # pass 1: mergeable partial counts
>>> cleaned = [thresh.clean(t, counts.freeze(), site) for site, t in docs]   # pass 2

``count`` and ``PartialCounts.merge`` let each worker count its share; exact duplicates must
be counted once (see ``thresh.ray`` for the whole flow, near-duplicates included). Every
decision is taken by the Rust library, the one the command line runs; this package only
converts values. Heavy calls release the GIL. Bad settings or input raise ``ThreshError`` (a
``ValueError``) with the command line's message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

from thresh._native import (
    Counts,
    Fingerprint,
    Options,
    PartialCounts,
    ThreshError,
    VERSION,
)
from thresh import _native

__all__ = [
    "Counts",
    "Decision",
    "Fingerprint",
    "Options",
    "PartialCounts",
    "Removal",
    "ThreshError",
    "clean",
    "count",
    "decide",
    "explain",
    "fingerprint",
    "minhash",
    "options",
]
__version__ = VERSION

Text = Union[str, bytes]


def options(options: Optional[Options] = None, **flags: Any) -> Options:
    """``Options`` from keyword flags (``min_docs=8``, ``classifier="off"``, ...), or the
    given ``Options`` when no flag is given."""
    if options is not None and flags:
        raise TypeError("give either an Options object or flags, not both")
    return options if options is not None else Options(**flags)


def fingerprint(text: Text, options: Optional[Options] = None) -> Fingerprint:
    """Segment and fingerprint one document: blocks (byte spans into its UTF-8 text) with
    their matching keys and word counts, the content hash and the shingle samples."""
    return _native.fingerprint(text, options)


def minhash(
    text: Text,
    options: Optional[Options] = None,
    counts: Optional[Counts] = None,
    site: str = "",
) -> Optional[list[int]]:
    """The 128-bin MinHash signature (word 4-grams, numbers kept) of a document's article
    text: with ``counts``, what the decisions keep, as for near-duplicate detection. ``None``
    when that is too short to compare (under 30 words); a bin no shingle fell in holds
    ``2**32 - 1``."""
    return _native.minhash(text, options, counts, site)


def count(
    documents: Iterable[tuple[str, Text]],
    options: Optional[Options] = None,
    into: Optional[PartialCounts] = None,
) -> PartialCounts:
    """Count ``(site, text)`` pairs (site ``""``: none) into mergeable partial counts.
    Documents identical after normalisation are counted once, as in a run."""
    counts = into if into is not None else PartialCounts()
    seen: set[int] = set()
    for site, text in documents:
        print_ = _native.fingerprint(text, options)
        if print_.content is None or print_.content in seen:
            continue
        seen.add(print_.content)
        counts.add(print_, site)
    return counts


@dataclass(frozen=True)
class Removal:
    """One removed block: its index, byte span in the UTF-8 text, and why (the report's
    reason object, e.g. ``{"reason": "boilerplate", "rule": "min_docs", "documents": 7, ...}``)."""

    block: int
    start: int
    end: int
    reason: dict[str, Any]

    @property
    def kind(self) -> str:
        """The reason's name: ``boilerplate``, ``near_boilerplate``, ``repeated_in_document``,
        ``enclosed``, ``classified``, ``drop_pattern`` or ``separator``."""
        return str(self.reason["reason"])


@dataclass(frozen=True)
class Decision:
    """What becomes of one document: ``fate`` is ``written``, ``emptied`` or ``no_content``;
    ``text`` is the cleaned text (``None`` unless written), of the input's type."""

    fate: str
    removals: list[Removal] = field(default_factory=list)
    text: Optional[Text] = None
    classifier_backed_off: bool = False
    blocks: list[tuple[int, int]] = field(default_factory=list)


def decide(
    text: Text, counts: Counts, site: str = "", options: Optional[Options] = None
) -> Decision:
    """Decide every block of one (non-duplicate) document with frozen counts."""
    fate, removals, cleaned, backed_off, spans = _native.decide(text, counts, site, options)
    return Decision(
        fate=fate,
        removals=[
            Removal(
                block=r["block"],
                start=spans[r["block"]][0],
                end=spans[r["block"]][1],
                reason=r["reason"],
            )
            for r in json.loads(removals)
        ],
        text=cleaned,
        classifier_backed_off=backed_off,
        blocks=spans,
    )


def clean(
    text: Text, counts: Counts, site: str = "", options: Optional[Options] = None
) -> Optional[Text]:
    """The cleaned text of one document (kept blocks byte for byte), or ``None`` when it is
    not written (emptied, or no content)."""
    return decide(text, counts, site, options).text


def explain(
    text: Text, counts: Counts, site: str = "", options: Optional[Options] = None
) -> str:
    """One document block by block: ``+`` kept, ``-`` removed with its reason and counts."""
    decision = decide(text, counts, site, options)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    removed = {r.block: r for r in decision.removals}
    lines = [f"fate: {decision.fate}"]
    if decision.classifier_backed_off:
        lines.append("the classifier backed off (it would have nearly emptied the page)")
    for i, (start, end) in enumerate(decision.blocks):
        block = raw[start:end].decode("utf-8", "replace").rstrip("\r\n")
        r = removed.get(i)
        if r is None:
            lines.append(f"+ {block}")
            continue
        details = ", ".join(f"{k}: {v}" for k, v in r.reason.items() if k != "reason")
        lines.append(f"- {block}")
        lines.append(f"    {r.kind}" + (f" ({details})" if details else ""))
    return "\n".join(lines) + "\n"
