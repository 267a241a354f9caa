"""thresh.ray on a local Ray cluster: the same cleaned texts as the CLI."""

from __future__ import annotations

import shutil
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
