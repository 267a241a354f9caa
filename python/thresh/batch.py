"""The stages over batches of documents as Arrow tables, for engines that distribute them.

Each function takes and returns ``pyarrow`` tables or arrays (``Table.to_pandas()`` gives
pandas), and maps to one step of ``thresh::stages`` in the Rust library:

1. ``scan``: per document its content hash, length, distinct block keys and shingle samples;
2. (the engine) exact duplicates: equal ``content``, the first in run order kept;
3. ``contributions`` per batch, shuffled by their ``partition`` column, ``retained`` per
   partition, ``counts_from_records`` from the gathered records of every partition;
4. ``sketch`` (signatures of what the decisions with step 3's counts keep, and LSH band
   keys), rows shuffled by band partition, ``pairs`` per partition, ``resolve`` the gathered
   pairs in keep order;
5. ``contributions`` again with clusters (blocks and shingles), as in 3;
6. ``clean``.

Numbers cross the boundary as packed little-endian buffers, wrapped here without copying.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import pyarrow as pa

from thresh import _native
from thresh._native import Counts, Options

NO_CLUSTER: int = _native.NO_CLUSTER
SIG_BINS: int = _native.SIG_BINS
SIGNATURE_BYTES: int = _native.SIGNATURE_BYTES
#: Why the written copy of a near-duplicate cluster is the one written (``resolve``).
KEPT_BECAUSE = ("first", "longest", "fuller")
BANDS: int = _native.BANDS

Texts = Union[pa.Array, pa.ChunkedArray, Sequence[Optional[Union[str, bytes]]]]


def _np(buffer: bytes, dtype: str) -> np.ndarray:
    return np.frombuffer(buffer, dtype=dtype)


def _list(offsets: bytes, values: bytes) -> pa.Array:
    return pa.LargeListArray.from_arrays(
        pa.array(_np(offsets, "<i8")), pa.array(_np(values, "<u8"), type=pa.uint64())
    )


def _texts(texts: Texts) -> list:
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        return texts.to_pylist()
    return list(texts)


def _u32(values) -> bytes:
    return np.asarray(values, dtype="<u4").tobytes()


def _u64(values) -> bytes:
    return np.asarray(values, dtype="<u8").tobytes()


def scan(texts: Texts, options: Options) -> pa.Table:
    """Step 1: ``content`` (uint64, null without content), ``length`` (bytes), ``keys`` and
    ``shingles`` (distinct, sorted; empty without content). A missing text, or one over
    ``max_doc_bytes``, has no content."""
    out = _native.scan_batch(_texts(texts), options)
    has = _np(out["has_content"], "u1").astype(bool)
    return pa.table(
        {
            "content": pa.array(_np(out["content"], "<u8"), mask=~has, type=pa.uint64()),
            "length": pa.array(_np(out["length"], "<u8"), type=pa.uint64()),
            "keys": _list(out["key_offsets"], out["keys"]),
            "shingles": _list(out["shingle_offsets"], out["shingles"]),
        }
    )


def _offsets_and_values(lists: Union[pa.Array, pa.ChunkedArray]) -> tuple[bytes, bytes]:
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    if not isinstance(lists, pa.LargeListArray):
        lists = lists.cast(pa.large_list(pa.uint64()))
    offsets = lists.offsets.to_numpy().astype("<i8")
    values = lists.values.to_numpy(zero_copy_only=False).astype("<u8")
    return offsets.tobytes(), values.tobytes()


def contributions(
    keys: Union[pa.Array, pa.ChunkedArray],
    sites: Sequence[int],
    partitions: int,
    clusters: Optional[Sequence[int]] = None,
    members: Optional[Sequence[int]] = None,
) -> pa.Table:
    """Steps 3 and 5: the combined count contributions of documents given by their distinct
    ``keys`` (a list column from ``scan``), site ids and, for near-duplicate cluster members,
    cluster ids (``NO_CLUSTER`` for none) and places in run order. Columns ``key``,
    ``cluster``, ``member``, ``site``, ``docs`` and the key's ``partition``."""
    n = len(sites)
    offsets, values = _offsets_and_values(keys)
    out = _native.contributions_batch(
        offsets,
        values,
        _u32(sites),
        _u64(clusters if clusters is not None else np.full(n, NO_CLUSTER, dtype="<u8")),
        _u32(members if members is not None else np.zeros(n, dtype="<u4")),
        partitions,
    )
    return pa.table(
        {
            "key": pa.array(_np(out["key"], "<u8")),
            "cluster": pa.array(_np(out["cluster"], "<u8")),
            "member": pa.array(_np(out["member"], "<u4")),
            "site": pa.array(_np(out["site"], "<u4")),
            "docs": pa.array(_np(out["docs"], "<u4")),
            "partition": pa.array(_np(out["partition"], "<u8")),
        }
    )


def _column(table: pa.Table, name: str, dtype: str) -> bytes:
    return table.column(name).to_numpy().astype(dtype).tobytes()


def retained(contributions: pa.Table) -> pa.Table:
    """Steps 3 and 5 for one key partition (every contribution to its keys): the count
    records (``key``, ``site``, ``docs``) of the keys held by two or more documents."""
    out = _native.retained_batch(
        _column(contributions, "key", "<u8"),
        _column(contributions, "cluster", "<u8"),
        _column(contributions, "member", "<u4"),
        _column(contributions, "site", "<u4"),
        _column(contributions, "docs", "<u4"),
    )
    return pa.table(
        {
            "key": pa.array(_np(out["key"], "<u8")),
            "site": pa.array(_np(out["site"], "<u4")),
            "docs": pa.array(_np(out["docs"], "<u4")),
        }
    )


def counts_from_records(
    sites: Sequence[str],
    site_sizes: Sequence[int],
    blocks: pa.Table,
    shingles: Optional[pa.Table] = None,
) -> Counts:
    """Frozen counts from the gathered ``retained`` records of every partition. ``sites`` is
    sorted and starts with ``""`` (no site); ``site_sizes`` counts each site's counted
    documents."""
    empty = pa.table(
        {"key": pa.array([], pa.uint64()), "site": pa.array([], pa.uint32()),
         "docs": pa.array([], pa.uint32())}
    )
    shingles = shingles if shingles is not None else empty
    return Counts.from_records(
        list(sites),
        _u32(site_sizes),
        _column(blocks, "key", "<u8"),
        _column(blocks, "site", "<u4"),
        _column(blocks, "docs", "<u4"),
        _column(shingles, "key", "<u8"),
        _column(shingles, "site", "<u4"),
        _column(shingles, "docs", "<u4"),
    )


def sketch(texts: Texts, sites: Sequence[int], counts: Counts, options: Options) -> pa.Table:
    """Step 4: per counted document its ``signature`` (128 uint32 bins and the shingle count,
    little-endian, as ``SIGNATURE_BYTES`` bytes; null when the kept content is too short) and
    ``bands`` (32 LSH bucket keys, uint64). ``counts`` are step 3's, blocks and shingles."""
    out = _native.sketch_batch(_texts(texts), _u32(sites), counts, options)
    has = _np(out["has_signature"], "u1").astype(bool)
    n = len(has)
    signatures = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(SIGNATURE_BYTES), n, [None, pa.py_buffer(out["signatures"])]
    )
    signatures = pa.array(
        [s if h else None for s, h in zip(signatures.to_pylist(), has)],
        type=pa.binary(SIGNATURE_BYTES),
    )
    bands = pa.FixedSizeListArray.from_arrays(
        pa.array(_np(out["bands"], "<u8")), BANDS
    )
    return pa.table({"signature": signatures, "bands": bands})


def pairs(
    signatures: Union[pa.Array, pa.ChunkedArray],
    bands: Union[pa.Array, pa.ChunkedArray],
    partition: int,
    partitions: int,
    options: Options,
) -> pa.Table:
    """Step 4 for one band partition: documents in keep order → verified near-duplicate pairs
    (``earlier``, ``later`` positions, ``equal`` bins of 128)."""
    sig_bytes = b"".join(signatures.to_pylist())
    if isinstance(bands, pa.ChunkedArray):
        bands = bands.combine_chunks()
    band_bytes = bands.flatten().to_numpy().astype("<u8").tobytes()
    out = _native.pairs_batch(sig_bytes, band_bytes, partition, partitions, options)
    return pa.table(
        {
            "earlier": pa.array(_np(out["earlier"], "<u4")),
            "later": pa.array(_np(out["later"], "<u4")),
            "equal": pa.array(_np(out["equal"], "<u4")),
        }
    )


def resolve(
    signatures: Union[pa.Array, pa.ChunkedArray], pairs: pa.Table, options: Options
) -> pa.Table:
    """Step 4's end: the ``signatures`` of the paired documents in keep order and their
    verified pairs → per document ``kept`` (the position of the written copy it duplicates,
    null when written itself), ``similarity`` and ``containment`` (of the document in the
    written copy, on kept content) and ``kept_because`` (``first``, ``longest`` or ``fuller``:
    why the written copy is the one written)."""
    out = _native.resolve_batch(
        b"".join(signatures.to_pylist()),
        _column(pairs, "earlier", "<u4"),
        _column(pairs, "later", "<u4"),
        options,
    )
    kept = _np(out["kept"], "<i8")
    because = _np(out["kept_because"], "u1")
    return pa.table(
        {
            "kept": pa.array(kept, mask=kept < 0),
            "similarity": pa.array(_np(out["similarity"], "<f8")),
            "containment": pa.array(_np(out["containment"], "<f8")),
            "kept_because": pa.array(
                [KEPT_BECAUSE[b] if k >= 0 else None for k, b in zip(kept, because)], pa.string()
            ),
        }
    )


def clean(
    texts: Texts, sites: Sequence[int], counts: Counts, options: Options
) -> tuple[list, list[str]]:
    """Step 6 for documents that are neither duplicates nor near-duplicates: the cleaned texts
    (``None`` when not written) and each document's fate (``written``, ``emptied``,
    ``no_content``, or ``failed`` for a missing or too large text)."""
    return _native.clean_batch(_texts(texts), _u32(sites), counts, options)


def sites_from_urls(urls: Texts) -> pa.Array:
    """The site of each URL as the command line names a JSONL record's site by default: its
    host, lower-cased, without user, port or a leading ``www.`` (null without one)."""
    return pa.array(_native.url_hosts(_texts(urls)), pa.string())
