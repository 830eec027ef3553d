#!/usr/bin/env python3
"""The "Memory of pgfleet" section of docs/BENCHMARKS.md from scripts/bench.sh's `rss` rows
(see scripts/bench.sh --rss-only).

    rss.py RESULTS_JSONL POSTGRES_VERSION [--update FILE]

Without --update the section is printed; with it, the section replaces the one in FILE (or is
added before the hand-written targets, or at the end), leaving the other sections as they are.
"""
import argparse
import datetime
import json
import os

import sections

HEADING = "## Memory of pgfleet (schema-per-tenant: one database, one schema per tenant)"


def section(rows, pg_version):
    """The section for the `rss` rows of results.jsonl."""
    load = os.getloadavg()
    out = [HEADING, "",
           "`--tenants FILE` with a `schema` key per tenant, `--concurrency 16`, the migration set "
           "`migrations/`; peak RSS of the pgfleet process (`getrusage`, the figure "
           "`/usr/bin/time -v` prints as maximum resident set size). The run's summary files keep "
           "a few bytes per tenant (counts, one duration per tenant and migration, bounded "
           "example lists), not every tenant's record, and junit.xml's test cases wait on disk "
           "(docs/PREFLIGHT.md, \"The report\").",
           "",
           f"- Date: {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')}; machine: "
           f"{sections.cpu_model()}, {os.cpu_count()} cores (`nproc`), shared with other work; load "
           f"average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; server: {pg_version}, local "
           "scratch cluster on loopback (fsync off)",
           "",
           "| tenants | wall time | tenants/s | peak RSS |",
           "|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['tenants']} | {r['seconds']:.1f}s | {r['tenants'] / r['seconds']:.0f} | "
                   f"{r['extra']['peak_rss_kib'] / 1024:.1f} MiB |")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("pg_version")
    parser.add_argument("--update")
    args = parser.parse_args()
    with open(args.results) as f:
        rows = [r for r in (json.loads(line) for line in f if line.strip()) if r["kind"] == "rss"]
    new_section = section(rows, args.pg_version)
    sections.publish(args.update, HEADING, new_section)


if __name__ == "__main__":
    main()
