#!/usr/bin/env bash
# Load runs too big for the test suite: many tiny files, one huge line, one huge document, and
# (optionally) a large generated corpus. Each run is timed with its peak memory (GNU time).
#
#   scripts/load.sh WORKDIR [CORPUS]
#
# WORKDIR  scratch folder (needs about 3 GB, plus twice the size of CORPUS)
# CORPUS   optional folder of .txt articles (e.g. a multi-GB generated corpus) to clean in full
set -euo pipefail
cd "$(dirname "$0")/.."

work=${1:?usage: scripts/load.sh WORKDIR [CORPUS]}
corpus=${2:-}
mkdir -p "$work"
cargo build --release --locked --quiet
bin=$PWD/target/release/thresh
measure() {
    local name=$1
    shift
    /usr/bin/time -f "$name: %e s, peak %M KB, exit %x" "$@" >/dev/null 2>"$work/last.err" || true
    tail -n 1 "$work/last.err"
}

echo "== 1,000,000 tiny files (1,000 sites)"
if [ ! -d "$work/tiny" ]; then
    python3 - "$work/tiny" <<'EOF'
import os, sys
root = sys.argv[1]
for s in range(1000):
    d = os.path.join(root, f"site{s:04d}")
    os.makedirs(d)
    for i in range(1000):
        with open(os.path.join(d, f"{i:04d}.txt"), "w") as f:
            f.write(f"Site {s:04x} header\nStory {s:04x}{i:04x} body text for page {i:x}\n")
EOF
fi
measure "tiny --dry-run" "$bin" clean "$work/tiny" --dry-run -q
rm -rf "$work/tiny-out"
measure "tiny write" "$bin" clean "$work/tiny" -o "$work/tiny-out" -q
rm -rf "$work/tiny-out"

echo "== one 200 MB line, one 1 GB document (limit raised), one over the limit"
mkdir -p "$work/huge/s"
python3 - "$work/huge/s" <<'EOF'
import os, sys
d = sys.argv[1]
word = b"lorem ipsum dolor sit amet "
with open(os.path.join(d, "line.txt"), "wb") as f:
    f.write(word * (200_000_000 // len(word)) + b"\n")
para = b"A paragraph of the one enormous document, with its own words and a number %d.\n"
with open(os.path.join(d, "doc.txt"), "wb") as f:
    n = 0
    while n < 1_000_000_000:
        line = para % n
        f.write(line)
        n += len(line)
EOF
rm -rf "$work/huge-out"
measure "huge, --max-doc-bytes 2 GB" "$bin" clean "$work/huge" -o "$work/huge-out" -q --max-doc-bytes 2000000000
measure "huge, --max-doc-bytes 500 MB (the 1 GB document refused)" "$bin" clean "$work/huge" --dry-run -q --max-doc-bytes 500000000
grep -o "over the document size limit[^;]*" "$work/last.err" | head -n 1 || true
rm -rf "$work/huge" "$work/huge-out"

if [ -n "$corpus" ]; then
    echo "== corpus $corpus ($(du -sh "$corpus" | cut -f1))"
    measure "corpus --dry-run" "$bin" clean "$corpus" --dry-run -q
    rm -rf "$work/corpus-out"
    measure "corpus write" "$bin" clean "$corpus" -o "$work/corpus-out" -q
    rm -rf "$work/corpus-out"
fi
