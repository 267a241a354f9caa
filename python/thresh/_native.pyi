"""Typed stubs of ``thresh._native``, the Rust extension (see ``python/src/lib.rs``)."""

from typing import Any, Optional, Union

Text = Union[str, bytes]

VERSION: str
NO_CLUSTER: int
SIG_BINS: int
SIGNATURE_BYTES: int
BANDS: int

class ThreshError(ValueError):
    """Bad input or settings; the message is the one the thresh command line prints."""

class Options:
    """The settings of a run, named after the command line's flags (``--min-docs`` →
    ``min_docs``); unset values take the command line's defaults. Raises ``ThreshError`` for
    a value the command line refuses, with its message."""

    def __init__(
        self,
        *,
        unit: Optional[str] = ...,
        min_docs: Optional[int] = ...,
        min_site_share: Optional[float] = ...,
        min_site_docs: Optional[int] = ...,
        variant_cover: Optional[float] = ...,
        variant_lift: Optional[float] = ...,
        body_evidence: Optional[float] = ...,
        body_words: Optional[int] = ...,
        min_repeat_words: Optional[int] = ...,
        max_enclosed_words: Optional[int] = ...,
        min_enclosed_run: Optional[int] = ...,
        classifier: Optional[str] = ...,
        keep_comments: bool = ...,
        near_dup_threshold: Optional[float] = ...,
        near_dup_containment: Optional[float] = ...,
        keep: Optional[str] = ...,
        no_dedup: bool = ...,
        no_sites: bool = ...,
        keep_pattern: list[str] = ...,
        drop_pattern: list[str] = ...,
        max_doc_bytes: Optional[int] = ...,
    ) -> None: ...
    def settings(self) -> dict[str, Any]:
        """The effective settings, by flag name."""
    @property
    def matches_variants(self) -> bool:
        """Whether template variants are matched (shingle counts are needed)."""

class Fingerprint:
    """A document's blocks (byte spans into its UTF-8 text), keys and shingle samples."""

    @property
    def unit(self) -> str: ...
    @property
    def content(self) -> Optional[int]: ...
    @property
    def raw(self) -> int: ...
    @property
    def blocks(self) -> list[tuple[int, int, Optional[int], int]]:
        """``(start, end, key, words)`` per block."""
    @property
    def shingles(self) -> list[int]: ...
    def block_shingles(self, i: int) -> list[int]: ...
    def keys(self) -> list[int]:
        """Distinct block keys, sorted."""
    def __len__(self) -> int: ...

class PartialCounts:
    """Mergeable counts of documents with named sites; picklable."""

    def __init__(self) -> None: ...
    def add(
        self, fingerprint: Fingerprint, site: str = "", cluster: Optional[tuple[int, int]] = None
    ) -> None: ...
    def merge(self, other: PartialCounts) -> PartialCounts: ...
    @property
    def documents(self) -> int: ...
    def freeze(self) -> Counts: ...

class Counts:
    """Frozen counts (what decisions read); picklable."""

    def __init__(self) -> None: ...
    @staticmethod
    def from_records(
        sites: list[str],
        site_sizes: bytes,
        block_key: bytes,
        block_site: bytes,
        block_docs: bytes,
        shingle_key: bytes,
        shingle_site: bytes,
        shingle_docs: bytes,
    ) -> Counts: ...
    @property
    def sites(self) -> list[str]: ...
    def site_size(self, site: str) -> int: ...
    def stats(self, key: int) -> tuple[int, int]: ...
    def site_documents(self, key: int, site: str) -> int: ...
    @property
    def retained_keys(self) -> int: ...

def fingerprint(text: Text, options: Optional[Options] = None) -> Fingerprint: ...
def minhash(
    text: Text,
    options: Optional[Options] = None,
    counts: Optional[Counts] = None,
    site: str = "",
) -> Optional[list[int]]: ...
def decide(
    text: Text, counts: Counts, site: str = "", options: Optional[Options] = None
) -> tuple[str, str, Optional[Text], bool, list[tuple[int, int]]]: ...
def scan_batch(texts: list[Optional[Text]], options: Options) -> dict[str, bytes]: ...
def contributions_batch(
    offsets: bytes, keys: bytes, sites: bytes, clusters: bytes, members: bytes, partitions: int
) -> dict[str, bytes]: ...
def retained_batch(
    key: bytes, cluster: bytes, member: bytes, site: bytes, docs: bytes
) -> dict[str, bytes]: ...
def sketch_batch(
    texts: list[Optional[Text]], sites: bytes, counts: Counts, options: Options
) -> dict[str, bytes]: ...
def pairs_batch(
    signatures: bytes, bands: bytes, partition: int, partitions: int, options: Options
) -> dict[str, bytes]: ...
def resolve_batch(
    signatures: bytes, earlier: bytes, later: bytes, options: Options
) -> dict[str, bytes]: ...
def clean_batch(
    texts: list[Optional[Text]], sites: bytes, counts: Counts, options: Options
) -> tuple[list[Optional[Text]], list[str]]: ...
def _counts_from_state(state: Any) -> Counts: ...
def url_hosts(urls: list[Optional[str]]) -> list[Optional[str]]: ...
