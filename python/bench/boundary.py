"""What the Python boundary adds per document, on real documents of a JSONL corpus.

    python bench/boundary.py CORPUS_JSONL_FILE [N]

For N documents, in batches of 512, it times (CPU of this process, one thread):
- the native scan and clean calls on the documents (the Rust work plus the crossing);
- the same calls on N empty texts: the crossing alone (call, text extraction, packing the
  answer), since an empty text costs the Rust side next to nothing;
- the Arrow wrappers of ``thresh.batch`` on the same documents: what turning Arrow columns into
  Python lists and buffers back into Arrow arrays adds.
"""

from __future__ import annotations

import json
import sys
import time

import pyarrow as pa

import thresh
from thresh import _native
from thresh import batch as tb


def timed(f, batches) -> float:
    start = time.process_time()
    for b in batches:
        f(b)
    return time.process_time() - start


def main():
    path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) == n:
                break
    size = 512
    batches = [texts[i:i + size] for i in range(0, len(texts), size)]
    empty = [[""] * len(b) for b in batches]
    arrow = [pa.array(b, pa.string()) for b in batches]
    opts = thresh.Options()
    counts = thresh.count((("site", t) for t in texts[:2000])).freeze()
    sites = [[1] * len(b) for b in batches]
    site_bytes = [tb._u32(s) for s in sites]
    per_doc = lambda s: 1e6 * s / len(texts)  # noqa: E731
    rows = {
        "scan, native": timed(lambda b: _native.scan_batch(b, opts), batches),
        "scan, native, empty texts": timed(lambda b: _native.scan_batch(b, opts), empty),
        "scan, Arrow wrapper": timed(lambda b: tb.scan(b, opts), arrow),
        "clean, native": timed(
            lambda ib: _native.clean_batch(ib[1], site_bytes[ib[0]], counts, opts),
            list(enumerate(batches))),
        "clean, native, empty texts": timed(
            lambda ib: _native.clean_batch(ib[1], site_bytes[ib[0]], counts, opts),
            list(enumerate(empty))),
        "clean, Arrow wrapper": timed(
            lambda ib: tb.clean(ib[1], sites[ib[0]], counts, opts), list(enumerate(arrow))),
    }
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(json.dumps({"documents": len(texts), "mb": mb,
                      "us_per_document": {k: round(per_doc(v), 2) for k, v in rows.items()}},
                     indent=2))


if __name__ == "__main__":
    main()
