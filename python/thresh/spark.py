"""thresh on PySpark: the flow of ``thresh.ray.clean_dataset`` as DataFrame operations.

``clean_dataframe(df, ...)`` returns a DataFrame with the same columns, the text cleaned and the
documents the CLI would not write left out. The steps are those of ``thresh.ray`` (see that
module), each a function of ``thresh._flow``: fingerprints with ``mapInArrow`` (cached),
duplicates through ``groupBy("content")``, counts through ``groupBy("partition")``
+ ``applyInArrow`` (only retained records are collected, then broadcast), near-duplicates by
band partition the same way, cleaning with ``mapInArrow``. Needs Spark 4 (``applyInArrow``).

Spark has no unsigned integers: hashes travel through Spark as ``bigint`` with the same bits,
and are turned back into ``uint64`` before each step.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Optional

import pyarrow as pa
import pyarrow.compute as pc

from thresh import _flow as flow
from thresh._flow import ID, ORDER, SITE
from thresh._native import Options

# The thresh type of every column a step reads, by name.
_U64, _U32 = pa.uint64(), pa.uint32()
_TYPES = {
    "content": _U64, "keys": pa.large_list(_U64), "shingles": pa.large_list(_U64),
    "key": _U64, "cluster": _U64, "member": _U32, "site": _U32, "docs": _U32,
    "partition": _U64, "bands": pa.list_(_U64, 32), "table": pa.uint8(),
}


def _to_thresh(table: pa.Table) -> pa.Table:
    for name, typ in _TYPES.items():
        if name in table.column_names:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, pc.cast(table.column(i), typ, safe=False))
    return table


def _spark_type(typ: pa.DataType) -> pa.DataType:
    if pa.types.is_unsigned_integer(typ):
        return pa.int64()
    if pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ) or pa.types.is_list(typ):
        return pa.list_(_spark_type(typ.value_type))
    if pa.types.is_fixed_size_binary(typ):
        return pa.binary()
    return typ


def _to_spark(table: pa.Table) -> pa.Table:
    for i, field in enumerate(table.schema):
        typ = _spark_type(field.type)
        if typ != field.type:
            table = table.set_column(i, field.name, pc.cast(table.column(i), typ, safe=False))
    return table


def _batches(step: Callable[..., pa.Table], internal: bool = True, **kwargs) -> Callable:
    """A ``mapInArrow`` function running a row step on each batch; the hashes of `internal`
    rows (fingerprints, not the input) are turned back into ``uint64`` first."""
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        resolved = {k: (v.value if hasattr(v, "value") and hasattr(v, "unpersist") else v)
                    for k, v in kwargs.items()}
        if "flags" in resolved and step is not flow.scan_rows:
            resolved["options"] = flow.options_of(resolved.pop("flags"))
        for b in batches:
            table = pa.Table.from_batches([b])
            out = step(_to_thresh(table) if internal else table, **resolved)
            yield from _to_spark(out).to_batches()
    return run


def _groups(step: Callable[..., pa.Table], **kwargs) -> Callable:
    """An ``applyInArrow`` function running a group step."""
    def run(table: pa.Table) -> pa.Table:
        return _to_spark(step(_to_thresh(table), **kwargs))
    return run


def _schema(table: pa.Table):
    from pyspark.sql.pandas.types import from_arrow_schema
    return from_arrow_schema(_to_spark(table).schema)


def _collect(df) -> pa.Table:
    return _to_thresh(df.toArrow())


def clean_dataframe(
    df,
    text_column: str = "text",
    id_column: str = "id",
    site_column: Optional[str] = "site",
    *,
    order_column: Optional[str] = None,
    partitions: Optional[int] = None,
    **options: Any,
):
    """Clean a Spark DataFrame as ``thresh clean`` would (see ``thresh.ray.clean_dataset``
    for the arguments)."""
    spark = df.sparkSession
    native = Options(**options)
    settings = native.settings()
    flags = json.dumps(options, sort_keys=True)
    partitions = partitions or max(4, 2 * spark.sparkContext.defaultParallelism)
    columns = (id_column, order_column, site_column, bool(settings["no_sites"]))
    bc = spark.sparkContext.broadcast

    # Output schemas come from running each step on an empty batch of the input's schema.
    sample = pa.Table.from_batches([], schema=df.limit(0).toArrow().schema)
    prints_sample = flow.scan_rows(sample, flags=flags, text_column=text_column, columns=columns)
    prints = df.mapInArrow(
        _batches(flow.scan_rows, internal=False, flags=flags, text_column=text_column,
                 columns=columns),
        _schema(prints_sample)).cache()
    id_type = prints_sample.schema.field(ID).type

    repeated = _collect(prints.groupBy("content").count().filter("count >= 2 and content is not null"))
    duplicates: list = []
    if repeated.num_rows:
        contents = repeated.column("content").combine_chunks()
        holders = prints.mapInArrow(
            _batches(flow.holders_rows, contents=contents),
            _schema(flow.holders_rows(prints_sample, contents=contents)))
        duplicates = flow.first_copies(_collect(holders))
    dropped = pa.array(duplicates, id_type)

    names = sorted({r[0] for r in prints.select(SITE).distinct().collect()} | {""})
    per_site = _collect(prints.mapInArrow(
        _batches(flow.counted_sites_rows, dropped=dropped),
        _schema(flow.counted_sites_rows(prints_sample, dropped=dropped))
    ).groupBy(SITE).count())
    sizes = flow.site_sizes(names, per_site.column(SITE).to_pylist() if per_site.num_rows else [],
                            per_site.column("count").to_pylist() if per_site.num_rows else [])
    names_array = pa.array(names, pa.string())

    def count(clusters, with_shingles):
        kwargs = dict(names=names_array, dropped=dropped_duplicates, clusters=clusters,
                      partitions=partitions, with_shingles=with_shingles)
        contributions = prints.mapInArrow(
            _batches(flow.contributions_rows, **kwargs),
            _schema(flow.contributions_rows(prints_sample, **kwargs)))
        empty = flow.contributions_rows(prints_sample, **kwargs)
        records = contributions.groupBy("partition").applyInArrow(
            _groups(flow.retained_rows, partitions=partitions),
            _schema(flow.retained_rows(empty, partitions=partitions)))
        return flow.counts_of_records(_collect(records), names, sizes)

    dropped_duplicates = dropped
    # With shingles when template variants are matched: signatures cover what decisions keep.
    counts = count(None, bool(native.matches_variants))

    clusters = None
    if not settings["no_dedup"]:
        longest = settings["keep"] == "longest"
        kwargs = dict(counts=bc(counts), names=names_array, dropped=dropped, columns=columns,
                      text_column=text_column, partitions=partitions)
        band_sample = flow.sketch_rows(sample, options=native, counts=counts, names=names_array,
                                       dropped=dropped, columns=columns,
                                       text_column=text_column, partitions=partitions)
        bands = df.mapInArrow(_batches(flow.sketch_rows, internal=False, flags=flags, **kwargs),
                              _schema(band_sample))
        pairs_kwargs = dict(partitions=partitions, flags=flags, longest=longest)
        pairs = _collect(bands.groupBy("partition").applyInArrow(
            _groups(flow.pairs_rows, **pairs_kwargs),
            _schema(flow.pairs_rows(band_sample, **pairs_kwargs))))
        if pairs.num_rows:
            clusters = flow.near_duplicates(pairs, flags, longest)
            near = clusters.filter(clusters.column("near_duplicate")).column(ID)
            dropped = pa.concat_arrays([dropped, near.combine_chunks().cast(id_type)])

    counts = count(clusters, bool(native.matches_variants))
    kwargs = dict(counts=bc(counts), names=names_array, dropped=dropped, columns=columns,
                  text_column=text_column)
    return df.mapInArrow(_batches(flow.clean_rows, internal=False, flags=flags, **kwargs),
                         df.schema)
