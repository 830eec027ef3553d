#!/usr/bin/env python3
"""Turns scripts/bench.sh measurements (results.jsonl) into docs/BENCHMARKS.md (stdout).

    report.py RESULTS_JSONL MIGRATION_COUNT RESET_SECONDS POSTGRES_VERSION
"""
import datetime
import json
import os
import platform
import sys

from rss import section as rss_section


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return cpu, os.cpu_count(), mem_kib / 1024 / 1024


def main():
    results_path, migration_count, reset_seconds, pg_version = sys.argv[1:5]
    rows = [json.loads(line) for line in open(results_path) if line.strip()]
    # Best (shortest) of the repeated runs per (tool, P); runs counts them.
    throughput, runs = {}, {}
    for r in rows:
        if r["kind"] != "throughput":
            continue
        key = (r["tool"], r["concurrency"])
        runs[key] = runs.get(key, 0) + 1
        if key not in throughput or r["seconds"] < throughput[key]["seconds"]:
            throughput[key] = r
    repeats = max(runs.values(), default=0)
    # Latency runs: best per (tool, rtt); the RTT 0 row is the throughput table's direct run.
    latency = {}
    for r in rows:
        if r["kind"] != "latency":
            continue
        key = (r["tool"], r["extra"]["rtt_ms"])
        if key not in latency or r["seconds"] < latency[key]["seconds"]:
            latency[key] = r
    roundtrips = {r["tool"]: r for r in rows if r["kind"] == "roundtrips"}
    rss = [r for r in rows if r["kind"] == "rss"]
    tenants = next((r["tenants"] for r in rows if r["kind"] == "throughput"), 0)
    cpu, cores, mem_gib = machine()
    load = os.getloadavg()
    out = []
    w = out.append

    w("# Benchmarks")
    w("")
    w("Produced by `scripts/bench.sh` (rerun it to refresh this file; `--quick` for a smoke run).")
    w("")
    w(f"- Date: {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')}")
    w(f"- Machine: {cpu}, {cores} cores (`nproc`), {mem_gib:.1f} GiB memory, "
      f"Linux {platform.release()}")
    w(f"- Server: {pg_version}, local scratch cluster on loopback (fsync off), same machine")
    w(f"- Load average when the report was written: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
      "(the machine may have been shared with other work: treat small differences as noise)")
    w(f"- Fleet: {tenants} tenant databases, each recreated from an empty template database "
      f"before every run (recreating all of them took {reset_seconds}s, not counted); "
      f"migration set: `migrations/` ({migration_count} migrations, one `no-transaction` file "
      "with two `CREATE INDEX CONCURRENTLY`)")
    w("")
    w("## What is compared")
    w("")
    w("- **pgfleet**: `pgfleet apply --tenants FILE --concurrency P --yes` (default `--tx-mode "
      "file`: one transaction per migration, advisory lock, history checks, per-tenant results, "
      "rollback scripts, `tenants.jsonl`, `summary.json`, `junit.xml`).")
    w("- **psql loop**: per tenant, per migration one `psql -1 -f FILE -c '<history insert>'` "
      "(without `-1` for the no-transaction file), tenants in parallel with `xargs -P P`. No "
      "locking, no drift check, no results.")
    w("- **floor** (`tests/bench/floor.cpp`, libpq only): per tenant one connection, all "
      "transactional migrations plus one history insert as one `PQexec` in one transaction, then "
      "the statements of the no-transaction migration one by one, outside it (they cannot run "
      "in a transaction block, so the floor runs them after the transaction; that order is fine "
      "for this set because 0012 does not depend on 0011). The least work any tool could do.")
    w("")
    w(f"## Throughput ({tenants} tenants)")
    w("")
    w(f"Wall time of the whole command, best of {repeats} run(s) (the tools take turns), "
      "tenants/s in brackets; the ratios are wall-time ratios (lower is better, 1.0 = as fast "
      "as the floor).")
    w("")
    w("| P | floor | pgfleet | psql loop | pgfleet / floor | psql loop / floor |")
    w("|---:|---:|---:|---:|---:|---:|")
    for p in sorted({c for (_, c) in throughput}):
        cells = []
        for tool in ("floor", "pgfleet", "psql"):
            r = throughput.get((tool, p))
            cells.append(f"{r['seconds']:.2f}s ({r['tenants'] / r['seconds']:.0f}/s)" if r else "–")
        floor = throughput.get(("floor", p))
        ratios = []
        for tool in ("pgfleet", "psql"):
            r = throughput.get((tool, p))
            ratios.append(f"{r['seconds'] / floor['seconds']:.2f}×" if r and floor else "–")
        w(f"| {p} | " + " | ".join(cells + ratios) + " |")
    w("")
    if latency:
        p = next(iter(latency.values()))["concurrency"]
        w(f"## Added latency (P={p}, {tenants} tenants)")
        w("")
        w("The same fleet at P=" + str(p) + " with a round-trip time added by "
          "`scripts/bench/count_proxy.py --delay-ms RTT/2` (each direction); the 0 ms row is the "
          "direct run of the throughput table (no proxy). Best of the runs, the tools in turns.")
        w("")
        w("| added RTT | floor | pgfleet | psql loop | pgfleet / floor | psql loop / floor |")
        w("|---:|---:|---:|---:|---:|---:|")
        table = {(t, 0): throughput[(t, p)] for t in ("floor", "pgfleet", "psql")
                 if (t, p) in throughput}
        table.update(latency)
        for rtt in sorted({k[1] for k in table}):
            cells = [f"{table[(t, rtt)]['seconds']:.2f}s" if (t, rtt) in table else "–"
                     for t in ("floor", "pgfleet", "psql")]
            floor = table.get(("floor", rtt))
            ratios = [f"{table[(t, rtt)]['seconds'] / floor['seconds']:.2f}×"
                      if (t, rtt) in table and floor else "–" for t in ("pgfleet", "psql")]
            w(f"| {rtt:g} ms | " + " | ".join(cells + ratios) + " |")
        w("")
    if roundtrips:
        some = next(iter(roundtrips.values()))
        w(f"## Round trips per tenant (through `scripts/bench/count_proxy.py`, P={some['concurrency']})")
        w("")
        w("A round trip is a client message after which the client waits for the server: a "
          "simple-protocol `Query` or an extended-protocol `Sync`. Authentication messages "
          "(SCRAM: two per connection) are counted apart.")
        w("")
        w("| tool | connections / tenant | round trips / tenant | auth messages / tenant |")
        w("|---|---:|---:|---:|")
        names = {"floor": "floor", "pgfleet": "pgfleet apply", "pgfleet-noop":
                 "pgfleet apply, second run (all up to date)", "psql": "psql loop"}
        for tool in ("floor", "pgfleet", "pgfleet-noop", "psql"):
            r = roundtrips.get(tool)
            if not r:
                continue
            t = r["extra"]["totals"]
            n = r["tenants"]
            w(f"| {names[tool]} | {t['connections'] / n:.1f} | {t['round_trips'] / n:.1f} | "
              f"{t['p'] / n:.1f} |")
        w("")
    if rss:
        out.append(rss_section(rss, pg_version))
    print("\n".join(out))


if __name__ == "__main__":
    main()
