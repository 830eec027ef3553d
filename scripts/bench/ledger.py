#!/usr/bin/env python3
"""The shared run ledger's cost (docs/LEDGER.md): one fleet migrated by one process without a
ledger, by one worker with a ledger, and by three workers with a ledger at the same total
concurrency. Called by scripts/bench.sh with its scratch cluster running.

    ledger.py PGFLEET_BINARY --port P [--tenants N] [--concurrency C] [--repeat R] [--update FILE]

The fleet is schema-per-tenant (one database, N schemas, recreated before every run) migrated
with migrations/; the ledger is a database of its own on the same server. Each worker prints the
queries it sent to the ledger and the time they took; the table sums them over the workers.
Without --update the section is printed; with it, it replaces its section in FILE.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import sections

HEADING = "## The shared run ledger (1 worker vs 3)"
COST = re.compile(r"ledger: run \S+: this worker ran (\d+) tenant\(s\) with (\d+) ledger queries "
                  r"in ([0-9.]+) ms")


def psql(port, db, sql):
    env = dict(os.environ, PGPASSWORD=os.environ["PGFLEET_TEST_PGPASSWORD"])
    subprocess.run([os.path.join(os.environ["PGFLEET_TEST_PGBIN"], "psql"), "-X", "-q", "-v",
                    "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                    "-d", db, "-c", sql], check=True, env=env, stdout=subprocess.DEVNULL)


def reset(port, tenants):
    for db in ("bench_ledger_fleet", "bench_ledger"):
        psql(port, "postgres", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        psql(port, "postgres", f"CREATE DATABASE {db}")
    psql(port, "bench_ledger_fleet",
         f"DO $$ BEGIN FOR i IN 1..{tenants} LOOP EXECUTE format('CREATE SCHEMA %I', "
         f"'s_' || lpad(i::text, 5, '0')); END LOOP; END $$")


def tenants_file(work, port, tenants):
    path = os.path.join(work, "tenants.jsonl")
    with open(path, "w") as f:
        for i in range(1, tenants + 1):
            s = f"s_{i:05d}"
            # "region": the placeholder migrations/0013 takes from the control plane.
            f.write(json.dumps({"id": s, "schema": s, "region": "bench", "connection_string":
                                f"host=127.0.0.1 port={port} user=postgres "
                                f"dbname=bench_ledger_fleet sslmode=disable"}) + "\n")
    return path


def run(binary, work, port, tenants_path, workers, concurrency, mode, run_no):
    """Starts `workers` processes at once (mode: "ledger", "shard" = --shard K/N, or "alone");
    returns (seconds, [(tenants, queries, ms)])."""
    run_id = f"bench-{run_no}"
    procs = []
    start = time.monotonic()
    for w in range(workers):
        args = [binary, "apply", "--tenants", tenants_path, "--migrations", "migrations",
                "--results-dir", os.path.join(work, f"results-{run_no}-{w}"), "--concurrency",
                str(concurrency), "--yes", "--run-id", run_id]
        if mode == "shard":
            args += ["--shard", f"{w}/{workers}"]
        if mode == "ledger":
            args += ["--ledger", f"host=127.0.0.1 port={port} user=postgres dbname=bench_ledger "
                     "sslmode=disable"]
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True))
    costs = []
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"ledger bench: a worker exited {p.returncode}:\n{err[-2000:]}")
        m = COST.search(err)
        if m:
            costs.append((int(m.group(1)), int(m.group(2)), float(m.group(3))))
    return time.monotonic() - start, costs


def measure(args, work):
    tenants_path = tenants_file(work, args.port, args.tenants)
    setups = [("one process, no ledger", 1, args.concurrency, "alone"),
              ("3 processes, `--shard K/3`, no ledger", 3, args.concurrency // 3, "shard"),
              ("1 worker with the ledger", 1, args.concurrency, "ledger"),
              ("3 workers with the ledger", 3, args.concurrency // 3, "ledger")]
    rows, run_no = [], 0
    for label, workers, concurrency, mode in setups:
        best = None
        for _ in range(args.repeat):
            run_no += 1
            reset(args.port, args.tenants)
            seconds, costs = run(args.binary, work, args.port, tenants_path, workers,
                                 concurrency, mode, run_no)
            if best is None or seconds < best[0]:
                best = (seconds, costs)
        rows.append((label, workers, concurrency, best[0], best[1]))
    return rows


def section(args, rows):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [HEADING, "",
           f"{args.tenants} schema-per-tenant tenants (one database), `migrations/`, the ledger a "
           f"database on the same local server; total concurrency {args.concurrency} (the 3 workers "
           f"run `--concurrency {args.concurrency // 3}` each, started at once with the same "
           f"`--run-id`); best of {args.repeat}. Ledger queries and time are summed over the "
           "workers as each prints them (`pgfleet: ledger: ...` on stderr), the time measured "
           "around each query in the worker. The `--shard` row splits the same fleet statically over "
           "three processes without a ledger: what three processes cost on this machine by "
           "themselves.", "",
           f"- Date: {now}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", "",
           "| setup | workers × concurrency | wall time | tenants/s | ledger queries | per tenant "
           "| ledger ms | ms per tenant |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, workers, concurrency, seconds, costs in rows:
        queries = sum(c[1] for c in costs)
        ms = sum(c[2] for c in costs)
        ledger_cells = (f"{queries} | {queries / args.tenants:.2f} | {ms:.0f} | "
                        f"{ms / args.tenants:.2f}" if costs else "– | – | – | –")
        out.append(f"| {label} | {workers} × {concurrency} | {seconds:.2f}s | "
                   f"{args.tenants / seconds:.0f} | {ledger_cells} |")
    out.append("")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--port", required=True)
    parser.add_argument("--tenants", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--update")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pgfleet-ledger-bench.") as work:
        new_section = section(args, measure(args, work))
    sections.publish(args.update, HEADING, new_section)


if __name__ == "__main__":
    main()
