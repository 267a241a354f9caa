"""The flow of ``thresh clean`` over batches, shared by the engine recipes (``thresh.ray``,
``thresh.spark``): functions from one Arrow batch (or one shuffle group) to another, and the
small driver-side steps between the shuffles. Engines only move data and broadcast values.

Fingerprint rows carry the columns ``ID``, ``ORDER`` and ``SITE`` (the document's identity, run
order and site name), then ``content``, ``length``, ``keys`` and ``shingles`` from
``thresh.batch.scan``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from thresh import batch as tb
from thresh._native import Counts, Options

ID, ORDER, SITE = "__thresh_id", "__thresh_order", "__thresh_site"
_ID, _ORDER, _SITE = ID, ORDER, SITE


@lru_cache(maxsize=8)
def options_of(flags_json: str) -> Options:
    """The native options of JSON-encoded flags, built once per worker process."""
    return Options(**json.loads(flags_json))


_options = options_of


def _site_ids(sites: pa.Array, names: pa.Array) -> np.ndarray:
    ids = pc.index_in(sites, value_set=names)
    return ids.fill_null(0).to_numpy(zero_copy_only=False).astype("<u4")


def column(batch: pa.Table, name: str) -> pa.Array:
    """A column, or a field of a struct column by dotted path (``metadata.url``)."""
    if name in batch.column_names:
        return batch.column(name)
    head, _, rest = name.partition(".")
    if not rest or head not in batch.column_names:
        raise KeyError(f"no column {name!r} in {batch.column_names}")
    value = batch.column(head)
    for field in rest.split("."):
        value = pc.struct_field(value, field)
    return value


def run_order(values: pa.Array) -> pa.Array:
    """The run order of ``order_column``'s values: numbers as they are; text (file paths) so
    that it sorts as the command line walks folders: folder by folder, names byte by byte
    (``/`` before every other character, so ``a/b.jsonl`` comes before ``a.jsonl``)."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return pc.replace_substring(pc.fill_null(values, ""), "/", "\x01")
    return values.cast(pa.int64())


def _order_text(values: pa.Array) -> pa.Array:
    """One column of a several-column order as text that sorts in its order: a path as in
    :func:`run_order`, a number (at least 0) zero-padded to 20 digits."""
    values = run_order(values)
    if pa.types.is_integer(values.type):
        if pc.any(pc.less(values, 0)).as_py():
            raise ValueError("order columns of several columns must not hold negative numbers")
        return pc.utf8_lpad(pc.fill_null(values, 0).cast(pa.string()), 20, "0")
    return values


def order_key(batch: pa.Table, order_column) -> pa.Array:
    """The run order of a batch's rows from one column, or from several compared in turn
    (``["path", "line"]``: file, then place in the file)."""
    if isinstance(order_column, str):
        return run_order(column(batch, order_column))
    parts = [_order_text(column(batch, name)) for name in order_column]
    if len(parts) == 1:
        return parts[0]
    # \x00 sorts before every character a part holds: parts compare one after another.
    return pc.binary_join_element_wise(*parts, "\x00")


def identity(batch: pa.Table, id_column: str, order_column,
             site_column: Optional[str], no_sites: bool,
             url_column: Optional[str] = None) -> dict[str, pa.Array]:
    n = batch.num_rows
    ids = batch.column(id_column)
    order = (order_key(batch, order_column) if order_column
             else pa.array(np.zeros(n, dtype=np.int64)))
    if no_sites or (site_column is None and url_column is None):
        sites = pa.array([""] * n, pa.string())
    else:
        # The command line's default: the URL's host, else the site column.
        sites = pa.nulls(n, pa.string())
        if url_column is not None:
            sites = tb.sites_from_urls(column(batch, url_column))
        if site_column is not None:
            sites = pc.coalesce(sites, column(batch, site_column).cast(pa.string()))
        sites = pc.fill_null(sites, "")
    return {_ID: ids, _ORDER: order, _SITE: sites}


def scan_rows(batch: pa.Table, *, flags: str, text_column: str, columns: tuple) -> pa.Table:
    """Step 1 for a batch of input rows: identity columns and ``thresh.batch.scan``'s."""
    prints = tb.scan(batch.column(text_column), options_of(flags))
    out = identity(batch, *columns)
    out.update({name: prints.column(name) for name in prints.column_names})
    return pa.table(out)


def contributions_rows(batch: pa.Table, *, names: pa.Array, dropped: pa.Array,
                       clusters: Optional[pa.Table], partitions: int,
                       with_shingles: bool) -> pa.Table:
    """Steps 3 and 5 for a batch of fingerprint rows: the combined contributions of its
    counted documents, with their key partition (shingles after the block partitions)."""
    counted = pc.and_(pc.is_valid(batch.column("content")),
                      pc.invert(pc.is_in(batch.column(_ID), value_set=dropped)))
    batch = batch.filter(counted)
    sites = _site_ids(batch.column(_SITE), names)
    cluster_ids = members = None
    if clusters is not None:
        table = clusters
        at = pc.index_in(batch.column(_ID), value_set=table.column(_ID))
        cluster_ids = pc.take(table.column("cluster"), at).fill_null(tb.NO_CLUSTER).to_numpy(
            zero_copy_only=False)
        members = pc.take(table.column("member"), at).fill_null(0).to_numpy(
            zero_copy_only=False)
    tables = [tb.contributions(batch.column("keys"), sites, partitions, cluster_ids, members)]
    if with_shingles:
        shingles = tb.contributions(batch.column("shingles"), sites, partitions, cluster_ids,
                                    members)
        # Shingle partitions follow the block partitions: one shuffle for both tables.
        shingles = shingles.set_column(
            5, "partition", pc.add(shingles.column("partition"), pa.scalar(partitions, pa.uint64())))
        tables.append(shingles)
    return pa.concat_tables(tables)


def holders_rows(batch: pa.Table, *, contents: pa.Array) -> pa.Table:
    """Step 2: the documents (id, order, content) holding one of `contents`."""
    batch = batch.select([_ID, _ORDER, "content"])
    return batch.filter(pc.is_in(batch.column("content"), value_set=contents))


def counted_sites_rows(batch: pa.Table, *, dropped: pa.Array) -> pa.Table:
    """The site of every counted document: with content, not an exact duplicate."""
    counted = pc.and_(pc.is_valid(batch.column("content")),
                      pc.invert(pc.is_in(batch.column(_ID), value_set=dropped)))
    return batch.select([_SITE]).filter(counted)


def retained_rows(group: pa.Table, *, partitions: int) -> pa.Table:
    if group.num_rows == 0:
        return pa.table({"key": pa.array([], pa.uint64()), "site": pa.array([], pa.uint32()),
                         "docs": pa.array([], pa.uint32()), "table": pa.array([], pa.uint8())})
    table = int(group.column("partition")[0].as_py()) // partitions
    records = tb.retained(group)
    return records.append_column("table", pa.array(np.full(records.num_rows, table, np.uint8)))


def pairs_rows(group: pa.Table, *, partitions: int, flags: str, longest: bool) -> pa.Table:
    group = _in_keep_order(group, longest)
    if group.num_rows >= 2:
        partition = int(group.column("partition")[0].as_py())
        found = tb.pairs(group.column("signature"), group.column("bands"), partition,
                         partitions, options_of(flags))
    else:
        found = pa.table({name: pa.array([], pa.uint32()) for name in ("earlier", "later", "equal")})
    # Pairs are named by document (id, order, length) and carry both signatures: positions
    # mean nothing elsewhere, and resolving compares the documents again.
    columns = {}
    for side, position in (("a", "earlier"), ("b", "later")):
        for name in (_ID, _ORDER, "length", "signature"):
            columns[f"{side}{name}"] = pc.take(group.column(name), found.column(position))
    columns["equal"] = found.column("equal")
    return pa.table(columns)


def _in_keep_order(table: pa.Table, longest: bool) -> pa.Table:
    keys = [(_ORDER, "ascending"), (_ID, "ascending")]
    if longest:
        table = table.append_column("__neg_length", pc.negate(table.column("length")))
        keys = [("__neg_length", "ascending")] + keys
    return table.sort_by(keys)


def near_duplicates(pairs: pa.Table, flags: str, longest: bool) -> pa.Table:
    """Resolve gathered pairs: (id, cluster, member, near_duplicate) of every clustered
    document."""
    empty = pa.table({_ID: pa.array([], pairs.schema.field(f"a{_ID}").type
                                    if pairs.num_rows else pa.string()),
                      "cluster": pa.array([], pa.uint64()), "member": pa.array([], pa.uint32()),
                      "near_duplicate": pa.array([], pa.bool_())})
    if pairs.num_rows == 0:
        return empty
    docs = pa.concat_tables([
        pairs.select([f"{s}{_ID}", f"{s}{_ORDER}", f"{s}length", f"{s}signature"])
        .rename_columns([_ID, _ORDER, "length", "signature"]) for s in ("a", "b")
    ])
    # Each document once: the first row naming it.
    every_id = docs.column(_ID).combine_chunks()
    docs = docs.take(pc.index_in(pc.unique(every_id), value_set=every_id))
    docs = _in_keep_order(docs, longest)
    ids = docs.column(_ID)
    earlier = pc.index_in(pairs.column(f"a{_ID}"), value_set=ids).to_numpy(zero_copy_only=False)
    later = pc.index_in(pairs.column(f"b{_ID}"), value_set=ids).to_numpy(zero_copy_only=False)
    # Each pair once, earlier first in keep order (partitions may find a pair twice).
    a, b = np.minimum(earlier, later), np.maximum(earlier, later)
    unique = np.unique(np.stack([a, b]).T, axis=0)
    resolved = tb.resolve(docs.column("signature"), pa.table({
        "earlier": pa.array(unique[:, 0], pa.uint32()) if len(unique) else pa.array([], pa.uint32()),
        "later": pa.array(unique[:, 1], pa.uint32()) if len(unique) else pa.array([], pa.uint32()),
    }), options_of(flags))
    kept = resolved.column("kept").to_pylist()
    id_list, order_list = ids.to_pylist(), docs.column(_ORDER).to_pylist()
    clusters: dict[int, list[int]] = {}
    for d, k in enumerate(kept):
        if k is not None:
            clusters.setdefault(k, [k]).append(d)
    rows_id, rows_cluster, rows_member, rows_dup = [], [], [], []
    for cluster, (root, members) in enumerate(sorted(clusters.items())):
        # A cluster counts each key once, at the first member in run order holding it.
        for place, d in enumerate(sorted(members, key=lambda m: (order_list[m], id_list[m]))):
            rows_id.append(id_list[d])
            rows_cluster.append(cluster)
            rows_member.append(place)
            rows_dup.append(d != root)
    return pa.table({_ID: pa.array(rows_id, ids.type), "cluster": pa.array(rows_cluster, pa.uint64()),
                     "member": pa.array(rows_member, pa.uint32()),
                     "near_duplicate": pa.array(rows_dup, pa.bool_())})




def first_copies(holders: pa.Table) -> list:
    """From the (id, order, content) rows of every document whose content is held twice or
    more: the ids of the copies that are not first in run order (exact duplicates)."""
    holders = holders.sort_by([("content", "ascending"), (_ORDER, "ascending"),
                               (_ID, "ascending")])
    duplicates, previous = [], None
    for content, doc in zip(holders.column("content").to_pylist(),
                            holders.column(_ID).to_pylist()):
        if content == previous:
            duplicates.append(doc)
        previous = content
    return duplicates


def site_sizes(names: list, sites: list, counts: list) -> np.ndarray:
    """Counted documents per site id, from (site, count) pairs."""
    sizes = np.zeros(len(names), dtype=np.uint32)
    for site, n in zip(sites, counts):
        sizes[names.index(site)] = n
    return sizes


def counts_of_records(records: pa.Table, names: list, sizes) -> Counts:
    """Frozen counts from the gathered output of ``retained_rows`` over every partition."""
    columns = ["key", "site", "docs"]
    empty = pa.table({"key": pa.array([], pa.uint64()), "site": pa.array([], pa.uint32()),
                      "docs": pa.array([], pa.uint32())})
    if records.num_rows == 0:
        return tb.counts_from_records(names, sizes, empty, empty)
    which = records.column("table")
    return tb.counts_from_records(
        names, sizes,
        records.filter(pc.equal(which, 0)).select(columns),
        records.filter(pc.equal(which, 1)).select(columns))


def sketch_rows(batch: pa.Table, *, options: Options, counts: Counts, names: pa.Array,
                dropped: pa.Array, columns: tuple, text_column: str,
                partitions: int) -> pa.Table:
    """Step 4 for a batch of input rows: each counted document's identity, length, signature
    and band keys, once per band partition it falls in (column ``partition``)."""
    ident = identity(batch, *columns)
    keep = pc.invert(pc.is_in(ident[_ID], value_set=dropped))
    batch = batch.filter(keep)
    ident = {k: v.filter(keep) for k, v in ident.items()}
    sites = _site_ids(ident[_SITE], names)
    texts = batch.column(text_column)
    sketched = tb.sketch(texts, sites, counts, options)
    lengths = pc.binary_length(texts.cast(pa.large_binary())) if texts.type != pa.null() \
        else pa.array([0] * batch.num_rows)
    table = pa.table({
        _ID: ident[_ID], _ORDER: ident[_ORDER],
        "length": pc.fill_null(lengths, 0).cast(pa.int64()),
        "signature": sketched.column("signature"), "bands": sketched.column("bands"),
    }).filter(pc.is_valid(sketched.column("signature")))
    bands = table.column("bands").combine_chunks().flatten().to_numpy().reshape(-1, tb.BANDS)
    parts = bands % np.uint64(partitions)
    doc, part = [], []
    for p in range(partitions):
        rows = np.nonzero((parts == p).any(axis=1))[0]
        doc.append(rows)
        part.append(np.full(len(rows), p, dtype=np.int64))
    out = table.take(pa.array(np.concatenate(doc), pa.int64()))
    return out.append_column("partition", pa.array(np.concatenate(part)))


def clean_rows(batch: pa.Table, *, options: Options, counts: Counts, names: pa.Array,
               dropped: pa.Array, columns: tuple, text_column: str) -> pa.Table:
    """Step 6 for a batch of input rows: every column kept, the text cleaned, the rows not
    written (duplicates, near-duplicates, emptied, no content) left out."""
    ident = identity(batch, *columns)
    keep = pc.invert(pc.is_in(ident[_ID], value_set=dropped))
    batch = batch.filter(keep)
    sites = _site_ids(ident[_SITE].filter(keep), names)
    cleaned, _fates = tb.clean(batch.column(text_column), sites, counts, options)
    index = batch.schema.get_field_index(text_column)
    field = batch.schema.field(index)
    batch = batch.set_column(index, field, pa.array(cleaned, field.type))
    return batch.filter(pc.is_valid(batch.column(text_column)))
