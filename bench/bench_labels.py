"""Label rendering benchmark: milliseconds per label (PNG, PDF, ZPL) and labels per
minute for a 500-label A4 batch (PDF), against a baseline measured in the same run.

    .venv/bin/python bench/bench_labels.py              # 200 labels a format, 500-label batch
    .venv/bin/python bench/bench_labels.py --labels 50 --batch 100   # a quick look

Every label has its own serial and EPC (nothing serial-specific is cached between
iterations); the issuing authority repeats, as it does at a real site. The baseline is
the smallest piece every label contains: a Code128 of the serial drawn alone by
python-barcode's ImageWriter at 300 dpi. One core (affinity pinned when possible).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from barcode import Code128
from barcode.writer import ImageWriter

from labels import LabelContent, render_pdf, render_png, render_zpl
from labels.fonts import find_cjk_font
from tracker.domain.epc import giai96


def _contents(n: int, start: int) -> list[LabelContent]:
    return [
        LabelContent.sample(
            serial=f"JM-2026-{start + i:06d}",
            epc=giai96("0614141", start + i),
            reprint=(i % 10 == 0),
        )
        for i in range(n)
    ]


def _baseline(content: LabelContent) -> bytes:
    image = Code128(content.serial, writer=ImageWriter(format="PNG", mode="L", dpi=300)).render(
        {"module_width": 0.254, "module_height": 7.0, "write_text": False, "quiet_zone": 2.54}
    )
    return image.tobytes()


def _per_label(
    fn: Callable[[LabelContent], object], contents: list[LabelContent]
) -> dict[str, float]:
    times = []
    for c in contents:
        t = time.perf_counter()
        fn(c)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "mean_ms": statistics.fmean(times),
    }


def main() -> None:
    """Run the benchmark and print a JSON report (and a short table)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=int, default=200, help="labels per format")
    parser.add_argument("--batch", type=int, default=500, help="labels in the A4 batch")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    font = find_cjk_font()
    # Cold start: first label of each kind in this process (font loading, subsetting).
    cold = {}
    for name, fn in (
        ("png", render_png),
        ("pdf", lambda c: render_pdf([c])),
        ("zpl", render_zpl),
    ):
        t = time.perf_counter()
        fn(_contents(1, 900000)[0])
        cold[name] = (time.perf_counter() - t) * 1000

    results = {
        "baseline_code128_png": _per_label(_baseline, _contents(args.labels, 0)),
        "png": _per_label(render_png, _contents(args.labels, 10000)),
        "pdf": _per_label(lambda c: render_pdf([c]), _contents(args.labels, 20000)),
        "zpl": _per_label(render_zpl, _contents(args.labels, 30000)),
    }
    base = results["baseline_code128_png"]["median_ms"]
    for name in ("png", "pdf", "zpl"):
        results[name]["x_baseline"] = results[name]["median_ms"] / base

    batch = _contents(args.batch, 40000)
    t = time.perf_counter()
    data = render_pdf(batch, sheet="a4")
    seconds = time.perf_counter() - t
    report = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "font": f"{font.family} ({font.path})",
        "labels_per_format": args.labels,
        "cold_first_label_ms": cold,
        "per_label": results,
        "a4_batch": {
            "labels": args.batch,
            "seconds": seconds,
            "labels_per_minute": args.batch / seconds * 60,
            "pages": -(-args.batch // 24),
            "pdf_bytes": len(data),
        },
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print()
    print(f"{'kind':<24}{'median ms':>10}{'p95 ms':>10}{'x baseline':>12}")
    for name, r in results.items():
        ratio = r.get("x_baseline", 1.0)
        print(f"{name:<24}{r['median_ms']:>10.2f}{r['p95_ms']:>10.2f}{ratio:>12.1f}")
    b = report["a4_batch"]
    rate = b["labels_per_minute"]
    print(f"A4 batch: {b['labels']} labels in {b['seconds']:.2f} s = {rate:.0f} labels/min")


if __name__ == "__main__":
    main()
