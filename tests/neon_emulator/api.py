"""Route table and handlers of the emulated Neon API v2 (what neon-api.md asks of an emulator)."""

import base64
import datetime
import re
import urllib.parse

from state import LOCKED, Work, error, make_id, now_rfc3339, parse_rfc3339

INVALID_JSON = object()


def public(obj):
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def cursor_for(offset):
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def offset_of(cursor):
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except Exception:
        return None


# (method, regex, route name, handler name); project id is always group 1.
ROUTES = [
    ("GET", r"/projects/([a-z0-9-]{1,60})", "get_project", "get_project"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/branches", "list_branches", "list_branches"),
    ("POST", r"/projects/([a-z0-9-]{1,60})/branches", "create_branch", "create_branch"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/branches/([a-z0-9-]{1,60})", "get_branch", "get_branch"),
    ("PATCH", r"/projects/([a-z0-9-]{1,60})/branches/([a-z0-9-]{1,60})", "patch_branch",
     "patch_branch"),
    ("DELETE", r"/projects/([a-z0-9-]{1,60})/branches/([a-z0-9-]{1,60})", "delete_branch",
     "delete_branch"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/branches/([a-z0-9-]{1,60})/endpoints",
     "list_branch_endpoints", "list_branch_endpoints"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/branches/([a-z0-9-]{1,60})/roles", "list_branch_roles",
     "list_branch_roles"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/branches/([a-z0-9-]{1,60})/databases",
     "list_branch_databases", "list_branch_databases"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/branches/([a-z0-9-]{1,60})/roles/([^/]+)/reveal_password",
     "reveal_password", "reveal_password"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/connection_uri", "connection_uri", "connection_uri"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/operations", "list_operations", "list_operations"),
    ("GET", r"/projects/([a-z0-9-]{1,60})/operations/([a-z0-9-]{1,60})", "get_operation",
     "get_operation"),
    ("POST", r"/projects/([a-z0-9-]{1,60})/endpoints/([a-z0-9-]{1,60})/(start|suspend)",
     "endpoint_action", "endpoint_action"),
]
ROUTES = [(m, re.compile("^" + r + "$"), name, handler) for m, r, name, handler in ROUTES]


def match_route(method, path):
    """(route name, handler name, path groups) or None."""
    for route_method, regex, name, handler in ROUTES:
        found = regex.match(path)
        if found and route_method == method:
            return name, handler, found.groups()
    return None


class NeonApi:
    def __init__(self, state):
        self.state = state
        self.operation_faults = {}  # route name -> [outcome dict], consumed one per mutation

    # ---- helpers ---------------------------------------------------------------------

    def _live_branches(self, project):
        return [b for b in project.branches.values() if not b.get("_deleted")]

    def _branch(self, project, branch_id):
        branch = project.branches.get(branch_id)
        return None if branch is None or branch.get("_deleted") else branch

    def _endpoints_of(self, project, branch_id):
        return [e for e in project.endpoints.values() if e["branch_id"] == branch_id]

    def _port(self, project):
        return project.parent_cluster.port if project.parent_cluster else None

    def _take_operation_fault(self, route):
        queue = self.operation_faults.get(route) or []
        return queue.pop(0) if queue else None

    @staticmethod
    def _outcome(fault, action):
        """The forced end of an operation with `action`, or None for a normal finish."""
        if not fault or fault.get("action") not in (None, action):
            return None
        return {"status": fault["status"], "error": fault.get("error", f"operation {fault['status']}"),
                "failures_count": fault.get("failures_count", 1)}

    def _roles(self, project, branch_id):
        return [{"branch_id": branch_id, "name": r["name"], "protected": False,
                 "created_at": project.created_at, "updated_at": project.created_at}
                for r in project.roles]

    def _databases(self, project, branch_id):
        return [{"id": i + 1, "branch_id": branch_id, "name": d["name"],
                 "owner_name": d.get("owner_name", "")} for i, d in enumerate(project.databases)]

    def _uri(self, project, endpoint, role, database, pooled):
        host = endpoint["host"]
        if pooled:
            host = host.replace(endpoint["id"], endpoint["id"] + "-pooler", 1)
        port = self._port(project)
        hostport = f"{host}:{port}" if port else host
        password = urllib.parse.quote(role.get("password", ""), safe="")
        return (f"postgresql://{urllib.parse.quote(role['name'], safe='')}:{password}@{hostport}/"
                f"{urllib.parse.quote(database['name'], safe='')}?sslmode=disable")

    # ---- projects and branches ---------------------------------------------------------

    def get_project(self, project, groups, query, body):
        return 200, {"project": {"id": project.id, "name": project.name,
                                 "proxy_host": project.proxy_host,
                                 "store_passwords": project.store_passwords,
                                 "created_at": project.created_at, "region_id": "emulator"}}

    def list_branches(self, project, groups, query, body):
        search = query.get("search", "")
        rows = [b for b in self._live_branches(project)
                if not search or search in b["name"] or search in b["id"]]
        sort_by = query.get("sort_by", "updated_at")
        if sort_by not in ("name", "created_at", "updated_at"):
            return error(400, "invalid sort_by")
        rows.sort(key=lambda b: (b[sort_by], b["id"]), reverse=query.get("sort_order", "desc") != "asc")
        try:
            limit = int(query.get("limit", "10000"))
        except ValueError:
            return error(400, "invalid limit")
        if not 1 <= limit <= 10000:
            return error(400, "limit must be 1..10000")
        offset = 0
        if "cursor" in query:
            offset = offset_of(query["cursor"])
            if offset is None:
                return error(400, "invalid cursor")
        page = rows[offset:offset + limit]
        pagination = {"sort_by": sort_by, "sort_order": query.get("sort_order", "desc")}
        if offset + limit < len(rows):
            pagination["next"] = cursor_for(offset + limit)
        return 200, {"branches": [public(b) for b in page], "annotations": {},
                     "pagination": pagination}

    def get_branch(self, project, groups, query, body):
        branch = self._branch(project, groups[1])
        if branch is None:
            return error(404, "branch not found")
        return 200, {"branch": public(branch), "annotation": {"value": {}}}

    def patch_branch(self, project, groups, query, body):
        branch = self._branch(project, groups[1])
        if branch is None:
            return error(404, "branch not found")
        if body is INVALID_JSON or not isinstance(body, dict):
            return error(400, "invalid JSON body")
        if self.state.locked(project):
            return 423, LOCKED
        spec = body.get("branch") or {}
        if "name" in spec:
            if any(b["name"] == spec["name"] and b is not branch for b in self._live_branches(project)):
                return error(409, "branch already exists")
            branch["name"] = spec["name"]
        if "expires_at" in spec:
            if spec["expires_at"] is None:
                branch.pop("expires_at", None)
                branch.pop("ttl_interval_seconds", None)
            else:
                problem = self._check_expiry(spec["expires_at"])
                if problem:
                    return error(400, problem)
                branch["expires_at"] = spec["expires_at"]
        branch["updated_at"] = now_rfc3339()
        return 200, {"branch": public(branch), "operations": []}

    def _check_expiry(self, value):
        when = parse_rfc3339(value)
        if when is None:
            return "expires_at must be an RFC 3339 timestamp with a time zone"
        now = datetime.datetime.now(datetime.timezone.utc)
        if when <= now:
            return "expires_at must be in the future"
        if when > now + datetime.timedelta(days=30):
            return "expires_at must be at most 30 days ahead"
        return None

    def create_branch(self, project, groups, query, body):
        if body is INVALID_JSON or (body is not None and not isinstance(body, dict)):
            return error(400, "invalid JSON body")
        body = body or {}
        spec = body.get("branch") or {}
        wanted = body.get("endpoints") or []
        if self.state.locked(project):
            return 423, LOCKED
        live = self._live_branches(project)
        name = spec.get("name") or make_id("br")
        if any(b["name"] == name for b in live):
            return error(409, "branch already exists")
        default = next(b for b in live if b.get("default"))
        parent = self._branch(project, spec.get("parent_id") or default["id"])
        if parent is None:
            return error(404, "parent branch not found")
        if sum(1 for e in wanted if e.get("type") == "read_write") > 1:
            return error(409, "read-write endpoint already exists")
        if any(e.get("type") not in ("read_write", "read_only") for e in wanted):
            return error(400, "endpoint type must be read_write or read_only")
        if "expires_at" in spec:
            problem = self._check_expiry(spec["expires_at"])
            if problem is None and parent.get("protected"):
                problem = "expires_at is not allowed for a branch of a protected branch"
            if problem:
                return error(400, problem)
        if parent.get("expires_at"):
            return error(400, "a branch with an expiration time cannot have children")
        return self._create(project, parent, name, spec, wanted)

    def _create(self, project, parent, name, spec, wanted):
        state = self.state
        branch = state._new_branch(project, name, parent["id"])
        if spec.get("expires_at"):
            branch["expires_at"] = spec["expires_at"]
            ttl = parse_rfc3339(spec["expires_at"]) - datetime.datetime.now(datetime.timezone.utc)
            branch["ttl_interval_seconds"] = int(ttl.total_seconds())
        source = parent.get("_cluster")
        endpoints = []
        for _ in wanted[:1]:
            ip = state.addresses.take(source.port if source else None)
            endpoints.append(state._new_endpoint(project, branch, make_id("ep"), ip))
        work = None
        if source is not None and endpoints and state.clusters is not None:
            work = Work()

            def copy(branch=branch, ip=endpoints[0]["_ip"]):
                branch["_cluster"] = state.clusters.copy(source, branch["id"], ip)
            state._in_background(copy, work)

        def branch_ready():
            branch["current_state"] = "ready"
            branch.pop("pending_state", None)

        def endpoint_active():
            for endpoint in endpoints:
                endpoint["current_state"] = "active"
                endpoint.pop("pending_state", None)

        fault = self._take_operation_fault("create_branch")
        ops = [state._operation(project, "create_branch", branch["id"], work=work,
                                outcome=self._outcome(fault, "create_branch"),
                                on_finish=branch_ready)]
        for endpoint in endpoints:
            ops.append(state._operation(project, "start_compute", branch["id"], endpoint["id"],
                                        work=work,
                                        outcome=self._outcome(fault, "start_compute"),
                                        on_finish=endpoint_active))
        roles = self._roles(project, branch["id"])
        databases = self._databases(project, branch["id"])
        answer = {"branch": public(branch), "endpoints": [public(e) for e in endpoints],
                  "operations": [op.json() for op in ops], "roles": roles, "databases": databases}
        if endpoints and len(project.roles) == 1 and len(project.databases) == 1 and \
                "password" in project.roles[0]:
            endpoint = endpoints[0]
            role, database = project.roles[0], project.databases[0]
            answer["connection_uris"] = [{
                "connection_uri": self._uri(project, endpoint, role, database, False),
                "connection_parameters": {
                    "database": database["name"], "role": role["name"],
                    "password": role["password"], "host": endpoint["host"],
                    "pooler_host": endpoint["host"].replace(endpoint["id"], endpoint["id"] + "-pooler", 1)}}]
        return 201, answer

    def delete_branch(self, project, groups, query, body):
        branch = self._branch(project, groups[1])
        if branch is None:
            status = self.state.config.get("delete_unknown_status", 204)
            return (204, None) if status == 204 else error(404, "branch not found")
        if branch.get("default"):
            return error(422, "cannot delete the default branch")
        if branch.get("protected"):
            return error(422, "cannot delete a protected branch")
        if any(b.get("parent_id") == branch["id"] for b in self._live_branches(project)):
            return error(422, "cannot delete a branch that has children")
        if self.state.locked(project):
            return 423, LOCKED
        state = self.state
        branch["_deleted"] = True
        branch["updated_at"] = now_rfc3339()
        endpoints = self._endpoints_of(project, branch["id"])
        for endpoint in endpoints:
            project.endpoints.pop(endpoint["id"], None)
            if state.hosts is not None:
                state.hosts.remove(endpoint["host"])
                state.hosts.remove(endpoint["host"].replace(endpoint["id"], endpoint["id"] + "-pooler", 1))
        work = Work()

        def stop_and_remove():
            # A copy may still be under way: wait for it before stopping what it started.
            for op in project.operations:
                if op.branch_id == branch["id"] and op.work is not None and op.work is not work:
                    op.work.done.wait(120)
            if state.clusters is not None:
                state.clusters.stop(branch.get("_cluster"))
        state._in_background(stop_and_remove, work)
        ops = [state._operation(project, "suspend_compute", branch["id"], e["id"]) for e in endpoints]
        fault = self._take_operation_fault("delete_branch")
        ops.append(state._operation(project, "delete_timeline", branch["id"], work=work,
                                    outcome=self._outcome(fault, "delete_timeline")))
        return 200, {"branch": public(branch), "operations": [op.json() for op in ops]}

    # ---- branch children, passwords, URIs ----------------------------------------------

    def list_branch_endpoints(self, project, groups, query, body):
        if self._branch(project, groups[1]) is None:
            return error(404, "branch not found")
        return 200, {"endpoints": [public(e) for e in self._endpoints_of(project, groups[1])]}

    def list_branch_roles(self, project, groups, query, body):
        if self._branch(project, groups[1]) is None:
            return error(404, "branch not found")
        return 200, {"roles": self._roles(project, groups[1])}

    def list_branch_databases(self, project, groups, query, body):
        if self._branch(project, groups[1]) is None:
            return error(404, "branch not found")
        return 200, {"databases": self._databases(project, groups[1])}

    def reveal_password(self, project, groups, query, body):
        if self._branch(project, groups[1]) is None:
            return error(404, "branch not found")
        role = next((r for r in project.roles if r["name"] == urllib.parse.unquote(groups[2])), None)
        if role is None:
            return error(404, "role not found")
        if not project.store_passwords or "password" not in role:
            return error(412, "passwords are not stored for this project")
        return 200, {"password": role["password"]}

    def connection_uri(self, project, groups, query, body):
        if not query.get("database_name") or not query.get("role_name"):
            return error(400, "database_name and role_name are required")
        default = next(b for b in self._live_branches(project) if b.get("default"))
        branch = self._branch(project, query.get("branch_id") or default["id"])
        if branch is None:
            return error(404, "branch not found")
        endpoints = self._endpoints_of(project, branch["id"])
        if query.get("endpoint_id"):
            endpoints = [e for e in endpoints if e["id"] == query["endpoint_id"]]
        role = next((r for r in project.roles if r["name"] == query["role_name"]), None)
        database = next((d for d in project.databases if d["name"] == query["database_name"]), None)
        if not endpoints or role is None or database is None:
            return error(404, "endpoint, role or database not found")
        pooled = query.get("pooled", "false") == "true"
        return 200, {"uri": self._uri(project, endpoints[0], role, database, pooled)}

    # ---- operations and endpoints --------------------------------------------------------

    def get_operation(self, project, groups, query, body):
        op = next((o for o in project.operations if o.id == groups[1]), None)
        if op is None:
            return error(404, "operation not found")
        op.polls += 1
        self.state.refresh(op)
        return 200, {"operation": op.json()}

    def list_operations(self, project, groups, query, body):
        for op in project.operations:
            self.state.refresh(op)
        rows = list(reversed(project.operations))
        limit = max(1, min(1000, int(query.get("limit", "10"))))
        offset = offset_of(query["cursor"]) if query.get("cursor") else 0
        page = rows[offset or 0:(offset or 0) + limit]
        pagination = {}
        if (offset or 0) + limit < len(rows):
            pagination["cursor"] = cursor_for((offset or 0) + limit)
        return 200, {"operations": [op.json() for op in page], "pagination": pagination}

    def endpoint_action(self, project, groups, query, body):
        endpoint = project.endpoints.get(groups[1])
        if endpoint is None:
            return error(404, "endpoint not found")
        if self.state.locked(project):
            return 423, LOCKED
        action = "start_compute" if groups[2] == "start" else "suspend_compute"
        op = self.state._operation(project, action, endpoint["branch_id"], endpoint["id"])
        return 200, {"endpoint": public(endpoint), "operations": [op.json()]}
