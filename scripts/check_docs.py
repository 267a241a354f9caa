#!/usr/bin/env python3
"""Run the examples of README.md and docs/*.md as written, from the repository's root.

Every ```bash block runs in bash (-e, -o pipefail) and every ```python block in this Python,
in document order; a ```text block right after a command's block is what the command prints,
and each of its lines must appear in that output, in order (a line ending in "…" stands for any
line it begins; blank lines are left out). Blocks marked ```sh and bare ``` blocks are shown
for the reader to adapt and are not run.

A Spark example needs a Java runtime: without `java` on PATH it is skipped with a note, unless
THRESH_REQUIRE_JAVA=1 (set by .ci/run) makes that a failure. The examples run as on a fresh
clone: `cargo install` installs into target/docs-install (first
on PATH, so later blocks run the installed `thresh`), sharing this checkout's target/ folder so
that nothing already built is built again, and the /tmp/thresh-* paths the examples write are
removed first. The README's test command (`scripts/test.sh`) is what calls this script, so it
is the one block left out.

Usage: scripts/check_docs.py [FILE.md ...]   (default: README.md and docs/*.md)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\s*$")
CALLER = "scripts/test.sh"


def blocks(path: Path):
    """(line, language, text) of every fenced block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang, body = i + 1, m.group(1), []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        yield start, lang, "\n".join(body) + "\n"
        i += 1


def expected_lines_missing(expected: str, output: str) -> list[str]:
    """Lines of `expected` not found, in order, in `output`."""
    got = [line.strip() for line in output.splitlines()]
    at, missing = 0, []
    for want in (line.strip() for line in expected.splitlines()):
        if not want:
            continue
        prefix = want[:-1].rstrip() if want.endswith("…") else None
        for j in range(at, len(got)):
            if got[j] == want or (prefix is not None and got[j].startswith(prefix)):
                at = j + 1
                break
        else:
            missing.append(want)
    return missing


def environment() -> dict[str, str]:
    env = dict(os.environ)
    install = REPO / "target" / "docs-install"
    env["CARGO_INSTALL_ROOT"] = str(install)
    env["CARGO_TARGET_DIR"] = str(REPO / "target")
    python_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([str(install / "bin"), python_bin, env.get("PATH", "")])
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    return env


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    env = environment()
    for path in files:
        for stale in set(re.findall(r"/tmp/thresh-[\w.-]+", path.read_text(encoding="utf-8"))):
            target = Path(stale)
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    failures, ran = 0, 0
    for path in files:
        name = path.relative_to(REPO) if path.is_absolute() else path
        last_output = None
        for line, lang, text in blocks(path):
            if lang == "text" and last_output is not None:
                missing = expected_lines_missing(text, last_output)
                if missing:
                    failures += 1
                    print(f"FAIL {name}:{line}: output shown is not what the command printed; "
                          f"missing:\n  " + "\n  ".join(missing) + "\n--- it printed:\n" + last_output)
                last_output = None
                continue
            last_output = None
            if lang not in ("bash", "python") or text.strip() == CALLER:
                continue
            if "spark" in text and shutil.which("java") is None:
                # As the Spark test: skipped with a note, unless a Java runtime is required.
                if os.environ.get("THRESH_REQUIRE_JAVA") == "1":
                    failures += 1
                    print(f"FAIL {name}:{line}: THRESH_REQUIRE_JAVA=1 but no java on PATH")
                else:
                    print(f"skip {name}:{line}: no java on PATH for the Spark example")
                continue
            command = (["bash", "-eo", "pipefail", "-c", text] if lang == "bash"
                       else [sys.executable, "-c", text])
            started = time.monotonic()
            done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
            ran += 1
            output = done.stdout + done.stderr
            took = time.monotonic() - started
            if done.returncode != 0:
                failures += 1
                print(f"FAIL {name}:{line}: {lang} block exited with {done.returncode} "
                      f"after {took:.0f} s:\n{text}--- output:\n{output}")
            else:
                print(f"ok   {name}:{line}: {lang} block ({took:.0f} s)")
            last_output = output
    print(f"{ran} examples run, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
