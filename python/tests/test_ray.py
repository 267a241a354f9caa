"""thresh.ray on a local Ray cluster: the same cleaned texts as the CLI."""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
import ray.data  # noqa: E402

import thresh  # noqa: E402
import thresh.ray  # noqa: E402
from conftest import (  # noqa: E402
    FIXTURES,
    cli_clean_jsonl,
    cli_clean_texts,
    jsonl_documents,
    text_documents,
    write_jsonl_shards,
)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def cleaned_by_ray(rows, **flags):
    ds = ray.data.from_items(rows, override_num_blocks=3)
    out = thresh.ray.clean_dataset(ds, order_column="order", **flags)
    result = out.take_all()
    assert all(set(r) == {"id", "site", "text", "order"} for r in result)
    return {r["id"]: r["text"] for r in result}


def test_ray_cleans_the_example_corpus_like_the_cli(local_ray, thresh_cli):
    rows = text_documents(FIXTURES / "scraped")
    with tempfile.TemporaryDirectory() as d:
        want = cli_clean_texts(thresh_cli, FIXTURES / "scraped", Path(d) / "o")
    got = cleaned_by_ray(rows)
    assert len(got) < len(rows)  # duplicates, near-duplicates and the empty page left out
    assert got == want


def test_ray_with_flags_and_keep_longest_like_the_cli(local_ray, thresh_cli):
    rows = text_documents(FIXTURES / "scraped")
    with tempfile.TemporaryDirectory() as d:
        want = cli_clean_texts(thresh_cli, FIXTURES / "scraped", Path(d) / "o",
                               "--keep", "longest", "--min-docs", "3", "--classifier", "off")
    assert cleaned_by_ray(rows, keep="longest", min_docs=3, classifier="off") == want


def test_ray_cleans_the_jsonl_fixtures_like_the_cli(local_ray, thresh_cli):
    corpus = FIXTURES / "dolma" / "documents"
    rows = jsonl_documents(corpus)
    with tempfile.TemporaryDirectory() as d:
        want = cli_clean_jsonl(thresh_cli, corpus, Path(d) / "o")
    got = cleaned_by_ray(rows)
    assert got == want and len(got) > 20


def test_ray_cleans_the_classifier_corpus_like_the_cli(local_ray, thresh_cli):
    corpus = FIXTURES / "classifier" / "scraped"
    with tempfile.TemporaryDirectory() as d:
        want = cli_clean_texts(thresh_cli, corpus, Path(d) / "o", "--classifier", "aggressive")
    assert cleaned_by_ray(text_documents(corpus), classifier="aggressive") == want


def test_ray_refuses_bad_flags_before_running(local_ray):
    ds = ray.data.from_items([{"id": "a", "site": "", "text": "x"}])
    with pytest.raises(thresh.ThreshError, match="--min-docs must be at least 2"):
        thresh.ray.clean_dataset(ds, min_docs=1)


class _Deadline(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail instead of hanging: a recipe whose actors take every CPU starves a lazy read and
    never finishes."""
    def expired(signum, frame):
        raise _Deadline(f"did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_ray_reads_a_folder_of_jsonl_files_lazily_like_the_cli(local_ray, thresh_cli, tmp_path):
    """The recipe as users run it: a folder of JSONL shards read lazily (not materialised),
    each record's file and line as the run order, sites from the records' URLs: the same
    copies kept as by ``thresh clean`` on the folder, though ids do not increase down every
    file (a copy whose id sorts first is left out)."""
    crawl = write_jsonl_shards(tmp_path / "crawl")
    want = cli_clean_jsonl(thresh_cli, crawl, tmp_path / "cli")
    assert not any(i.startswith("000-copy-of-") for i in want)
    with deadline(600):
        ds = thresh.ray.read_jsonl(str(crawl))
        cleaned = thresh.ray.clean_dataset(ds, order_column=["path", "line"],
                                           url_column="metadata.url", site_column="source")
        rows = cleaned.take_all()
    assert {"id", "text", "source", "metadata", "path", "line"} <= set(rows[0])
    got = {r["id"]: r["text"] for r in rows}
    assert len(got) > 20
    assert got == want


def test_ray_data_read_json_of_a_folder_runs_by_file_then_id(local_ray, thresh_cli, tmp_path):
    """``ray.data.read_json`` of a folder, lazily, ``order_column="path"``: files in the
    command line's order, records of a file by id. On shards whose ids increase down each
    file (each shard sorted by id here) that is the command line's order, and the same
    copies are kept."""
    crawl = write_jsonl_shards(tmp_path / "crawl", sort_by_id=True)
    want = cli_clean_jsonl(thresh_cli, crawl, tmp_path / "cli")
    with deadline(600):
        ds = ray.data.read_json(str(crawl), include_paths=True)
        cleaned = thresh.ray.clean_dataset(ds, order_column="path",
                                           url_column="metadata.url", site_column="source")
        got = {r["id"]: r["text"] for r in cleaned.take_all()}
    assert len(got) > 20
    assert got == want


def test_actors_leave_cpus_to_the_read():
    for cpus in (1, 2, 3, 8, 64):
        size, each = thresh.ray.actor_resources(cpus)
        assert size >= 1 and size * each <= cpus - min(1, cpus / 2) + 1e-9, (cpus, size, each)
    assert thresh.ray.actor_resources(2) == (2, 0.5)
    assert thresh.ray.actor_resources(16, 4) == (4, 3.5)
