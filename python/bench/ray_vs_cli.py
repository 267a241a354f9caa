"""Measure thresh.ray.clean_dataset against `thresh clean` on a generated JSONL corpus.

    python bench/ray_vs_cli.py CORPUS_JSONL_DIR THRESH_BINARY WORKDIR [--workers 2]

Runs the CLI (`-j WORKERS`) and the Ray recipe (a local cluster of WORKERS CPUs) on the same
files, writes both outputs under WORKDIR, checks that the cleaned texts are identical, and
prints wall time, CPU time (user and system, of every process involved) and MB/s. Ray reads the
folder as the recipe does: lazily (`thresh.ray.read_jsonl`, nothing materialised), in the
CLI's run order (file, then line).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import psutil


class CpuMeter:
    """CPU time of this process and all its descendants, polled so that processes which end
    during the run (Ray workers) are counted up to their last sample."""

    def __init__(self, interval: float = 0.2):
        self.seen: dict[int, tuple[float, float]] = {}
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.poll, daemon=True)

    def sample(self):
        me = psutil.Process()
        for p in [me] + me.children(recursive=True):
            try:
                t = p.cpu_times()
                self.seen[p.pid] = (t.user + t.children_user, t.system + t.children_system)
            except psutil.Error:
                pass

    def poll(self):
        while not self.stop.is_set():
            self.sample()
            time.sleep(self.interval)

    def __enter__(self):
        self.sample()
        self.start = {pid: v for pid, v in self.seen.items()}
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.sample()
        self.stop.set()
        self.thread.join()

    def totals(self) -> tuple[float, float]:
        user = sum(v[0] - self.start.get(pid, (0, 0))[0] for pid, v in self.seen.items())
        system = sum(v[1] - self.start.get(pid, (0, 0))[1] for pid, v in self.seen.items())
        return user, system


def corpus_bytes(files) -> int:
    return sum(f.stat().st_size for f in files)


def run_cli(binary: str, corpus: Path, out: Path, workers: int) -> dict:
    start = time.time()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", binary, "clean", str(corpus), "-o", str(out),
         "-q", "-j", str(workers), "--overwrite"], capture_output=True, text=True)
    wall = time.time() - start
    user, system, rss_kb = done.stderr.strip().splitlines()[-1].split()
    return {"wall_s": wall, "user_s": float(user), "system_s": float(system),
            "peak_rss_mb": int(rss_kb) / 1024}


def run_ray(files, out: Path, workers: int) -> dict:
    import ray
    import ray.data
    import thresh.ray

    with CpuMeter() as meter:
        start = time.time()
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        started = time.time()

        ds = thresh.ray.read_jsonl([str(f) for f in files])
        cleaned = thresh.ray.clean_dataset(ds, site_column="source",
                                           order_column=["path", "line"])
        cleaned.drop_columns(["path", "line"]).write_json(str(out))
        wall = time.time() - start
        ray.shutdown()
    user, system = meter.totals()
    return {"wall_s": wall, "startup_s": started - start, "user_s": user, "system_s": system}


def texts(folder: Path) -> dict[str, str]:
    out = {}
    for f in sorted(folder.rglob("*.json*")):
        if any(part.startswith(".") for part in f.relative_to(folder).parts):
            continue  # the CLI's run records
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                out[r["id"]] = r["text"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("binary")
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-cli", action="store_true")
    args = ap.parse_args()
    files = sorted(args.corpus.glob("*.jsonl"))
    mb = corpus_bytes(files) / 1e6
    results = {"corpus_mb": mb, "files": len(files), "workers": args.workers}
    if not args.skip_cli:
        results["cli"] = run_cli(args.binary, args.corpus, args.workdir / "cli", args.workers)
    results["ray"] = run_ray(files, args.workdir / "ray", args.workers)
    for name in ("cli", "ray"):
        if name in results:
            r = results[name]
            r["mb_per_s"] = mb / r["wall_s"]
            r["cpu_s_per_gb"] = (r["user_s"] + r["system_s"]) / (mb / 1000)
    if not args.skip_cli:
        a, b = texts(args.workdir / "cli"), texts(args.workdir / "ray")
        results["documents_written"] = {"cli": len(a), "ray": len(b)}
        results["identical"] = a == b
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
