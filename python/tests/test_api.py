"""The plain-value API: options, fingerprints, mergeable counts, decisions, bad input."""

from __future__ import annotations

import pickle
import tempfile
import threading
from pathlib import Path

import pytest

import thresh
from conftest import FIXTURES, cli_clean_texts, run_cli, text_documents

MENU = "Home | News | Sport | Weather\n"
FOOTER = "© 2024 Example News. All rights reserved\n"


WORDS = ("alder birch cedar damson elder fir gorse hazel ivy juniper kale larch maple nettle "
         "oak pine quince rowan sorrel thyme umber vetch willow yew zinnia aster bramble clover "
         "daisy fennel").split()


def page(i: int) -> str:
    """A page of site chrome around words of its own (numbers normalise to 0, so pages differ
    by words)."""
    a, b = WORDS[i % len(WORDS)], WORDS[(3 * i + 1) % len(WORDS)]
    return (
        MENU
        + f"The story of the {a} grove tells how the harbour wall by the {b} field was mended.\n"
        + f"A second paragraph about {b} and {a} with nothing else that repeats anywhere.\n"
        + FOOTER.replace("2024", str(2000 + i))
    )


def test_defaults_are_the_command_lines():
    s = thresh.Options().settings()
    assert s["min_docs"] == 5 and s["min_site_share"] == 0.05 and s["classifier"] == "default"
    assert s["near_dup_threshold"] == 0.5 and s["near_dup_containment"] == 0.8
    assert s["keep"] == "first" and s["unit"] == "auto"
    assert thresh.Options(min_docs=8, no_sites=True).settings()["min_docs"] == 8
    assert s["keep_comments"] is False
    assert thresh.Options(keep_comments=True).settings()["keep_comments"] is True


@pytest.mark.parametrize(
    "flags, cli_flags",
    [
        ({"min_docs": 1}, ["--min-docs", "1"]),
        ({"min_site_share": 0.0}, ["--min-site-share", "0"]),
        ({"near_dup_threshold": 1.5}, ["--near-dup-threshold", "1.5"]),
        ({"variant_lift": 0.5}, ["--variant-lift", "0.5"]),
        ({"keep_pattern": ["("]}, ["--keep-pattern", "("]),
    ],
)
def test_bad_settings_raise_the_command_lines_message(flags, cli_flags, thresh_cli):
    with pytest.raises(thresh.ThreshError) as caught:
        thresh.Options(**flags)
    assert isinstance(caught.value, ValueError)
    with tempfile.TemporaryDirectory() as d:
        done = run_cli(thresh_cli, "clean", str(FIXTURES / "scraped"), "-o", f"{d}/o", *cli_flags)
    assert done.returncode == 2
    assert done.stderr.strip() == f"thresh: {caught.value}"


def test_bad_choices_and_types_raise_not_abort():
    with pytest.raises(thresh.ThreshError, match="possible values: auto, line, paragraph"):
        thresh.Options(unit="sentence")
    with pytest.raises(thresh.ThreshError, match="--classifier"):
        thresh.Options(classifier="strong")
    with pytest.raises(TypeError):
        thresh.Options(min_docs="five")
    with pytest.raises(OverflowError):
        thresh.Options(min_docs=-1)
    with pytest.raises(TypeError):
        thresh.Options(mindocs=3)
    with pytest.raises(TypeError):
        thresh.fingerprint(42)
    with pytest.raises(TypeError):
        thresh.fingerprint(None)
    counts = thresh.PartialCounts().freeze()
    with pytest.raises(TypeError):
        thresh.decide(["not", "text"], counts)
    with pytest.raises(thresh.ThreshError, match="document size limit"):
        thresh.decide("x" * 100, counts, options=thresh.Options(max_doc_bytes=10))


def test_fingerprint_blocks_keys_and_content():
    a = thresh.fingerprint("© 2023 News. All rights reserved\nBody text here.\n")
    b = thresh.fingerprint("© 2023 News - all rights reserved.\nbody   text here\n")
    assert a.content == b.content and a.raw != b.raw
    # Block keys fold numbers; whole documents with other figures are other documents.
    c = thresh.fingerprint("© 2024 News. All rights reserved\nBody text here.\n")
    assert a.content != c.content and a.blocks[0][2] == c.blocks[0][2]
    assert a.unit == "line" and len(a) == 2
    (s0, e0, k0, w0), (s1, e1, k1, w1) = a.blocks
    assert (s0, e1) == (0, len("© 2023 News. All rights reserved\nBody text here.\n".encode()))
    assert a.keys() == sorted({k0, k1})
    assert thresh.fingerprint("* * *\n").content is None
    assert thresh.fingerprint(b"bytes work too\n").content is not None


def test_minhash_is_none_for_short_text_and_128_bins_otherwise():
    assert thresh.minhash("a few words only") is None
    words = " ".join(f"{WORDS[i % 30]}{WORDS[i // 30]}" for i in range(200))
    sig = thresh.minhash(words)
    assert sig is not None and len(sig) == 128
    assert sig == thresh.minhash(words)


def test_partial_counts_merge_pickle_and_freeze():
    docs = [("a.example", page(i)) for i in range(6)] + [("b.example", page(10 + i)) for i in range(3)]
    whole = thresh.count(docs)
    left = thresh.count(docs[::2])
    right = thresh.count(docs[1::2])
    merged = right.merge(left)
    assert merged.documents == whole.documents == 9
    again = pickle.loads(pickle.dumps(merged))
    counts = again.freeze()
    menu = thresh.fingerprint(MENU).blocks[0][2]
    assert counts.stats(menu) == (9, 2)
    assert counts.site_documents(menu, "a.example") == 6
    assert counts.site_size("b.example") == 3 and counts.site_size("nowhere") == 0
    assert counts.sites == ["", "a.example", "b.example"]
    frozen_again = pickle.loads(pickle.dumps(counts))
    assert frozen_again.stats(menu) == counts.stats(menu)
    assert frozen_again.retained_keys == counts.retained_keys > 0


def test_decide_removes_chrome_keeps_content_byte_for_byte():
    docs = [("a.example", page(i)) for i in range(8)]
    counts = thresh.count(docs).freeze()
    d = thresh.decide(page(3), counts, "a.example")
    assert d.fate == "written"
    assert [r.kind for r in d.removals] == ["boilerplate", "boilerplate"]
    assert d.text == "".join(page(3).splitlines(keepends=True)[1:3])
    assert thresh.clean(page(3).encode(), counts, "a.example") == d.text.encode()
    assert "- Home | News" in thresh.explain(page(3), counts, "a.example")
    assert thresh.decide("\n\n", counts).fate == "no_content"


def test_plain_api_cleans_the_example_corpus_like_the_cli(thresh_cli):
    """Without near-duplicate detection (which needs the whole flow of thresh.ray)."""
    rows = text_documents(FIXTURES / "scraped")
    counts = thresh.count((r["site"], r["text"]) for r in rows).freeze()
    with tempfile.TemporaryDirectory() as d:
        want = cli_clean_texts(thresh_cli, FIXTURES / "scraped", Path(d) / "o", "--no-dedup")
    seen, got = set(), {}
    for r in rows:
        content = thresh.fingerprint(r["text"]).content
        if content in seen:
            continue
        seen.add(content)
        text = thresh.clean(r["text"], counts, r["site"])
        if text is not None:
            got[r["id"]] = text
    assert got == want


def test_heavy_calls_run_in_threads():
    """Calls from several threads give the same answers (the GIL is released inside)."""
    counts = thresh.count([("a.example", page(i)) for i in range(8)]).freeze()
    results = [None] * 8

    def work(i):
        results[i] = thresh.clean(page(i) * 200, counts, "a.example")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [thresh.clean(page(i) * 200, counts, "a.example") for i in range(8)]
