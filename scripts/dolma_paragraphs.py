#!/usr/bin/env python3
"""Run dolma's paragraph deduplication and its mixer on a folder of JSONL files.

    dolma_paragraphs.py DOCUMENTS_DIR WORKERS SCRATCH_DIR

DOCUMENTS_DIR holds *.jsonl, *.jsonl.gz or *.jsonl.zst files with "id" and "text" fields. The
run is what `dolma dedupe` followed by `dolma mix` would do: paragraphs are the text's lines,
each paragraph already seen (exact bytes, a Bloom filter sized for 30 paragraphs a document at
a 1e-4 false-positive rate) is marked, and the mixer cuts the marked spans out, writing one
output file per input in the input's compression. It calls dolma's Rust entry points directly:
importing the `dolma` Python package tries to download NLTK data, which stalls without network.
Used by scripts/bench.sh for a side-by-side comparison; needs `pip install dolma`.
"""
import glob
import importlib.machinery
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
import time
from pathlib import Path


def dolma_core():
    purelib = sysconfig.get_paths()["purelib"]
    found = glob.glob(os.path.join(purelib, "dolma", "dolma.*.so"))
    if not found:
        sys.exit("dolma is not installed in this Python environment (pip install dolma)")
    loader = importlib.machinery.ExtensionFileLoader("dolma", found[0])
    spec = importlib.util.spec_from_file_location("dolma", found[0], loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, workers, scratch = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    files = sorted(p for p in source.iterdir() if ".jsonl" in p.name)
    if not files:
        sys.exit(f"{source}: no JSONL files")
    suffix = files[0].name[files[0].name.index(".jsonl"):]
    compression = {".jsonl": "", ".jsonl.gz": "gz", ".jsonl.zst": "zst"}[suffix]
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    shutil.rmtree(scratch, ignore_errors=True)
    # dolma expects documents/ and writes attributes/ beside it.
    (scratch / "documents").mkdir(parents=True)
    documents = 0
    for f in files:
        os.symlink(f.resolve(), scratch / "documents" / f.name)
    for f in files:
        if compression == "":
            with open(f, "rb") as handle:
                documents += sum(1 for _ in handle)
    documents = documents or 100_000 * len(files)
    for work in ("dedupe-in", "dedupe-out", "mix-in", "mix-out"):
        (scratch / work).mkdir()
    dedupe = {
        "documents": [f"{scratch}/documents/*{suffix}"],
        "work_dir": {"input": f"{scratch}/dedupe-in", "output": f"{scratch}/dedupe-out"},
        "dedupe": {
            "name": "duplicates",
            "skip_empty": True,
            "min_length": 0,
            "min_words": 0,
            "num_partitions": 1,
            "partition_index": 0,
            "file_partition": False,
            "document_dir": "documents",
            "paragraphs": {
                "attribute_name": "duplicate_paragraph_spans",
                "paragraph_separator": "\n",
            },
        },
        "bloom_filter": {
            "file": f"{scratch}/bloom.bin",
            "read_only": False,
            "size_in_bytes": 0,
            "estimated_doc_count": documents * 30,
            "desired_false_positive_rate": 1e-4,
        },
        "is_s3_volume": False,
        "processes": workers,
        "compression": {"input": None, "output": None},
    }
    mix = {
        "work_dir": {"input": f"{scratch}/mix-in", "output": f"{scratch}/mix-out"},
        "processes": workers,
        "shuffle": False,
        "streams": [
            {
                "name": "clean",
                "documents": [f"{scratch}/documents/*{suffix}"],
                "attributes": ["duplicates"],
                "output": {"path": f"{scratch}/output", "max_size_in_bytes": 4_000_000_000},
                "span_replacement": [
                    {
                        "span": "$.attributes.duplicate_paragraph_spans",
                        "min_score": 0.5,
                        "replacement": "",
                        "syntax": "jsonpath",
                    }
                ],
                "compression": {"input": None, "output": compression},
            }
        ],
    }
    core = dolma_core()
    started = time.monotonic()
    core.deduper_entrypoint(json.dumps(dedupe))
    deduped = time.monotonic()
    core.mixer_entrypoint(json.dumps(mix))
    print(
        f"dolma: dedupe {deduped - started:.2f} s, mix {time.monotonic() - deduped:.2f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
