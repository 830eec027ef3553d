#!/usr/bin/env python3
"""A local emulator of the Neon management API v2 for pgfleet's tests (stdlib only).

    NEON_EMULATOR_API_KEY=k NEON_EMULATOR_PGPASSWORD=pw \\
        python3 emulator.py --config emu.json --ready-file ready.json [--port 0] [--exit-with-parent]

Serves http://127.0.0.1:<port>/api/v2/... (see README.md for the config, the control API under
/__emulator/ and how endpoint names resolve). Every cluster it started is stopped on exit,
SIGTERM or SIGINT.
"""

import argparse
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from api import INVALID_JSON, NeonApi, match_route  # noqa: E402
from clusters import AddressPool, Cluster, ClusterManager, HostsFile  # noqa: E402
from state import NeonState, error  # noqa: E402

API_PREFIX = "/api/v2"
DEFAULTS = {"polls_to_running": 1, "polls_to_finish": 2, "seconds_to_finish": 3.0,
            "delete_unknown_status": 204,
            "rate_limit": {"route_per_second": 40.0, "per_minute": 700.0, "retry_after": None}}


def log(line):
    print(f"neon-emulator: {line}", file=sys.stderr, flush=True)


class RateLimiter:
    """Token buckets: one per route (burst = rate per second) and one for the account."""

    def __init__(self):
        self.buckets = {}

    def allow(self, route, limits):
        now = time.monotonic()
        checks = [(route, float(limits["route_per_second"]), float(limits["route_per_second"])),
                  ("*account*", float(limits["per_minute"]) / 60.0, float(limits["per_minute"]))]
        for key, rate, capacity in checks:
            tokens, stamp = self.buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - stamp) * rate)
            self.buckets[key] = (tokens, now)
            if tokens < 1.0:
                return False
        for key, _, _ in checks:
            tokens, stamp = self.buckets[key]
            self.buckets[key] = (tokens - 1.0, stamp)
        return True


class Emulator:
    def __init__(self, config, api_key):
        self.config = {**DEFAULTS, **config}
        self.config["rate_limit"] = {**DEFAULTS["rate_limit"], **config.get("rate_limit", {})}
        self.api_key = api_key
        self.faults = []     # [{"route", "status", "mode", ...}] consumed in order
        self.requests = []   # the request log (never the key)
        self.limiter = RateLimiter()
        work_dir = config.get("work_dir") or tempfile.mkdtemp(prefix="neon-emulator-")
        hosts = HostsFile(config["hosts_file"]) if config.get("hosts_file") else None
        clusters = ClusterManager(config.get("pg_bin", "/usr/lib/postgresql/15/bin"), work_dir, log)
        self.state = NeonState(self.config, clusters, hosts, AddressPool(), log)
        self.api = NeonApi(self.state)
        self.project_specs = config.get("projects", [])
        self._load_projects()

    def _load_projects(self):
        for spec in self.project_specs:
            parent = None
            if spec.get("parent"):
                p = spec["parent"]
                password = os.environ.get(p.get("password_env", "NEON_EMULATOR_PGPASSWORD"), "")
                parent = Cluster(p.get("host", "127.0.0.1"), int(p["port"]),
                                 p.get("superuser", "postgres"), password, p.get("data_dir"))
            self.state.add_project(spec, parent)

    def summary(self):
        projects = {}
        for project in self.state.projects.values():
            default = next(b for b in project.branches.values() if b.get("default"))
            endpoint = next(e for e in project.endpoints.values() if e["branch_id"] == default["id"])
            projects[project.id] = {
                "default_branch_id": default["id"], "default_branch_name": default["name"],
                "endpoint_id": endpoint["id"], "endpoint_host": endpoint["host"],
                "pooler_host": endpoint["host"].replace(endpoint["id"], endpoint["id"] + "-pooler", 1),
                "proxy_host": project.proxy_host}
        return projects

    def reset(self):
        """Back to the start: no faults, no log, only the default branches, no operations."""
        with self.state.lock:
            self.faults.clear()
            self.requests.clear()
            self.api.operation_faults.clear()
            self.limiter.buckets.clear()
            branches = [b for p in self.state.projects.values() for b in p.branches.values()
                        if not b.get("default")]
            threads, self.state.threads = self.state.threads, []
        for thread in threads:
            thread.join(180)
        for branch in branches:
            self.state.clusters.stop(branch.get("_cluster"))
        with self.state.lock:
            for project in self.state.projects.values():
                for branch in [b for b in project.branches.values() if not b.get("default")]:
                    project.branches.pop(branch["id"])
                    for endpoint in [e for e in project.endpoints.values()
                                     if e["branch_id"] == branch["id"]]:
                        project.endpoints.pop(endpoint["id"])
                        if self.state.hosts is not None:
                            self.state.hosts.remove(endpoint["host"])
                            self.state.hosts.remove(endpoint["host"].replace(
                                endpoint["id"], endpoint["id"] + "-pooler", 1))
                project.operations.clear()

    def control_state(self):
        out = {}
        for project in self.state.projects.values():
            out[project.id] = {"branches": [
                {"id": b["id"], "name": b["name"], "deleted": bool(b.get("_deleted")),
                 "cluster": None if not b.get("_cluster") else {
                     "host": b["_cluster"].host, "port": b["_cluster"].port,
                     "data_dir": b["_cluster"].data_dir, "running": b["_cluster"].running}}
                for b in project.branches.values()],
                "operations": [op.json() for op in project.operations]}
        return out

    def take_fault(self, route):
        with self.state.lock:
            for fault in self.faults:
                if fault["route"] in (route, "*"):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None

    def add_faults(self, body):
        items = body if isinstance(body, list) else [body]
        with self.state.lock:
            for item in items:
                if "operation" in item:
                    op = dict(item["operation"])
                    if op.get("status") not in ("failed", "error", "cancelled", "skipped"):
                        return error(400, "operation status must be failed, error, cancelled or skipped")
                    for _ in range(int(item.get("count", 1))):
                        self.api.operation_faults.setdefault(item["route"], []).append(op)
                    continue
                mode = item.get("mode", "respond")
                if mode not in ("respond", "apply_then_respond", "apply_then_drop", "drop", "delay"):
                    return error(400, f"unknown mode {mode}")
                self.faults.append({"route": item["route"], "status": int(item.get("status", 503)),
                                    "mode": mode, "count": int(item.get("count", 1)),
                                    "retry_after": item.get("retry_after"),
                                    "message": item.get("message"),
                                    "delay_seconds": float(item.get("delay_seconds", 0))})
        return 200, {"faults": len(self.faults)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "neon-emulator"
    emulator = None  # set in main

    def log_message(self, fmt, *args):  # quiet; the request log is the record
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _send(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self, method):
        emu = Handler.emulator
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = INVALID_JSON
        if url.path.startswith("/__emulator/"):
            status, answer = self._control(method, url.path, query, body)
            return self._send(status, answer)
        auth = self.headers.get("Authorization")
        auth_state = "missing" if auth is None else (
            "valid" if auth == f"Bearer {emu.api_key}" else "invalid")
        entry = {"time": time.time(), "method": method, "path": url.path, "query": query,
                 "body": body if body is not INVALID_JSON else raw.decode("utf-8", "replace"),
                 "auth": auth_state, "user_agent": self.headers.get("User-Agent"),
                 "route": None, "status": None, "fault": None}
        with emu.state.lock:
            emu.requests.append(entry)
        status, answer, headers = self._api(method, url.path, query, body, entry, auth_state)
        entry["status"] = status
        if status is None:
            return self._drop()
        self._send(status, answer, headers)

    def _api(self, method, path, query, body, entry, auth_state):
        emu = Handler.emulator
        if auth_state != "valid":
            return 401, {"code": "", "message": "authentication failed: missing or invalid API key"}, None
        if not path.startswith(API_PREFIX + "/"):
            return (*error(404, "not found"), None)
        found = match_route(method, path[len(API_PREFIX):])
        if found is None:
            return (*error(404 if method == "GET" else 405, "no such route"), None)
        route, handler_name, groups = found
        entry["route"] = route
        with emu.state.lock:
            allowed = emu.limiter.allow(route, emu.config["rate_limit"])
        if not allowed:
            retry_after = emu.config["rate_limit"].get("retry_after")
            entry["fault"] = "rate_limit"
            return (*error(429, "rate limit exceeded"),
                    {"Retry-After": str(retry_after)} if retry_after is not None else None)
        fault = emu.take_fault(route)
        if fault:
            entry["fault"] = fault["mode"]
            if fault["delay_seconds"]:
                time.sleep(fault["delay_seconds"])
            if fault["mode"] == "drop":
                return None, None, None
            if fault["mode"] in ("respond",):
                headers = {"Retry-After": str(fault["retry_after"])} if fault["retry_after"] else None
                message = fault["message"] or f"injected {fault['status']}"
                if fault["status"] == 423 and not fault["message"]:
                    message = "project already has running conflicting operations, scheduling of new ones is prohibited"
                return (*error(fault["status"], message), headers)
        with emu.state.lock:
            project = emu.state.projects.get(groups[0])
            if project is None:
                status, answer = error(404, "project not found")
            else:
                status, answer = getattr(emu.api, handler_name)(project, groups, query, body)
        if fault and fault["mode"] == "apply_then_respond":
            return (*error(fault["status"], fault["message"] or "origin timeout"), None)
        if fault and fault["mode"] == "apply_then_drop":
            return None, None, None
        return status, answer, None

    def _control(self, method, path, query, body):
        emu = Handler.emulator
        if path == "/__emulator/faults" and method == "POST":
            return emu.add_faults(body if body is not INVALID_JSON else {})
        if path == "/__emulator/requests" and method == "GET":
            with emu.state.lock:
                rows = [r for r in emu.requests
                        if not query.get("route") or r["route"] == query["route"]]
                return 200, {"requests": list(rows)}
        if path == "/__emulator/reset" and method == "POST":
            emu.reset()
            return 200, {"reset": True}
        if path == "/__emulator/advance" and method == "POST":
            with emu.state.lock:
                emu.state.advance(query.get("project"))
            return 200, {"advanced": True}
        if path == "/__emulator/config" and method == "POST" and isinstance(body, dict):
            with emu.state.lock:
                for key, value in body.items():
                    if key == "rate_limit":
                        emu.config["rate_limit"].update(value)
                        emu.limiter.buckets.clear()
                    else:
                        emu.config[key] = value
            return 200, {"config": emu.config}
        if path == "/__emulator/state" and method == "GET":
            with emu.state.lock:
                return 200, emu.control_state()
        if path == "/__emulator/summary" and method == "GET":
            return 200, emu.summary()
        return error(404, "no such control route")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file")
    parser.add_argument("--exit-with-parent", action="store_true")
    args = parser.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    api_key = os.environ.get(config.get("api_key_env", "NEON_EMULATOR_API_KEY"), "")
    if not api_key:
        sys.exit("neon-emulator: the API key environment variable is empty")

    emulator = Emulator(config, api_key)
    Handler.emulator = emulator
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.exit_with_parent:
        parent = os.getppid()

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGTERM)
        threading.Thread(target=watch, daemon=True).start()

    port = server.server_address[1]
    ready = {"pid": os.getpid(), "port": port, "api_base": f"http://127.0.0.1:{port}{API_PREFIX}",
             "projects": emulator.summary()}
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as out:
            json.dump(ready, out)
        os.rename(tmp, args.ready_file)
    log(f"listening on 127.0.0.1:{port}")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not skip the cleanup
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.server_close()
        for thread in list(emulator.state.threads):
            thread.join(120)
        emulator.state.clusters.stop_all()
        log("stopped every branch cluster")


if __name__ == "__main__":
    main()
