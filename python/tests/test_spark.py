"""The PySpark recipe in local[2] mode: the same cleaned texts as the CLI."""

from __future__ import annotations

import os
import shutil
import sys

import tempfile
from pathlib import Path

import pytest

pyspark = pytest.importorskip("pyspark")
# Spark needs a Java runtime: without one the test is skipped with a note, unless
# THRESH_REQUIRE_JAVA=1 (set by .ci/run, which installs one) makes its absence a failure.
if shutil.which("java") is None and os.environ.get("THRESH_REQUIRE_JAVA") != "1":
    pytest.skip("no java on PATH: the Spark test needs a Java 17+ runtime",
                allow_module_level=True)
from pyspark.sql import SparkSession  # noqa: E402

import thresh.spark  # noqa: E402
from conftest import FIXTURES, cli_clean_jsonl, jsonl_documents  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    # Spark's Python workers run `python3` from PATH unless told: use this interpreter, which
    # has thresh installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("thresh-test")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_cleans_the_jsonl_fixtures_like_the_cli(spark, thresh_cli):
    corpus = FIXTURES / "dolma" / "documents"
    rows = jsonl_documents(corpus)
    with tempfile.TemporaryDirectory() as d:
        want = cli_clean_jsonl(thresh_cli, corpus, Path(d) / "o")
    df = spark.createDataFrame(rows, "id string, site string, text string, order long")
    out = thresh.spark.clean_dataframe(df, order_column="order")
    assert out.columns == df.columns
    got = {r["id"]: r["text"] for r in out.collect()}
    assert len(got) < len(rows)
    assert got == want
