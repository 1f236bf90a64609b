#!/usr/bin/env python3
"""The tables of scripts/bench.sh, from its work folder.

    report.py largest-doc FILE     # bytes of the largest YAML document of a stream
    report.py tables WORKDIR       # markdown on stdout

WORKDIR holds `machine.md`, `corpora.tsv` (id, title, bytes, files), `rows.tsv` (corpus id,
command label, slug, role) and, per row, `CORPUS/SLUG.json` (hyperfine's export),
`CORPUS/SLUG.rss` (peak RSS in KB from `/usr/bin/time -f %M`), `CORPUS/SLUG.code` (the exit
code of that run) and `CORPUS/SLUG.{out,err}` (its output), and `checks.tsv` (name, value).
"""
import json
import os
import re
import sys


def largest_doc(path):
    """Bytes of the largest document: documents end at a `---` or `...` line."""
    biggest = size = 0
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b"---") and (len(line) == 3 or line[3:4] in b" \t\r\n"):
                biggest, size = max(biggest, size), 0
            elif line.rstrip(b"\r\n") == b"...":
                biggest, size = max(biggest, size), 0
                continue
            size += len(line)
    return max(biggest, size)


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def fmt_time(s):
    if s is None:
        return "—"
    if s < 1:
        return f"{s * 1000:.1f} ms" if s < 0.1 else f"{s * 1000:.0f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r):
    if r is None:
        return "—"
    if r >= 10:
        return f"{r:.0f}"
    if r >= 0.1:
        return f"{r:.2f}"
    if r >= 0.001:
        return f"{r:.4f}"
    return f"{r:.1e}"


def fmt_mb(kb):
    return "—" if kb is None else f"{kb / 1024:.1f}"


class Row:
    def __init__(self, work, corpus, label, slug, role):
        self.corpus, self.label, self.slug, self.role = corpus, label, slug, role
        base = os.path.join(work, corpus, slug)
        self.median = self.mean = self.cores = None
        self.runs = 0
        try:
            with open(base + ".json", encoding="utf-8") as f:
                r = json.load(f)["results"][0]
            self.median, self.mean, self.runs = r["median"], r["mean"], len(r["times"])
            if r["mean"] > 0:
                self.cores = (r["user"] + r["system"]) / r["mean"]
        except (OSError, ValueError, KeyError, IndexError):
            pass
        self.rss = self.code = None
        try:
            with open(base + ".rss", encoding="utf-8") as f:
                nums = re.findall(r"^\d+$", f.read(), re.M)
                self.rss = int(nums[-1]) if nums else None
        except OSError:
            pass
        try:
            with open(base + ".code", encoding="utf-8") as f:
                self.code = int(f.read().strip())
        except (OSError, ValueError):
            pass


def tables(work):
    out = []
    with open(os.path.join(work, "machine.md"), encoding="utf-8") as f:
        out.append(f.read().rstrip() + "\n")
    corpora = {c[0]: (c[1], int(c[2]), int(c[3])) for c in read_tsv(os.path.join(work, "corpora.tsv"))}
    rows = [Row(work, *r) for r in read_tsv(os.path.join(work, "rows.tsv"))]
    checks = dict(read_tsv(os.path.join(work, "checks.tsv")))
    by = {}
    for r in rows:
        by.setdefault(r.corpus, []).append(r)

    def row(corpus, role):
        return next((r for r in by.get(corpus, []) if r.role == role and r.median), None)

    for cid, (title, nbytes, nfiles) in corpora.items():
        if cid not in by:
            continue
        audit = row(cid, "audit")
        out.append(f"\n### {title}\n")
        out.append(
            "| command | median wall | MB/s | peak RSS MB | cores | runs | exit | spillway audit ÷ this row |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in by[cid]:
            mbs = f"{nbytes / 1e6 / r.median:.1f}" if r.median else "—"
            ratio = audit.median / r.median if audit and r.median else None
            cores = f"{r.cores:.2f}" if r.cores is not None else "—"
            out.append(
                f"| {r.label} | {fmt_time(r.median)} | {mbs} | {fmt_mb(r.rss)} | {cores} | {r.runs} | "
                f"{'—' if r.code is None else r.code} | {fmt_ratio(ratio)} |"
            )

    # Linearity: the tree at 1x, 4x, 16x.
    scaled = [c for c in ("tree", "tree4", "tree16") if c in by]
    if len(scaled) > 1:
        out.append("\n### Linearity (the tree at 1×, 4×, 16×)\n")
        out.append("| command | corpus | files | MB | median wall | MB/s | µs per file | ÷ (k × 1× time) |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for role, name in (("audit", "spillway audit"), ("parse", "parse-only (spillway's reader)")):
            base = row("tree", role)
            for cid in scaled:
                r = row(cid, role)
                if not r:
                    continue
                _, nbytes, nfiles = corpora[cid]
                k = {"tree": 1, "tree4": 4, "tree16": 16}[cid]
                lin = r.median / (k * base.median) if base else None
                out.append(
                    f"| {name} | {k}× | {nfiles} | {nbytes / 1e6:.1f} | {fmt_time(r.median)} | "
                    f"{nbytes / 1e6 / r.median:.1f} | {r.median / nfiles * 1e6:.0f} | {fmt_ratio(lin)} |"
                )

    # The targets.
    out.append("\n### Targets\n")
    out.append("| target | measured | met |")
    out.append("|---|---|---|")

    def target(name, measured, ok):
        out.append(f"| {name} | {measured} | {'—' if ok is None else ('yes' if ok else '**no**')} |")

    def ratio_target(name, a, b, limit, kind):
        if not (a and b):
            target(name, "not measured", None)
            return
        r = a.median / b.median
        if kind == "faster":  # a is `limit`× faster than b: b / a >= limit
            target(name, f"{1 / r:.1f}× faster", 1 / r >= limit)
        else:  # a within `limit`× of b
            target(name, f"{r:.2f}× the time", r <= limit)

    small = row("small", "audit")
    target(
        "small file: audit < 5 ms wall (whole process)",
        fmt_time(small.median) if small else "not measured",
        small.median < 0.005 if small else None,
    )
    ta, tp = row("tree", "audit"), row("tree", "parse")
    ratio_target("tree: audit ≥ 100× faster than yamllint", ta, row("tree", "yamllint"), 100, "faster")
    ratio_target("tree: audit ≥ 2× faster than PyYAML CSafeLoader parse", ta, row("tree", "pyyaml"), 2, "faster")
    ratio_target("tree: audit within 1.5× of parse-only", ta, tp, 1.5, "within")
    target(
        "tree: both cores used (audit: (user+sys) ÷ wall)",
        f"{ta.cores:.2f} cores of {checks.get('nproc', '?')}" if ta and ta.cores is not None else "not measured",
        ta.cores >= 1.5 if ta and ta.cores is not None else None,
    )
    det = checks.get("deterministic")
    target("tree: audit output identical run to run", checks.get("deterministic_note", "not checked"),
           None if det is None else det == "yes")
    tap = row("tree", "apply")
    ratio_target("tree: apply --check ≥ 100× faster than ruamel.yaml round-trip", tap, row("tree", "ruamel"), 100, "faster")
    ratio_target("tree: apply --check within 2× of audit", tap, ta, 2, "within")
    sa = row("stream", "audit")
    if sa and sa.rss and "stream_largest_doc" in checks and "baseline_rss_kb" in checks:
        doc = int(checks["stream_largest_doc"])
        base = int(checks["baseline_rss_kb"]) * 1024
        limit = 3 * doc + base
        target(
            "stream: audit peak RSS < 3 × largest document + a small constant",
            f"{sa.rss / 1024:.1f} MB = constant {base / 1048576:.1f} MB (audit's RSS on the small file) + "
            f"{(sa.rss * 1024 - base) / max(doc, 1):.0f} × the largest document ({doc / 1024:.1f} KB); "
            f"limit {limit / 1048576:.1f} MB",
            sa.rss * 1024 < limit,
        )
    else:
        target("stream: audit peak RSS < 3 × largest document + a small constant", "not measured", None)
    lin = [row(c, "audit") for c in ("tree", "tree4", "tree16")]
    if lin[0] and (lin[1] or lin[2]):
        parts, ok = [], True
        for k, r in zip((4, 16), lin[1:]):
            if r:
                q = r.median / (k * lin[0].median)
                parts.append(f"{k}×: {q:.2f} of linear")
                ok = ok and q <= 1.25
        target("cost grows linearly (audit at 4×, 16× ÷ k × the 1× time; ≤ 1.25)", ", ".join(parts), ok)
    else:
        target("cost grows linearly", "not measured", None)

    notes = [v for k, v in sorted(checks.items()) if k.startswith("note")]
    if notes:
        out.append("\n### Notes\n")
        out.extend(f"- {n}" for n in notes)
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) == 2 and argv[0] == "largest-doc":
        print(largest_doc(argv[1]))
    elif len(argv) == 2 and argv[0] == "tables":
        sys.stdout.write(tables(argv[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
