"""The PySpark recipe in local[2] mode: the same cleaned texts as the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
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

import thresh.spark  # noqa: E402
from conftest import (  # noqa: E402
    REPO,
    FIXTURES,
    cli_clean_jsonl,
    jsonl_documents,
    write_jsonl_shards,
)


@pytest.fixture(scope="module")
def spark():
    # Spark's Python workers run `python3` from PATH unless told: use this interpreter, which
    # has thresh installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = thresh.spark.local_session(2, "thresh-test")
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


def test_spark_reads_a_folder_of_jsonl_shards_like_the_cli(spark, thresh_cli, tmp_path):
    """The recipe as users run it: ``spark.read.json`` of a folder (``read_jsonl`` adds the
    file, split and row), sites from the records' URLs; the same copies kept as by ``thresh
    clean``, though ids do not increase down every file."""
    crawl = write_jsonl_shards(tmp_path / "crawl")
    want = cli_clean_jsonl(thresh_cli, crawl, tmp_path / "cli")
    df = thresh.spark.read_jsonl(spark, str(crawl))
    out = thresh.spark.clean_dataframe(df, order_column=thresh.spark.FILE_ORDER,
                                       url_column="metadata.url", site_column="source")
    got = {r["id"]: r["text"] for r in out.collect()}
    assert len(got) > 20
    assert got == want


# What the recipe prints at its normal end; nothing else may reach the console but Java's
# start-up notice of the modules Spark 4 enables, which no setting reaches.
RECIPE = """
import thresh.spark
spark = thresh.spark.local_session(2)
df = thresh.spark.read_jsonl(spark, {crawl!r})
cleaned = thresh.spark.clean_dataframe(df, order_column=thresh.spark.FILE_ORDER,
                                       url_column="metadata.url", site_column="source")
cleaned.drop(*thresh.spark.FILE_ORDER).write.mode("overwrite").json({out!r})
print(spark.read.json({out!r}).count(), "documents written")
spark.stop()
"""


def test_the_recipe_prints_no_warning_or_stack_trace(tmp_path):
    crawl = write_jsonl_shards(tmp_path / "crawl")
    script = RECIPE.format(crawl=str(crawl), out=str(tmp_path / "clean"))
    env = {k: v for k, v in os.environ.items() if k != "PYSPARK_PYTHON"}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("documents written"), done.stdout
    noise = [line for line in done.stderr.splitlines()
             if line.strip() and not line.startswith("WARNING: Using incubator modules")]
    assert noise == [], "\n".join(noise)
