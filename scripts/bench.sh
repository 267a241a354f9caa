#!/usr/bin/env bash
# End-to-end throughput of `thresh clean` on a corpus, side by side with the machine's own
# ceiling and (when installed) dolma's paragraph deduplication, in one run on the same files.
#
#   scripts/bench.sh CORPUS [WORKDIR]
#
# CORPUS   a folder holding jsonl/documents/*.jsonl, and optionally jsonl_gz/documents/*.jsonl.gz,
#          jsonl_zst/documents/*.jsonl.zst (the same records compressed) and txt/ (the same
#          documents as .txt files, one folder per site)
# WORKDIR  scratch folder for outputs (default: a temporary folder, removed at the end)
#
# Environment:
#   DOLMA_PYTHON  a Python with `pip install dolma`: adds dolma's runs and the ratios
#   THREADS       worker threads (default: every core)
#   CASES         which groups to run (default "jsonl compressed txt threads dolma")
#
# Every run is timed by GNU time: wall seconds, CPU seconds (user + system) and peak memory.
# MB are the uncompressed JSONL bytes of the corpus (the same for every format), so figures of
# different formats and tools compare directly. "MB/cpu-s" is throughput per core: the figure
# to compare across machines and tools. Nothing here is a test: no figure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=${1:?usage: scripts/bench.sh CORPUS [WORKDIR]}
corpus=$(cd "$corpus" && pwd)
work=${2:-}
if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
else
    trap 'rm -rf "$work/outputs" "$work/out"' EXIT
fi
mkdir -p "$work"
rm -rf "$work/outputs" "$work/out"
threads=${THREADS:-$(nproc)}
cases=${CASES:-jsonl compressed txt threads dolma}
has() { [[ " $cases " == *" $1 "* ]]; }

if [ ! -x /usr/bin/time ]; then
    echo "bench: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
    exit 2
fi
cargo build --release --locked --quiet --bin thresh --example ceiling
bin=$PWD/target/release/thresh
ceiling=$PWD/target/release/examples/ceiling

plain="$corpus/jsonl/documents"
[ -d "$plain" ] || { echo "bench: $plain not found" >&2; exit 2; }
mb=$(du -sb --apparent-size "$plain/" | awk '{printf "%.1f", $1 / 1e6}')
echo "corpus: $corpus ($mb MB of JSONL), $threads threads, $(nproc) cores"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GB RAM"
printf '%-44s %8s %8s %9s %9s %9s\n' case wall_s cpu_s MB/s MB/cpu-s peak_MB

# calc EXPR: floating-point arithmetic with awk (bc is not on every machine).
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
declare -A cpu_of wall_of
# Each run writes a new folder ($work/out, a link to the run's own folder); all are deleted at
# the end. Deleting one run's output before the next would make the next pay for it: ext4 skips
# recently freed inodes one by one when it allocates (minutes after a large delete), which can
# double the cost of creating 170,000 files.
runs=0
# run NAME MB COMMAND...: time one run, print its line, remember its CPU and wall seconds.
run() {
    local name=$1 size=$2
    shift 2
    runs=$((runs + 1))
    rm -f "$work/out"
    mkdir -p "$work/outputs/$runs"
    ln -s "outputs/$runs" "$work/out"
    if ! /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr"; then
        echo "bench: $name failed:" >&2
        tail -n 5 "$work/stderr" >&2
        return 1
    fi
    read -r wall user sys peak <"$work/time"
    local cpu
    cpu=$(calc "$user + $sys")
    cpu_of[$name]=$cpu
    wall_of[$name]=$wall
    printf '%-44s %8.2f %8.2f %9.1f %9.1f %9.0f\n' "$name" "$wall" "$cpu" \
        "$(calc "$size / $wall")" "$(calc "$size / $cpu")" "$(calc "$peak / 1024")"
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

exact=(--no-dedup --variant-cover 0 --classifier off)
if has jsonl; then
    run "thresh jsonl: default" "$mb" "$bin" clean "$plain" -o "$work/out" -q -j "$threads"
    run "thresh jsonl: classifier off" "$mb" "$bin" clean "$plain" -o "$work/out" -q -j "$threads" --classifier off
    run "thresh jsonl: exact keys" "$mb" "$bin" clean "$plain" -o "$work/out" -q -j "$threads" "${exact[@]}"
fi
if has compressed; then
    for fmt in gz zst; do
        dir="$corpus/jsonl_$fmt/documents"
        [ -d "$dir" ] || continue
        run "thresh jsonl.$fmt: classifier off" "$mb" "$bin" clean "$dir" -o "$work/out" -q -j "$threads" --classifier off
        run "thresh jsonl.$fmt: exact keys" "$mb" "$bin" clean "$dir" -o "$work/out" -q -j "$threads" "${exact[@]}"
    done
fi
if has txt && [ -d "$corpus/txt" ]; then
    txt_mb=$(du -sb --apparent-size "$corpus/txt/" | awk '{printf "%.1f", $1 / 1e6}')
    sync
    run "ceiling txt: read twice, write" "$txt_mb" "$ceiling" "$corpus/txt" "$work/out" "$threads"
    run "thresh txt: default" "$txt_mb" "$bin" clean "$corpus/txt" -o "$work/out" -q -j "$threads"
    run "thresh txt: exact keys" "$txt_mb" "$bin" clean "$corpus/txt" -o "$work/out" -q -j "$threads" "${exact[@]}"
fi
if has threads; then
    for j in 1 2; do
        run "thresh jsonl: exact keys, -j $j" "$mb" "$bin" clean "$plain" -o "$work/out" -q -j "$j" "${exact[@]}"
        run "thresh jsonl: classifier off, -j $j" "$mb" "$bin" clean "$plain" -o "$work/out" -q -j "$j" --classifier off
    done
fi
if has dolma && [ -n "${DOLMA_PYTHON:-}" ]; then
    run "dolma jsonl: paragraph dedupe + mix" "$mb" "$DOLMA_PYTHON" scripts/dolma_paragraphs.py "$plain" "$threads" "$work/dolma"
    if [ -d "$corpus/jsonl_gz/documents" ]; then
        run "dolma jsonl.gz: paragraph dedupe + mix" "$mb" "$DOLMA_PYTHON" scripts/dolma_paragraphs.py "$corpus/jsonl_gz/documents" "$threads" "$work/dolma"
    fi
fi

echo
echo "ratios (per core: MB per CPU-second of one over the other; time: wall over wall)"
d="dolma jsonl: paragraph dedupe + mix"
for c in "thresh jsonl: default" "thresh jsonl: classifier off" "thresh jsonl: exact keys"; do
    [ -n "${cpu_of[$c]:-}" ] && [ -n "${cpu_of[$d]:-}" ] &&
        echo "  $c vs dolma, per core: $(ratio "${cpu_of[$d]}" "${cpu_of[$c]}")x"
done
for fmt in gz zst; do
    for kind in "classifier off" "exact keys"; do
        c="thresh jsonl.$fmt: $kind"
        p="thresh jsonl: $kind"
        [ -n "${cpu_of[$c]:-}" ] && [ -n "${cpu_of[$p]:-}" ] &&
            echo "  $fmt over plain, $kind: CPU $(ratio "${cpu_of[$c]}" "${cpu_of[$p]}")x, wall $(ratio "${wall_of[$c]}" "${wall_of[$p]}")x"
    done
done
c="ceiling txt: read twice, write"
for t in "thresh txt: default" "thresh txt: exact keys"; do
    [ -n "${wall_of[$t]:-}" ] && [ -n "${wall_of[$c]:-}" ] &&
        echo "  $t over the ceiling, wall: $(ratio "${wall_of[$t]}" "${wall_of[$c]}")x"
done
for kind in "exact keys" "classifier off"; do
    one="thresh jsonl: $kind, -j 1"
    two="thresh jsonl: $kind, -j 2"
    [ -n "${wall_of[$one]:-}" ] && [ -n "${wall_of[$two]:-}" ] &&
        echo "  2 threads over 1, $kind: $(ratio "${wall_of[$one]}" "${wall_of[$two]}")x faster"
done
exit 0
