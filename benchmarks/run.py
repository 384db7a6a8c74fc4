"""`make bench`: run the benchmarks at the seeds' real sizes and write docs/benchmarks.md
(and docs/benchmarks.json). `--smoke` runs small sizes so the code never rots (CI)."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks import core, server

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _benches():
    benches = [
        ("judging", core.bench_judging),
        ("allocation", core.bench_allocation),
        ("certificates", core.bench_certificates),
        ("robocon", core.bench_robocon_schedule),
    ]
    try:
        from benchmarks import bench_excel

        def excel(smoke: bool):
            result = bench_excel.run(n_import=155 if smoke else 1552, n_export=400 if smoke else 4000)
            return result if isinstance(result, list) else _excel_figures(result, smoke)

        benches.append(("excel", excel))
    except ImportError:
        pass
    for name, module in [
        ("stats", "bench_stats"),
        ("robocon_app", "bench_robocon_app"),
        ("certificates_app", "bench_certificates_app"),
        ("results_page", "bench_results_page"),
        ("judges", "bench_judges"),
    ]:
        try:
            mod = __import__(f"benchmarks.{module}", fromlist=["run"])
        except ImportError:
            continue
        benches.append((name, mod.run))
    benches.append(("server", server.bench_server))
    return benches


def _excel_figures(result: dict, smoke: bool) -> list[dict]:
    rows, exported = result["import_rows"], result["export_rows"]
    return [
        core.figure(f"Excel import of a {rows}-row file ({result['import_entries']} entries, "
                    f"{result['import_people']} people), validated and committed", result["import_seconds"], "s",
                    "≤ 3 s", result["import_seconds"] <= 3,
                    f"reading {result['read_seconds']:.2f} s; dry run {result['dry_run_seconds']:.2f} s"),
        core.figure(f"Excel export of {exported} rows", result["export_seconds_best_of_3"], "s", "≤ 3 s",
                    result["export_seconds_best_of_3"] <= 3, f"{result['export_file_bytes'] / 1e3:.0f} kB"),
    ]


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        memory = f"{mem / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        memory = "?"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M"),
        "cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
        "commit": commit,
    }


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "req/s":
        return f"{value:.0f} req/s"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    return f"{value} {unit}"


def write(results: list[dict], info: dict, smoke: bool) -> None:
    DOCS.mkdir(exist_ok=True)
    suffix = "-smoke" if smoke else ""
    (DOCS / f"benchmarks{suffix}.json").write_text(
        json.dumps({"machine": info, "smoke": smoke, "figures": results}, ensure_ascii=False, indent=2) + "\n"
    )
    lines = [
        "# Benchmarks" + (" (smoke run, small sizes)" if smoke else ""),
        "",
        f"Measured by `make bench` on {info['date']} (Asia/Ho_Chi_Minh), commit `{info['commit']}`: "
        f"{info['cpu']}, {info['cores']} cores, {info['memory']}, Python {info['python']}.",
        "Sizes are the seeds' real figures. Times are wall-clock (best of 3 where repeated);"
        " throughput is measured with wrk against gunicorn (2 workers) on 127.0.0.1.",
        "",
        "| Measure | Result | Target | Met | Note |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        met = "" if r["ok"] is None else ("yes" if r["ok"] else "**no**")
        lines.append(f"| {r['name']} | {_fmt(r['value'], r['unit'])} | {r['target'] or ''} | {met} | {r['note']} |")
    lines.append("")
    (DOCS / f"benchmarks{suffix}.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="small sizes, quick (CI)")
    parser.add_argument("--only", action="append", help="run only these benchmarks (by name)")
    args = parser.parse_args(argv)
    info = machine()
    results: list[dict] = []
    for name, bench in _benches():
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        try:
            figures = bench(args.smoke)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            figures = [core.figure(f"{name}: failed", float("nan"), "s", None, False, f"{type(exc).__name__}: {exc}")]
        for r in figures:
            print(f"   {r['name']}: {_fmt(r['value'], r['unit'])} {r['note']}", flush=True)
            results.append(r)
    write(results, info, args.smoke)
    failed = [r for r in results if r["ok"] is False]
    print(f"{len(results)} figures, {len(failed)} below target; written to docs/benchmarks{'-smoke' if args.smoke else ''}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
