#!/usr/bin/env python3
"""Checks the layer rule of ARCHITECTURE.md on every #include under src/ and include/pgfleet/.

    cli → results | neon | ledger → fleet → engine → migrations | db → sql → util

A folder may include its own headers and those of folders to its right; never one to its left
(up) or beside it (sideways: results↔neon↔ledger, migrations↔db). Also: libpq/libpqxx only in
src/db/pq_session.cpp, curl only in src/neon/curl_transport.cpp, CLI11 never in a public header
(CMakeLists.txt links it PRIVATE), and a private header (`#include "x.hpp"`) must sit beside the
file that includes it.

    scripts/check-layers.py              check the tree; exit 1 and list every violation
    scripts/check-layers.py --self-test  prove the check fails on injected bad includes
"""
import os
import re
import shutil
import sys
import tempfile

# Lower rank = further right (more basic). Equal rank, different folder = siblings.
RANK = {"util": 0, "sql": 1, "migrations": 2, "db": 2, "engine": 3, "fleet": 4,
        "results": 5, "neon": 5, "ledger": 5, "cli": 6}
SEAMS = {  # header prefix -> the only file allowed to include it
    "libpq-fe.h": "src/db/pq_session.cpp",
    "pqxx/": "src/db/pq_session.cpp",
    "curl/": "src/neon/curl_transport.cpp",
}
# Header prefixes no public header may include: pgfleet_core links these PRIVATE.
NOT_PUBLIC = ("CLI/",)
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(path):
    """The layer folder of a source path, 'main' for src/main.cpp, or None."""
    parts = path.split("/")
    if parts[0] == "src" and len(parts) == 2:
        return "main" if parts[1] == "main.cpp" else "stray"
    if parts[0] == "src":
        return parts[1]
    if parts[:2] == ["include", "pgfleet"] and len(parts) >= 4:
        return parts[2]
    if parts[:2] == ["include", "pgfleet"]:
        return "stray"
    return None


def allowed(src, dst):
    if src == "main":
        return dst == "cli"
    return src == dst or RANK[dst] < RANK[src]


def check(root):
    problems = []
    for top in ("src", "include"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".cpp", ".hpp")):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                src = folder_of(rel)
                if src == "stray":
                    problems.append(f"{rel}: source outside a layer folder")
                    continue
                if src not in RANK and src != "main":
                    problems.append(f"{rel}: folder '{src}' is not in the layer rule")
                    continue
                with open(full, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        kind, target = m.groups()
                        where = f"{rel}:{number}"
                        for prefix, owner in SEAMS.items():
                            if target.startswith(prefix) and rel != owner:
                                problems.append(f"{where}: <{target}> only in {owner}")
                        if top == "include" and target.startswith(NOT_PUBLIC):
                            problems.append(f"{where}: <{target}> never in a public header")
                        if kind == "<":
                            continue
                        if target.startswith("pgfleet/"):
                            parts = target.split("/")
                            dst = parts[1] if len(parts) >= 3 else "stray"
                            if dst not in RANK:
                                problems.append(f"{where}: \"{target}\" is outside the layer folders")
                            elif not allowed(src, dst):
                                way = "sideways" if src != "main" and RANK[dst] == RANK[src] else "up"
                                problems.append(f"{where}: {src} → {dst} runs {way} (\"{target}\")")
                        elif not os.path.exists(os.path.join(dirpath, target)) or "/" in target:
                            problems.append(f"{where}: private header \"{target}\" is not beside it")
    return problems


def self_test(root):
    """Copies src/ and include/ to a scratch tree, injects bad includes, expects each caught."""
    injections = [
        ("src/engine/planner.cpp", '#include "pgfleet/fleet/fleet_runner.hpp"', "engine → fleet"),
        ("src/results/summary_writer.cpp", '#include "pgfleet/neon/preflight.hpp"', "results → neon"),
        ("src/ledger/ledger_feed.cpp", '#include "pgfleet/results/outcome_json.hpp"',
         "ledger → results"),
        ("src/results/run_outputs.cpp", '#include "pgfleet/ledger/ledger.hpp"', "results → ledger"),
        ("src/fleet/fleet_runner.cpp", '#include "pgfleet/ledger/ledger_feed.hpp"', "fleet → ledger"),
        ("src/db/conninfo.cpp", '#include "pgfleet/migrations/migration.hpp"', "db → migrations"),
        ("src/engine/planner.cpp", "#include <pqxx/pqxx>", "only in src/db/pq_session.cpp"),
        ("include/pgfleet/cli/options.hpp", "#include <CLI/CLI.hpp>", "never in a public header"),
    ]
    failures = 0
    if check(root):
        print("check-layers self-test: the real tree must be clean first")
        return 1
    for path, line, expected in injections:
        with tempfile.TemporaryDirectory() as scratch:
            for top in ("src", "include"):
                shutil.copytree(os.path.join(root, top), os.path.join(scratch, top))
            with open(os.path.join(scratch, path), "a", encoding="utf-8") as f:
                f.write("\n" + line + "\n")
            found = [p for p in check(scratch) if expected in p]
            status = "caught" if found else "MISSED"
            failures += 0 if found else 1
            print(f"check-layers self-test: {path} + {line}: {status}")
    return 1 if failures else 0


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if sys.argv[1:] == ["--self-test"]:
        return self_test(root)
    problems = check(root)
    for p in problems:
        print(f"check-layers: {p}")
    if problems:
        print(f"check-layers: {len(problems)} violation(s) of the layer rule in ARCHITECTURE.md")
        return 1
    print("check-layers: every include follows cli → results | neon | ledger → fleet → engine → "
          "migrations | db → sql → util")
    return 0


if __name__ == "__main__":
    sys.exit(main())
