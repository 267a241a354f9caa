"""thresh on Ray Data: clean a ``ray.data.Dataset`` of documents with the CLI's decisions.

``clean_dataset`` runs the two passes of ``thresh clean`` as Ray Data operations; each step is
one function of ``thresh.batch`` (the Rust library's ``stages``):

1. fingerprints (``map_batches``): content hash, distinct block keys and shingle samples per
   document, materialised without the text (about 1 KB per document);
2. exact duplicates: contents held by two or more documents are found by a ``groupby``; only
   those documents are gathered, and the first of each in run order is kept;
3. block counts: per batch combined contributions, shuffled by key partition (``groupby`` +
   ``map_groups``); each partition keeps the records of keys in two or more documents, and
   only those are gathered and broadcast (the keys of one document, most of a corpus, never
   leave their partition);
4. near-duplicates: signatures and LSH band keys (``map_batches``), rows shuffled by band
   partition, pairs verified per partition (``map_groups``), the verified pairs gathered and
   resolved in keep order;
5. block and shingle counts again, each near-duplicate cluster once, as in 3;
6. cleaning (``map_batches``): the documents the CLI would not write (duplicates,
   near-duplicates, emptied, no content) are left out, the others keep every column with the
   text cleaned.

Run order (which copy of a duplicate is first) is the order of ``order_column`` then of the
id; ids must be unique. ``site_column=None`` (or ``no_sites=True``) gives every document no
site. The input dataset is read three times (fingerprints, signatures, cleaning): materialise
it first when its source is costly to read.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from thresh import batch as tb
from thresh._native import Options

try:
    import ray
    import ray.data
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("thresh.ray needs Ray Data: pip install 'ray[data]'") from e

_ID, _ORDER, _SITE = "__thresh_id", "__thresh_order", "__thresh_site"


@lru_cache(maxsize=8)
def _options(flags_json: str) -> Options:
    return Options(**json.loads(flags_json))


_shared: dict[str, Any] = {}


def _get(ref_box: list) -> Any:
    """A broadcast object, fetched once per worker process."""
    ref = ref_box[0]
    key = ref.hex()
    if key not in _shared:
        if len(_shared) >= 8:
            _shared.clear()
        _shared[key] = ray.get(ref)
    return _shared[key]


def _site_ids(sites: pa.Array, names: pa.Array) -> np.ndarray:
    ids = pc.index_in(sites, value_set=names)
    return ids.fill_null(0).to_numpy(zero_copy_only=False).astype("<u4")


def _identity(batch: pa.Table, id_column: str, order_column: Optional[str],
              site_column: Optional[str], no_sites: bool) -> dict[str, pa.Array]:
    n = batch.num_rows
    ids = batch.column(id_column)
    order = (batch.column(order_column).cast(pa.int64()) if order_column
             else pa.array(np.zeros(n, dtype=np.int64)))
    if site_column is None or no_sites:
        sites = pa.array([""] * n, pa.string())
    else:
        sites = pc.fill_null(batch.column(site_column).cast(pa.string()), "")
    return {_ID: ids, _ORDER: order, _SITE: sites}


def _scan(batch: pa.Table, *, flags: str, text_column: str, id_column: str,
          order_column: Optional[str], site_column: Optional[str], no_sites: bool) -> pa.Table:
    prints = tb.scan(batch.column(text_column), _options(flags))
    columns = _identity(batch, id_column, order_column, site_column, no_sites)
    columns.update({name: prints.column(name) for name in prints.column_names})
    return pa.table(columns)


def _contributions(batch: pa.Table, *, sites_ref: list, clusters_ref: Optional[list],
                   dropped_ref: list, partitions: int, with_shingles: bool) -> pa.Table:
    names = _get(sites_ref)
    dropped = _get(dropped_ref)
    counted = pc.and_(pc.is_valid(batch.column("content")),
                      pc.invert(pc.is_in(batch.column(_ID), value_set=dropped)))
    batch = batch.filter(counted)
    sites = _site_ids(batch.column(_SITE), names)
    clusters = members = None
    if clusters_ref is not None:
        table = _get(clusters_ref)
        at = pc.index_in(batch.column(_ID), value_set=table.column(_ID))
        clusters = pc.take(table.column("cluster"), at).fill_null(tb.NO_CLUSTER).to_numpy(
            zero_copy_only=False)
        members = pc.take(table.column("member"), at).fill_null(0).to_numpy(
            zero_copy_only=False)
    tables = [tb.contributions(batch.column("keys"), sites, partitions, clusters, members)]
    if with_shingles:
        shingles = tb.contributions(batch.column("shingles"), sites, partitions, clusters,
                                    members)
        # Shingle partitions follow the block partitions: one shuffle for both tables.
        shingles = shingles.set_column(
            5, "partition", pc.add(shingles.column("partition"), pa.scalar(partitions, pa.uint64())))
        tables.append(shingles)
    return pa.concat_tables(tables)


def _holders(batch: pa.Table, *, contents: pa.Array) -> pa.Table:
    """The documents (id, order, content) holding one of `contents`."""
    batch = batch.select([_ID, _ORDER, "content"])
    return batch.filter(pc.is_in(batch.column("content"), value_set=contents))


def _counted_sites(batch: pa.Table, *, dropped: pa.Array) -> pa.Table:
    """The site of every counted document: with content, not an exact duplicate."""
    counted = pc.and_(pc.is_valid(batch.column("content")),
                      pc.invert(pc.is_in(batch.column(_ID), value_set=dropped)))
    return batch.select([_SITE]).filter(counted)


def _retained(group: pa.Table, *, partitions: int) -> pa.Table:
    if group.num_rows == 0:
        return pa.table({"key": pa.array([], pa.uint64()), "site": pa.array([], pa.uint32()),
                         "docs": pa.array([], pa.uint32()), "table": pa.array([], pa.uint8())})
    table = int(group.column("partition")[0].as_py()) // partitions
    records = tb.retained(group)
    return records.append_column("table", pa.array(np.full(records.num_rows, table, np.uint8)))


def _gather(ds: "ray.data.Dataset") -> pa.Table:
    tables = [t for t in ray.get(ds.to_arrow_refs()) if t.num_rows]
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="default")


def _count(prints, *, sites_ref, clusters_ref, dropped_ref, names, site_sizes,
           partitions, with_shingles):
    records = (
        prints.map_batches(_contributions, batch_format="pyarrow", fn_kwargs=dict(
            sites_ref=sites_ref, clusters_ref=clusters_ref, dropped_ref=dropped_ref,
            partitions=partitions, with_shingles=with_shingles))
        .groupby("partition")
        .map_groups(_retained, batch_format="pyarrow", fn_kwargs=dict(partitions=partitions))
    )
    gathered = _gather(records)
    empty = pa.table({"key": pa.array([], pa.uint64()), "site": pa.array([], pa.uint32()),
                      "docs": pa.array([], pa.uint32())})
    if gathered.num_rows == 0:
        return tb.counts_from_records(names, site_sizes, empty, empty)
    which = gathered.column("table")
    blocks = gathered.filter(pc.equal(which, 0)).select(["key", "site", "docs"])
    shingles = gathered.filter(pc.equal(which, 1)).select(["key", "site", "docs"])
    return tb.counts_from_records(names, site_sizes, blocks, shingles)


class _Sketch:
    """Signatures and band keys of the counted documents, one row per band partition."""

    def __init__(self, *, flags, text_column, id_column, order_column, site_column,
                 no_sites, counts_ref, sites_ref, dropped_ref, partitions):
        self.options = _options(flags)
        self.counts = ray.get(counts_ref[0])
        self.names = ray.get(sites_ref[0])
        self.dropped = ray.get(dropped_ref[0])
        self.columns = (id_column, order_column, site_column, no_sites)
        self.text_column = text_column
        self.partitions = partitions

    def __call__(self, batch: pa.Table) -> pa.Table:
        ident = _identity(batch, *self.columns)
        keep = pc.invert(pc.is_in(ident[_ID], value_set=self.dropped))
        batch = batch.filter(keep)
        ident = {k: v.filter(keep) for k, v in ident.items()}
        sites = _site_ids(ident[_SITE], self.names)
        sketched = tb.sketch(batch.column(self.text_column), sites, self.counts, self.options)
        has = pc.is_valid(sketched.column("signature"))
        table = pa.table({
            _ID: ident[_ID], _ORDER: ident[_ORDER],
            "length": pa.array([len(t.encode("utf-8")) if isinstance(t, str) else len(t or b"")
                                for t in batch.column(self.text_column).to_pylist()],
                               pa.int64()),
            "signature": sketched.column("signature"), "bands": sketched.column("bands"),
        }).filter(has)
        bands = table.column("bands").combine_chunks().flatten().to_numpy().reshape(-1, tb.BANDS)
        parts = bands % np.uint64(self.partitions)
        doc, part = [], []
        for p in range(self.partitions):
            rows = np.nonzero((parts == p).any(axis=1))[0]
            doc.append(rows)
            part.append(np.full(len(rows), p, dtype=np.int64))
        doc_idx, part_idx = np.concatenate(doc), np.concatenate(part)
        out = table.take(pa.array(doc_idx, pa.int64()))
        return out.append_column("partition", pa.array(part_idx))


def _pairs(group: pa.Table, *, partitions: int, threshold: float, longest: bool) -> pa.Table:
    group = _in_keep_order(group, longest)
    if group.num_rows >= 2:
        partition = int(group.column("partition")[0].as_py())
        found = tb.pairs(group.column("signature"), group.column("bands"), partition,
                         partitions, threshold)
    else:
        found = pa.table({name: pa.array([], pa.uint32()) for name in ("earlier", "later", "equal")})
    # Pairs are named by document (id, order, length): positions mean nothing elsewhere.
    columns = {}
    for side, position in (("a", "earlier"), ("b", "later")):
        for name in (_ID, _ORDER, "length"):
            columns[f"{side}{name}"] = pc.take(group.column(name), found.column(position))
    columns["equal"] = found.column("equal")
    return pa.table(columns)


def _in_keep_order(table: pa.Table, longest: bool) -> pa.Table:
    keys = [(_ORDER, "ascending"), (_ID, "ascending")]
    if longest:
        table = table.append_column("__neg_length", pc.negate(table.column("length")))
        keys = [("__neg_length", "ascending")] + keys
    return table.sort_by(keys)


def _near_duplicates(pairs: pa.Table, threshold: float, longest: bool) -> pa.Table:
    """Resolve gathered pairs: (id, kept id, cluster, member) of every clustered document."""
    empty = pa.table({_ID: pa.array([], pairs.schema.field(f"a{_ID}").type
                                    if pairs.num_rows else pa.string()),
                      "cluster": pa.array([], pa.uint64()), "member": pa.array([], pa.uint32()),
                      "near_duplicate": pa.array([], pa.bool_())})
    if pairs.num_rows == 0:
        return empty
    docs = pa.concat_tables([
        pairs.select([f"{s}{_ID}", f"{s}{_ORDER}", f"{s}length"])
        .rename_columns([_ID, _ORDER, "length"]) for s in ("a", "b")
    ])
    docs = docs.group_by([_ID, _ORDER, "length"]).aggregate([])
    docs = _in_keep_order(docs, longest)
    ids = docs.column(_ID)
    earlier = pc.index_in(pairs.column(f"a{_ID}"), value_set=ids).to_numpy(zero_copy_only=False)
    later = pc.index_in(pairs.column(f"b{_ID}"), value_set=ids).to_numpy(zero_copy_only=False)
    equal = pairs.column("equal").to_numpy()
    # Each pair once, earlier first in keep order (partitions may find a pair twice).
    a, b = np.minimum(earlier, later), np.maximum(earlier, later)
    unique = np.unique(np.stack([a, b, equal]).T, axis=0)
    resolved = tb.resolve(docs.num_rows, pa.table({
        "earlier": pa.array(unique[:, 0], pa.uint32()) if len(unique) else pa.array([], pa.uint32()),
        "later": pa.array(unique[:, 1], pa.uint32()) if len(unique) else pa.array([], pa.uint32()),
        "equal": pa.array(unique[:, 2], pa.uint32()) if len(unique) else pa.array([], pa.uint32()),
    }), threshold)
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


class _Clean:
    """Cleaned texts of the documents to write; the others are left out."""

    def __init__(self, *, flags, text_column, id_column, order_column, site_column,
                 no_sites, counts_ref, sites_ref, dropped_ref):
        self.options = _options(flags)
        self.counts = ray.get(counts_ref[0])
        self.names = ray.get(sites_ref[0])
        self.dropped = ray.get(dropped_ref[0])
        self.columns = (id_column, order_column, site_column, no_sites)
        self.text_column = text_column

    def __call__(self, batch: pa.Table) -> pa.Table:
        ident = _identity(batch, *self.columns)
        keep = pc.invert(pc.is_in(ident[_ID], value_set=self.dropped))
        batch = batch.filter(keep)
        sites = _site_ids(ident[_SITE].filter(keep), self.names)
        cleaned, _fates = tb.clean(batch.column(self.text_column), sites, self.counts,
                                   self.options)
        index = batch.schema.get_field_index(self.text_column)
        field = batch.schema.field(index)
        batch = batch.set_column(index, field, pa.array(cleaned, field.type))
        return batch.filter(pc.is_valid(batch.column(self.text_column)))


def clean_dataset(
    ds: "ray.data.Dataset",
    text_column: str = "text",
    id_column: str = "id",
    site_column: Optional[str] = "site",
    *,
    order_column: Optional[str] = None,
    partitions: Optional[int] = None,
    concurrency: Optional[int] = None,
    batch_size: int = 512,
    **options: Any,
) -> "ray.data.Dataset":
    """Clean ``ds`` as ``thresh clean`` would: the same columns, the text cleaned, and the
    documents the CLI would not write (duplicates, near-duplicates, emptied, no content) left
    out. ``options`` are the CLI's flags with underscores (``min_docs=8``,
    ``classifier="off"``, ``no_dedup=True``, ``keep_pattern=[...]``); bad values raise
    ``ThreshError`` before any work starts. ``partitions`` (default: twice the cluster's CPUs,
    at least 4) is how many shuffle partitions the counts and LSH bands are split into;
    ``concurrency`` bounds the workers of the stages that hold the broadcast counts."""
    native = Options(**options)  # refuses bad settings on the driver, with the CLI's message
    settings = native.settings()
    flags = json.dumps(options, sort_keys=True)
    no_sites = bool(settings["no_sites"])
    cpus = int(ray.available_resources().get("CPU", 1)) or 1
    partitions = partitions or max(4, 2 * cpus)
    concurrency = concurrency or cpus
    columns = dict(text_column=text_column, id_column=id_column, order_column=order_column,
                   site_column=site_column, no_sites=no_sites)

    # 1. Fingerprints, without the text.
    prints = ds.map_batches(_scan, batch_format="pyarrow", batch_size=batch_size,
                            fn_kwargs=dict(flags=flags, **columns)).materialize()

    # 2. Exact duplicates: only contents held twice or more are gathered.
    repeated = _gather(prints.groupby("content").count())
    if repeated.num_rows:
        repeated = repeated.filter(pc.and_(pc.is_valid(repeated.column("content")),
                                           pc.greater_equal(repeated.column("count()"), 2)))
    duplicates: list = []
    if repeated.num_rows:
        contents = repeated.column("content").combine_chunks()
        holders = _gather(prints.map_batches(
            _holders, batch_format="pyarrow", fn_kwargs=dict(contents=contents)))
        holders = holders.sort_by([("content", "ascending"), (_ORDER, "ascending"),
                                   (_ID, "ascending")])
        previous = None
        for content, doc in zip(holders.column("content").to_pylist(),
                                holders.column(_ID).to_pylist()):
            if content == previous:
                duplicates.append(doc)
            previous = content
    id_type = prints.schema().base_schema.field(_ID).type
    dropped = pa.array(duplicates, id_type)

    # Sites: the sorted names, the empty name (no site) first; sizes of counted documents.
    names = sorted(set(prints.unique(_SITE)) | {""})
    names_array = pa.array(names, pa.string())
    sizes_table = _gather(prints.map_batches(
        _counted_sites, batch_format="pyarrow", fn_kwargs=dict(dropped=dropped)
    ).groupby(_SITE).count())
    site_sizes = np.zeros(len(names), dtype=np.uint32)
    if sizes_table.num_rows:
        for site, n in zip(sizes_table.column(_SITE).to_pylist(),
                           sizes_table.column("count()").to_pylist()):
            site_sizes[names.index(site)] = n
    sites_ref = [ray.put(names_array)]
    dropped_ref = [ray.put(dropped)]

    # 3. Block counts (near-duplicate detection needs only them).
    counts = _count(prints, sites_ref=sites_ref, clusters_ref=None, dropped_ref=dropped_ref,
                    names=names, site_sizes=site_sizes, partitions=partitions,
                    with_shingles=False)

    # 4. Near-duplicates.
    clusters = None
    if not settings["no_dedup"]:
        longest = settings["keep"] == "longest"
        bands = ds.map_batches(
            _Sketch, batch_format="pyarrow", batch_size=batch_size, concurrency=concurrency,
            fn_constructor_kwargs=dict(flags=flags, counts_ref=[ray.put(counts)],
                                       sites_ref=sites_ref, dropped_ref=dropped_ref,
                                       partitions=partitions, **columns))
        pairs = _gather(bands.groupby("partition").map_groups(
            _pairs, batch_format="pyarrow",
            fn_kwargs=dict(partitions=partitions, threshold=settings["near_dup_threshold"],
                           longest=longest)))
        if pairs.num_rows:
            clusters = _near_duplicates(pairs, settings["near_dup_threshold"], longest)
            near = clusters.filter(clusters.column("near_duplicate")).column(_ID)
            dropped = pa.concat_arrays([dropped, near.combine_chunks().cast(id_type)])

    # 5. Counts again, each cluster once, with shingles for template variants.
    clusters_ref = [ray.put(clusters)] if clusters is not None else None
    counts = _count(prints, sites_ref=sites_ref, clusters_ref=clusters_ref,
                    dropped_ref=[ray.put(pa.array(duplicates, id_type))], names=names,
                    site_sizes=site_sizes, partitions=partitions,
                    with_shingles=bool(native.matches_variants))

    # 6. Clean.
    return ds.map_batches(
        _Clean, batch_format="pyarrow", batch_size=batch_size, concurrency=concurrency,
        fn_constructor_kwargs=dict(flags=flags, counts_ref=[ray.put(counts)],
                                   sites_ref=sites_ref, dropped_ref=[ray.put(dropped)],
                                   **columns))
