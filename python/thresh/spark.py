"""thresh on PySpark: the flow of ``thresh.ray.clean_dataset`` as DataFrame operations.

``clean_dataframe(df, ...)`` returns a DataFrame with the same columns, the text cleaned and the
documents the CLI would not write left out. The steps are those of ``thresh.ray`` (see that
module), each a function of ``thresh._flow``: fingerprints with ``mapInArrow`` (cached),
duplicates through ``groupBy("content")``, counts through ``groupBy("partition")``
+ ``applyInArrow`` (only retained records are collected, then broadcast), near-duplicates by
band partition the same way, cleaning with ``mapInArrow``. Needs Spark 4 (``applyInArrow``).
``read_jsonl`` reads a folder of JSONL files with the columns that give the command line's
run order.

Spark has no unsigned integers: hashes travel through Spark as ``bigint`` with the same bits,
and are turned back into ``uint64`` before each step.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Optional, Sequence, Union

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


_QUIET_LOG4J = """\
# thresh.spark.local_session: errors only on the console. Spark's own loggers are set
# (not only the root) so that it takes ERROR as a Python session's level and does not
# announce a default of its own.
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
logger.org.name = org
logger.org.level = error
logger.io.name = io
logger.io.level = error
logger.com.name = com
logger.com.level = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


def local_session(cores: int = 2, app_name: str = "thresh",
                  config: Optional[dict] = None):
    """A local Spark session for ``clean_dataframe`` whose console shows results and errors
    only: Spark's log at ERROR (no startup warnings), no progress bars, no web UI, and the
    executors running this Python (which has thresh installed) unless ``PYSPARK_PYTHON``
    says otherwise. ``config`` adds Spark settings (``{"spark.driver.memory": "8g"}``). Java's own
    start-up notice of the modules Spark 4 enables (``Using incubator modules``) is printed
    before any setting applies."""
    import os
    import sys
    import tempfile
    from pyspark.sql import SparkSession
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    log4j = os.path.join(tempfile.gettempdir(), "thresh-spark-log4j2.properties")
    with open(log4j, "w", encoding="utf-8") as f:
        f.write(_QUIET_LOG4J)
    builder = (SparkSession.builder.master(f"local[{cores}]").appName(app_name)
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", str(max(4, 2 * cores))))
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


#: The columns ``read_jsonl`` adds, in the order they decide the run order: the file, the
#: split of the file (a large plain file is read in several), the row within the split.
FILE_ORDER = ("path", "offset", "row")


def read_jsonl(spark, path: str, **options: Any):
    """``spark.read.json(path)`` (a folder or files of JSONL records, plain or gzip), with the
    columns of the command line's run order added (``FILE_ORDER``): the file's ``path``,
    the ``offset`` where Spark's split of it starts, and ``row``, which grows down the split.
    ``clean_dataframe(df, order_column=FILE_ORDER)`` then keeps the copies the command line
    keeps."""
    from pyspark.sql import functions as F
    return spark.read.json(path, **options).select(
        "*", F.input_file_name().alias("path"), F.input_file_block_start().alias("offset"),
        F.monotonically_increasing_id().alias("row"))


def clean_dataframe(
    df,
    text_column: str = "text",
    id_column: str = "id",
    site_column: Optional[str] = "site",
    *,
    order_column: Union[str, Sequence[str], None] = None,
    url_column: Optional[str] = None,
    partitions: Optional[int] = None,
    **options: Any,
):
    """Clean a Spark DataFrame as ``thresh clean`` would (see ``thresh.ray.clean_dataset``
    for the arguments). ``read_jsonl`` reads a folder of JSONL files with the columns of the
    command line's run order: ``order_column=FILE_ORDER``."""
    spark = df.sparkSession
    native = Options(**options)
    settings = native.settings()
    flags = json.dumps(options, sort_keys=True)
    partitions = partitions or max(4, 2 * spark.sparkContext.defaultParallelism)
    if order_column is not None and not isinstance(order_column, str):
        order_column = tuple(order_column)
    columns = (id_column, order_column, site_column, bool(settings["no_sites"]), url_column)
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
