#!/usr/bin/env bash
# Every test: the Rust suite (unit, property and end-to-end tests), then the Python package's
# tests, in a virtual environment under target/ that this script makes on first use (Ray,
# PySpark, pytest and pandas from PyPI; the package installed with `pip install ./python`),
# then every example of README.md and docs/ as written (scripts/check_docs.py: `cargo
# install`, the first run, explain, the Python, Ray and Spark recipes).
# The Spark test needs a Java 17+ runtime and the HTML report's browser test Debian's
# chromium; each is skipped with a note when missing (.ci/run installs both and requires them).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --locked

venv="${THRESH_VENV:-target/test-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q "ray[data]>=2.9" "pyspark>=4" "pytest>=7" "pandas>=1.5,<3"
fi
"$venv/bin/python" -m pip install -q ./python
cargo build --locked --bin thresh
THRESH_BIN="$PWD/target/debug/thresh" THRESH_REQUIRE_CLI=1 \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
"$venv/bin/python" scripts/check_docs.py
