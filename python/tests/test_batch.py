"""Batch functions over Arrow: the same counts as the plain API, split any way."""

from __future__ import annotations

import pyarrow as pa
import pytest

import thresh
from thresh import batch as tb
from test_api import MENU, WORDS, page


def test_counts_from_partitions_equal_plain_counts():
    docs = [("a.example", page(i)) for i in range(6)] + [("b.example", page(20 + i)) for i in range(4)]
    opts = thresh.Options()
    names = ["", "a.example", "b.example"]
    texts = pa.array([t for _, t in docs])
    prints = tb.scan(texts, opts)
    assert prints.num_rows == 10 and prints.column("content").null_count == 0
    sites = [names.index(s) for s, _ in docs]
    partitions = 3
    halves = [tb.contributions(prints.column("keys").slice(a, b - a), sites[a:b], partitions)
              for a, b in ((0, 4), (4, 10))]
    contributions = pa.concat_tables(halves)
    records = pa.concat_tables([
        tb.retained(contributions.filter(pa.compute.equal(contributions.column("partition"), p)))
        for p in range(partitions)
    ])
    counts = tb.counts_from_records(names, [0, 6, 4], records)
    plain = thresh.count(docs).freeze()
    menu = thresh.fingerprint(MENU).blocks[0][2]
    assert counts.stats(menu) == plain.stats(menu) == (10, 2)
    assert counts.retained_keys == plain.retained_keys
    cleaned, fates = tb.clean(texts, sites, counts, opts)
    assert fates == ["written"] * 10
    assert cleaned == [thresh.clean(t, plain, s) for s, t in docs]


def test_missing_and_too_large_texts_have_no_content():
    prints = tb.scan(["", None, "x" * 50, "real text here\n"], thresh.Options(max_doc_bytes=20))
    assert prints.column("content").to_pylist()[:3] == [None, None, None]
    assert prints.column("content")[3].as_py() is not None
    assert prints.column("keys").to_pylist()[:3] == [[], [], []]


def test_near_duplicates_resolve_in_keep_order():
    base = " ".join(f"{WORDS[i % 30]}{WORDS[i // 30]}" for i in range(300))
    edited = base.replace(f"{WORDS[0]}{WORDS[5]}", "changed")
    other = " ".join(f"x{WORDS[i % 30]}{WORDS[i // 30]}" for i in range(300))
    opts = thresh.Options()
    counts = thresh.PartialCounts().freeze()
    lead = " ".join(base.split()[:180])
    sk = tb.sketch([base, other, edited, lead], [0, 0, 0, 0], counts, opts)
    found = pa.concat_tables([
        tb.pairs(sk.column("signature"), sk.column("bands"), p, 4, opts) for p in range(4)
    ])
    resolved = tb.resolve(sk.column("signature"), found, opts)
    assert resolved.column("kept").to_pylist() == [None, None, 0, 0]
    assert resolved.column("similarity")[2].as_py() > 0.9
    # The lead holds 60% of the base and is wholly in it.
    assert resolved.column("similarity")[3].as_py() < 0.8
    assert resolved.column("containment")[3].as_py() > 0.9
    assert resolved.column("kept_because").to_pylist() == [None, None, "first", "fuller"]


def test_malformed_buffers_raise_value_errors():
    from thresh import _native
    with pytest.raises(ValueError, match="whole number"):
        _native.retained_batch(b"123", b"", b"", b"", b"")
    with pytest.raises(ValueError, match="holds"):
        _native.retained_batch(b"\0" * 8, b"", b"", b"", b"")
    with pytest.raises(ValueError, match="offsets"):
        _native.contributions_batch((5).to_bytes(8, "little") * 2, b"", b"\0" * 4, b"\0" * 8, b"\0" * 4, 2)
    with pytest.raises(thresh.ThreshError, match="sorted"):
        tb.counts_from_records(["b", "a"], [0, 0], tb.retained(tb.contributions(pa.array([[1]], pa.large_list(pa.uint64())), [0], 1)))


def test_sites_from_urls_follow_the_command_line():
    urls = pa.array(["https://www.Example.com:8080/a?b", "http://user@news.org/x", None, "no url"])
    assert tb.sites_from_urls(urls).to_pylist() == ["example.com", "news.org", None, None]


def test_paths_run_in_the_command_lines_folder_order():
    from thresh import _flow
    paths = pa.array(["crawl/a.jsonl", "crawl/a/b.jsonl", "crawl/B.jsonl", "crawl/a-1.jsonl"])
    order = _flow.run_order(paths).to_pylist()
    ranked = [p for _, p in sorted(zip(order, paths.to_pylist()))]
    # Folder by folder, names byte by byte: the folder a/ before a.jsonl and a-1.jsonl.
    assert ranked == ["crawl/B.jsonl", "crawl/a/b.jsonl", "crawl/a-1.jsonl", "crawl/a.jsonl"]
    assert _flow.run_order(pa.array([3, 1])).to_pylist() == [3, 1]


def test_identity_takes_sites_from_urls_in_struct_columns_then_the_site_column():
    from thresh import _flow
    batch = pa.table({
        "id": ["a", "b"],
        "source": ["feed", "feed"],
        "metadata": [{"url": "https://www.a.example/x"}, {"url": None}],
    })
    ident = _flow.identity(batch, "id", None, "source", False, "metadata.url")
    assert ident[_flow.SITE].to_pylist() == ["a.example", "feed"]
    ident = _flow.identity(batch, "id", None, "source", True, "metadata.url")
    assert ident[_flow.SITE].to_pylist() == ["", ""]
