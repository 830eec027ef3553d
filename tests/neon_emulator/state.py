"""The emulated Neon control plane: projects, branches, endpoints, operations, the project lock.

Every public method takes the already-parsed request pieces and returns (status, body) where
body is a JSON-able dict, or None for an empty answer. All of it runs under one lock.
"""

import datetime
import random
import string
import threading
import time
import uuid

WORDS = ["cool", "dark", "quiet", "round", "aged", "shiny", "wild", "bold", "calm", "misty",
         "salad", "wind", "unit", "river", "stone", "cloud", "leaf", "frost", "dawn", "spark"]
TERMINAL = {"finished", "skipped", "failed", "error", "cancelled"}
LOCKED = {"code": "", "message": "project already has running conflicting operations, "
                                 "scheduling of new ones is prohibited"}


def now_rfc3339(offset_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    """A datetime with a zone, or None (no zone, or malformed)."""
    if not isinstance(text, str) or len(text) < 20:
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def make_id(prefix):
    suffix = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(8))
    return f"{prefix}-{random.choice(WORDS)}-{random.choice(WORDS)}-{suffix}"


def error(status, message):
    return status, {"code": "", "message": message, "request_id": str(uuid.uuid4())}


class Operation:
    def __init__(self, project_id, action, branch_id=None, endpoint_id=None, work=None,
                 outcome=None, on_finish=None):
        self.id = str(uuid.uuid4())
        self.project_id = project_id
        self.action = action
        self.branch_id = branch_id
        self.endpoint_id = endpoint_id
        self.status = "scheduling"
        self.error = None
        self.failures_count = 0
        self.created_at = now_rfc3339()
        self.updated_at = self.created_at
        self.born = time.monotonic()
        self.polls = 0
        self.advanced = False       # set by the control API: finish as soon as the work is done
        self.work = work            # a Work whose end this operation waits for, or None
        self.outcome = outcome      # forced terminal {"status","error","failures_count"}, or None
        self.on_finish = on_finish  # called once when the operation succeeds

    def json(self):
        out = {"id": self.id, "project_id": self.project_id, "action": self.action,
               "status": self.status, "failures_count": self.failures_count,
               "created_at": self.created_at, "updated_at": self.updated_at,
               "total_duration_ms": int((time.monotonic() - self.born) * 1000)}
        if self.branch_id:
            out["branch_id"] = self.branch_id
        if self.endpoint_id:
            out["endpoint_id"] = self.endpoint_id
        if self.error:
            out["error"] = self.error
        return out


class Work:
    """Background work (a real copy, a stop) that operations wait for."""

    def __init__(self):
        self.done = threading.Event()
        self.error = None


class Project:
    def __init__(self, spec):
        self.id = spec["id"]
        self.name = spec.get("name", self.id)
        self.proxy_host = spec.get("proxy_host", "emulator.neon.test")
        self.store_passwords = spec.get("store_passwords", True)
        self.created_at = now_rfc3339()
        self.branches = {}    # id -> dict (API shape) + private keys starting with "_"
        self.endpoints = {}   # id -> dict
        self.operations = []  # oldest first
        self.roles = spec.get("roles", [])          # [{"name", "password"}]
        self.databases = spec.get("databases", [])  # [{"name", "owner_name"}]
        self.parent_cluster = None                  # clusters.Cluster of the default branch


class NeonState:
    def __init__(self, config, clusters, hosts, addresses, log):
        self.config = config        # dict: polls_to_running, polls_to_finish, seconds_to_finish, ...
        self.clusters = clusters    # ClusterManager or None
        self.hosts = hosts          # HostsFile or None
        self.addresses = addresses  # AddressPool
        self.log = log
        self.lock = threading.RLock()
        self.projects = {}
        self.threads = []

    # ---- setup -------------------------------------------------------------------------

    def add_project(self, spec, parent_cluster=None):
        project = Project(spec)
        project.parent_cluster = parent_cluster
        self.projects[project.id] = project
        branch = self._new_branch(project, spec.get("default_branch_name", "main"), None)
        branch["default"] = True
        branch["current_state"] = "ready"
        if spec.get("default_branch_id"):
            project.branches.pop(branch["id"])
            branch["id"] = spec["default_branch_id"]
            project.branches[branch["id"]] = branch
        endpoint_id = spec.get("default_endpoint_id") or make_id("ep")
        ip = parent_cluster.host if parent_cluster else self.addresses.take(None)
        endpoint = self._new_endpoint(project, branch, endpoint_id, ip)
        endpoint["current_state"] = "active"
        branch["_cluster"] = parent_cluster
        return project

    def _new_branch(self, project, name, parent_id):
        now = now_rfc3339()
        branch = {"id": make_id("br"), "project_id": project.id, "name": name,
                  "parent_id": parent_id, "current_state": "init", "pending_state": "ready",
                  "default": False, "protected": False, "init_source": "parent-data",
                  "created_at": now, "updated_at": now, "_cluster": None}
        project.branches[branch["id"]] = branch
        return branch

    def _new_endpoint(self, project, branch, endpoint_id, ip):
        host = f"{endpoint_id}.{project.proxy_host}"
        endpoint = {"id": endpoint_id, "host": host, "project_id": project.id,
                    "branch_id": branch["id"], "type": "read_write", "current_state": "init",
                    "pending_state": "active", "region_id": "emulator", "proxy_host":
                    project.proxy_host, "created_at": now_rfc3339(), "_ip": ip}
        project.endpoints[endpoint_id] = endpoint
        if self.hosts is not None:
            self.hosts.add(host, ip)
            self.hosts.add(f"{endpoint_id}-pooler.{project.proxy_host}", ip)
        return endpoint

    # ---- operations and the lock -------------------------------------------------------

    def refresh(self, op):
        if op.status in TERMINAL:
            return
        age = time.monotonic() - op.born
        cfg = self.config
        if op.polls >= cfg["polls_to_running"] or age >= cfg["seconds_to_finish"] / 2:
            op.status = "running"
        work_done = op.work is None or op.work.done.is_set()
        ready = op.polls >= cfg["polls_to_finish"] or age >= cfg["seconds_to_finish"]
        if work_done and op.work is not None and op.work.error:
            self._end(op, {"status": "failed", "error": op.work.error, "failures_count": 1})
        elif work_done and (ready or op.advanced):
            self._end(op, op.outcome or {"status": "finished"})

    def _end(self, op, outcome):
        op.status = outcome["status"]
        op.error = outcome.get("error")
        op.failures_count = outcome.get("failures_count", 0)
        op.updated_at = now_rfc3339()
        if op.status in ("finished", "skipped") and op.on_finish:
            op.on_finish()

    def advance(self, project_id=None):
        """Finishes every operation whose background work is done."""
        for project in self.projects.values():
            if project_id and project.id != project_id:
                continue
            for op in project.operations:
                if op.status not in TERMINAL and (op.work is None or op.work.done.is_set()):
                    op.advanced = True
                    self.refresh(op)

    def locked(self, project):
        for op in project.operations:
            self.refresh(op)
        return any(op.status not in TERMINAL for op in project.operations)

    def _operation(self, project, action, branch_id, endpoint_id=None, work=None, outcome=None,
                   on_finish=None):
        op = Operation(project.id, action, branch_id, endpoint_id, work, outcome, on_finish)
        project.operations.append(op)
        return op

    def _in_background(self, fn, work):
        def run():
            try:
                fn()
            except Exception as failure:  # the operation reports it
                work.error = str(failure)
                self.log(f"background work failed: {failure}")
            finally:
                work.done.set()
        thread = threading.Thread(target=run, daemon=True)
        self.threads.append(thread)
        thread.start()
