"""Shared helpers: the repository's fixtures and the thresh command line to compare with."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"


def cli_binary() -> Path | None:
    """The thresh binary: $THRESH_BIN, else one built in the repository's target folder."""
    if os.environ.get("THRESH_BIN"):
        return Path(os.environ["THRESH_BIN"])
    for profile in ("release", "debug"):
        candidate = REPO / "target" / profile / "thresh"
        if candidate.exists():
            return candidate
    return shutil.which("thresh") and Path(shutil.which("thresh"))


@pytest.fixture(scope="session")
def thresh_cli() -> Path:
    binary = cli_binary()
    if binary is None or not binary.exists():
        if os.environ.get("THRESH_REQUIRE_CLI"):
            pytest.fail("the thresh binary was not found (set THRESH_BIN or run cargo build)")
        pytest.skip("the thresh binary was not found (set THRESH_BIN or run cargo build)")
    return binary


def run_cli(binary: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], capture_output=True, text=True)


def walk_sorted(root: Path):
    """Files under `root` in the CLI's run order: names sorted at every level, hidden entries
    left out as the CLI leaves them out (an output folder's run records among them)."""
    for entry in sorted(root.iterdir(), key=lambda p: os.fsencode(p.name)):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from walk_sorted(entry)
        elif entry.is_file():
            yield entry


def text_documents(root: Path) -> list[dict]:
    """A text corpus as rows: id (path relative to root), site (first folder), text (bytes:
    scraped files need not be valid UTF-8), order."""
    rows = []
    for order, path in enumerate(walk_sorted(root)):
        rel = path.relative_to(root)
        data = path.read_bytes()
        rows.append({
            "id": rel.as_posix(),
            "site": rel.parts[0] if len(rel.parts) > 1 else "",
            "text": data,
            "order": order,
        })
    return rows


def read_jsonl(path: Path) -> list[str]:
    if path.name.endswith(".gz"):
        data = gzip.decompress(path.read_bytes())
    elif path.name.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    else:
        data = path.read_bytes()
    return data.decode("utf-8").splitlines()


def site_of(record: dict) -> str:
    """The CLI's default site: the host of url or metadata.url without www., else source."""
    url = record.get("url") or (record.get("metadata") or {}).get("url")
    if url:
        host = urlparse(url).hostname or ""
        return host[4:] if host.startswith("www.") else host
    return record.get("source") or ""


def jsonl_documents(root: Path) -> list[dict]:
    """A JSONL corpus as rows, in the CLI's run order (files sorted, then lines)."""
    rows = []
    for f, path in enumerate(walk_sorted(root)):
        for line_no, line in enumerate(read_jsonl(path), start=1):
            record = json.loads(line)
            rows.append({
                "id": record["id"],
                "site": site_of(record),
                "text": record["text"],
                "order": f * 1_000_000 + line_no,
            })
    return rows


def cli_clean_texts(binary: Path, corpus: Path, out: Path, *flags: str) -> dict[str, bytes]:
    """Run `thresh clean` on a text corpus; the written texts (bytes) by id."""
    done = run_cli(binary, "clean", str(corpus), "-o", str(out), "-q", *flags)
    assert done.returncode in (0, 1), done.stderr
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in walk_sorted(out)}


def cli_clean_jsonl(binary: Path, corpus: Path, out: Path, *flags: str) -> dict[str, str]:
    """Run `thresh clean` on a JSONL corpus; the written records' texts by id."""
    done = run_cli(binary, "clean", str(corpus), "-o", str(out), "-q", *flags)
    assert done.returncode in (0, 1), done.stderr
    texts = {}
    for path in walk_sorted(out):
        for line in read_jsonl(path):
            record = json.loads(line)
            texts[record["id"]] = record["text"]
    return texts


def write_jsonl_shards(folder: Path, sort_by_id: bool = False) -> Path:
    """The dolma fixture as a crawl delivers it: a folder of plain JSONL shards, each fixture
    file split in two, and a copy of the first record put in the last shard under an id that
    sorts before every other. The command line keeps the first copy in file order, so a
    recipe that ordered by id alone would keep the other one. With `sort_by_id` each shard's
    lines are sorted by id (the fixture's are not, in one file)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = list(walk_sorted(FIXTURES / "dolma" / "documents"))
    first = None
    shards = []
    for path in files:
        lines = read_jsonl(path)
        site = path.name.split(".jsonl")[0]
        half = len(lines) // 2
        for part, chunk in enumerate((lines[:half], lines[half:])):
            shards.append((folder / f"{site}-{part}.jsonl", list(chunk)))
        first = first or lines[0]
    copy = json.loads(first)
    copy["id"] = "000-copy-of-" + copy["id"]
    shards[-1][1].append(json.dumps(copy))
    for path, lines in shards:
        if sort_by_id:
            lines.sort(key=lambda line: json.loads(line)["id"])
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return folder
