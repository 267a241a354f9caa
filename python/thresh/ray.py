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

Run order (which copy of a duplicate is first) is the order of ``order_column`` (one column,
or several compared in turn) then of the id; ids must be unique. A text column holding file
paths sorts as the command line walks folders. ``read_jsonl`` reads a folder of JSONL files
(plain, gzip, zstd) with each record's ``path`` and ``line``: ``order_column=["path", "line"]``
is then exactly the command line's order, and the same copies are kept. ``ray.data.read_json``
gives the ``path`` (``include_paths=True``) but no line: with ``order_column="path"`` records
of one file run by id, the command line's order whenever ids increase down each file. ``site_column=None``
(or ``no_sites=True``) gives every document no site; ``url_column`` names sites by the host of
a URL column, as the command line does by default (``metadata.url``: a dotted path reaches
into a struct column), falling back to ``site_column``.

The dataset may be read lazily (``ray.data.read_json`` of a folder, not materialised): it is
read three times (fingerprints, signatures, cleaning), and the two stages that hold the
broadcast counts in actors leave CPUs to the read tasks feeding them (an actor pool holding
every CPU would starve its own input). Materialise it first when its source is costly to read.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from typing import Any, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json  # noqa: F401  (pa.json)

from thresh import _flow as flow
from thresh._flow import ID, ORDER, SITE
from thresh._native import Options

try:
    import ray
    import ray.data
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("thresh.ray needs Ray Data: pip install 'ray[data]'") from e

_shared: dict[str, Any] = {}


def _get(ref_box: Optional[list]) -> Any:
    """A broadcast object (an object reference in a list, so that Ray passes the reference
    itself), fetched once per worker process."""
    if ref_box is None:
        return None
    ref = ref_box[0]
    key = ref.hex()
    if key not in _shared:
        if len(_shared) >= 8:
            _shared.clear()
        _shared[key] = ray.get(ref)
    return _shared[key]


def _contributions(batch: pa.Table, *, sites_ref, clusters_ref, dropped_ref, partitions,
                   with_shingles) -> pa.Table:
    return flow.contributions_rows(batch, names=_get(sites_ref), dropped=_get(dropped_ref),
                                   clusters=_get(clusters_ref), partitions=partitions,
                                   with_shingles=with_shingles)


def _gather(ds: "ray.data.Dataset") -> pa.Table:
    """Bring a (small) dataset to the driver."""
    tables = [t for t in ray.get(ds.to_arrow_refs()) if t.num_rows]
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="default")


def _count(prints, *, sites_ref, clusters_ref, dropped_ref, names, sizes, partitions,
           with_shingles):
    """Steps 3 and 5: contributions per batch, shuffled by partition, reduced per partition;
    only the retained records come back."""
    records = (
        prints.map_batches(_contributions, batch_format="pyarrow", fn_kwargs=dict(
            sites_ref=sites_ref, clusters_ref=clusters_ref, dropped_ref=dropped_ref,
            partitions=partitions, with_shingles=with_shingles))
        .groupby("partition")
        .map_groups(flow.retained_rows, batch_format="pyarrow",
                    fn_kwargs=dict(partitions=partitions))
    )
    return flow.counts_of_records(_gather(records), names, sizes)


class _Broadcast:
    """An actor holding the broadcast counts for a row function of ``thresh._flow``."""

    def __init__(self, *, step, flags, counts_ref, sites_ref, dropped_ref, **kwargs):
        self.step = step
        self.kwargs = dict(kwargs, options=flow.options_of(flags), counts=_get(counts_ref),
                           names=_get(sites_ref), dropped=_get(dropped_ref))

    def __call__(self, batch: pa.Table) -> pa.Table:
        return self.step(batch, **self.kwargs)


def _jsonl_name(path: str) -> bool:
    """Whether a file is a JSONL file by its name, as the command line tells them (hidden
    files left out, as it skips them)."""
    name = os.path.basename(path)
    return not name.startswith(".") and name.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst"))


def _records(batch: pa.Table) -> pa.Table:
    """The records of the JSONL files in a batch of ``read_binary_files`` rows, each with its
    file's ``path`` and its place in the file (``line``, from 1). Lines that are not JSON
    objects are left out, as the command line leaves them out (it also reports them)."""
    tables = []
    for data, path in zip(batch.column("bytes").to_pylist(), batch.column("path").to_pylist()):
        if not _jsonl_name(path):
            continue
        # By the data's first bytes: Ray may have decompressed the file already (it infers
        # gzip from the name), and the command line also tells by content.
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)  # every member
        elif data[:4] == b"\x28\xb5\x2f\xfd":
            data = pa.input_stream(pa.BufferReader(data), compression="zstd").read()
        try:
            table = pa.json.read_json(io.BytesIO(data))
        except pa.ArrowInvalid:
            rows = []
            for line in data.splitlines():
                try:
                    value = json.loads(line)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    rows.append(value)
            table = (pa.Table.from_struct_array(pa.array(rows)) if rows
                     else pa.table({}))
        n = table.num_rows
        table = table.append_column("path", pa.array([path] * n, pa.string()))
        tables.append(table.append_column("line", pa.array(range(1, n + 1), pa.int64())))
    if not tables:
        return pa.table({"path": pa.array([], pa.string()), "line": pa.array([], pa.int64())})
    return pa.concat_tables(tables, promote_options="permissive")


def read_jsonl(paths: Union[str, Sequence[str]], **read_args: Any) -> "ray.data.Dataset":
    """A folder (or files) of JSONL records, plain, gzip (``.jsonl.gz``) or zstd
    (``.jsonl.zst``), read lazily: one row per record with its fields, its file's ``path`` and
    its ``line`` (place in the file, from 1). ``clean_dataset(ds, order_column=["path",
    "line"])`` then runs the documents in the command line's order. Each file is read whole by
    one task (as ``read_json`` reads it); ``read_args`` go to ``ray.data.read_binary_files``."""
    files = ray.data.read_binary_files(paths, include_paths=True, **read_args)
    return files.map_batches(_records, batch_format="pyarrow", batch_size=1)


def actor_resources(cpus: float, concurrency: Optional[int] = None) -> tuple[int, float]:
    """How many actors hold the broadcast counts, and the CPUs each asks for: together all
    but an eighth of the cluster's CPUs (at least one CPU, or half of a single one), which
    stay free for the tasks that read the input and feed the actors."""
    reserved = max(1.0, cpus / 8) if cpus >= 2 else cpus / 2
    size = concurrency or max(1, int(cpus))
    return size, max(cpus - reserved, 0.01) / size


def clean_dataset(
    ds: "ray.data.Dataset",
    text_column: str = "text",
    id_column: str = "id",
    site_column: Optional[str] = "site",
    *,
    order_column: Union[str, Sequence[str], None] = None,
    url_column: Optional[str] = None,
    partitions: Optional[int] = None,
    concurrency: Optional[int] = None,
    batch_size: int = 512,
    **options: Any,
) -> "ray.data.Dataset":
    """Clean ``ds`` as ``thresh clean`` would: the same columns, the text cleaned, and the
    documents the CLI would not write (duplicates, near-duplicates, emptied, no content) left
    out. ``options`` are the CLI's flags with underscores (``min_docs=8``,
    ``classifier="off"``, ``no_dedup=True``, ``keep_pattern=[...]``); bad values raise
    ``ThreshError`` before any work starts. ``order_column`` and ``url_column``: see the
    module's documentation. ``partitions`` (default: twice the cluster's CPUs, at least 4) is
    how many shuffle partitions the counts and LSH bands are split into; ``concurrency``
    (default: the cluster's CPUs) is how many actors hold the broadcast counts in the
    signature and cleaning stages, sharing all but an eighth of the CPUs."""
    native = Options(**options)  # refuses bad settings on the driver, with the CLI's message
    settings = native.settings()
    flags = json.dumps(options, sort_keys=True)
    cpus = float(ray.cluster_resources().get("CPU", 1)) or 1.0
    partitions = partitions or max(4, 2 * int(cpus))
    concurrency, actor_cpus = actor_resources(cpus, concurrency)
    if order_column is not None and not isinstance(order_column, str):
        order_column = tuple(order_column)
    columns = (id_column, order_column, site_column, bool(settings["no_sites"]), url_column)

    # 1. Fingerprints, without the text.
    prints = ds.map_batches(flow.scan_rows, batch_format="pyarrow", batch_size=batch_size,
                            fn_kwargs=dict(flags=flags, text_column=text_column,
                                           columns=columns)).materialize()
    id_type = prints.schema().base_schema.field(ID).type

    # 2. Exact duplicates: only the documents whose content is held twice or more come back.
    repeated = _gather(prints.groupby("content").count())
    duplicates: list = []
    if repeated.num_rows:
        repeated = repeated.filter(pc.and_(pc.is_valid(repeated.column("content")),
                                           pc.greater_equal(repeated.column("count()"), 2)))
        if repeated.num_rows:
            contents = repeated.column("content").combine_chunks()
            duplicates = flow.first_copies(_gather(prints.map_batches(
                flow.holders_rows, batch_format="pyarrow", fn_kwargs=dict(contents=contents))))
    dropped = pa.array(duplicates, id_type)

    # Sites: sorted names, the empty name (no site) first; counted documents per site.
    names = sorted(set(prints.unique(SITE)) | {""})
    per_site = _gather(prints.map_batches(flow.counted_sites_rows, batch_format="pyarrow",
                                          fn_kwargs=dict(dropped=dropped)).groupby(SITE).count())
    sizes = flow.site_sizes(names, per_site.column(SITE).to_pylist() if per_site.num_rows else [],
                            per_site.column("count()").to_pylist() if per_site.num_rows else [])
    sites_ref = [ray.put(pa.array(names, pa.string()))]
    duplicates_ref = [ray.put(dropped)]

    # 3. Counts, with shingles when template variants are matched: near-duplicate signatures
    # cover what the decisions keep.
    counts = _count(prints, sites_ref=sites_ref, clusters_ref=None, dropped_ref=duplicates_ref,
                    names=names, sizes=sizes, partitions=partitions,
                    with_shingles=bool(native.matches_variants))

    # 4. Near-duplicates: band rows shuffled by partition, pairs verified there, resolved here.
    clusters = None
    if not settings["no_dedup"]:
        longest = settings["keep"] == "longest"
        bands = ds.map_batches(
            _Broadcast, batch_format="pyarrow", batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=concurrency), num_cpus=actor_cpus,
            fn_constructor_kwargs=dict(
                step=flow.sketch_rows, flags=flags, counts_ref=[ray.put(counts)],
                sites_ref=sites_ref, dropped_ref=duplicates_ref, columns=columns,
                text_column=text_column, partitions=partitions))
        pairs = _gather(bands.groupby("partition").map_groups(
            flow.pairs_rows, batch_format="pyarrow",
            fn_kwargs=dict(partitions=partitions, flags=flags, longest=longest)))
        if pairs.num_rows:
            clusters = flow.near_duplicates(pairs, flags, longest)
            near = clusters.filter(clusters.column("near_duplicate")).column(ID)
            dropped = pa.concat_arrays([dropped, near.combine_chunks().cast(id_type)])

    # 5. Counts again, each cluster once, with shingles for template variants.
    counts = _count(prints, sites_ref=sites_ref,
                    clusters_ref=[ray.put(clusters)] if clusters is not None else None,
                    dropped_ref=duplicates_ref, names=names, sizes=sizes,
                    partitions=partitions, with_shingles=bool(native.matches_variants))

    # 6. Clean.
    return ds.map_batches(
        _Broadcast, batch_format="pyarrow", batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=concurrency), num_cpus=actor_cpus,
        fn_constructor_kwargs=dict(
            step=flow.clean_rows, flags=flags, counts_ref=[ray.put(counts)],
            sites_ref=sites_ref, dropped_ref=[ray.put(dropped)], columns=columns,
            text_column=text_column))
