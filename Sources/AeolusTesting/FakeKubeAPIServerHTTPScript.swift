extension FakeKubeAPIServer {
    /// The second part of `script`: discovery, Tables, the HTTP handler (list, watch, writes) and main.
    static let httpScript = #"""
# --- discovery -------------------------------------------------------------------------------

VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]

def api_resources(group, version):
    # An APIResourceList entry per served resource (and its status subresource) of group/version.
    out = []
    for r in RESOURCES.values():
        if (r.group, r.version) != (group, version):
            continue
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind, "verbs": VERBS}
        if r.short_names:
            entry["shortNames"] = r.short_names
        out += [entry, {"name": r.plural + "/status", "singularName": "", "namespaced": r.namespaced, "kind": r.kind,
                        "verbs": ["get", "patch", "update"]}]
    if (group, version) == ("coordination.k8s.io", "v1"):
        out.append({"name": "leases", "singularName": "lease", "namespaced": True, "kind": "Lease",
                    "verbs": ["create", "get", "update"]})
    return out

def group_versions():
    groups = {}
    for r in RESOURCES.values():
        if r.group:
            groups.setdefault(r.group, r.version)
    groups["coordination.k8s.io"] = "v1"
    return groups

def gv_path(group, version):
    return "api/%s" % version if group == "" else "apis/%s/%s" % (group, version)

def openapi_v3(group, version):
    # A minimal OpenAPI v3 document of one group/version: no schemas, only each resource's PATCH
    # operation with its fieldValidation parameter, which is what kubectl looks for to know that
    # the server validates fields itself (so it neither validates client-side nor needs a schema).
    paths = {}
    for r in RESOURCES.values():
        if (r.group, r.version) != (group, version):
            continue
        path = "/%s%s/%s/{name}" % (gv_path(group, version), "/namespaces/{namespace}" if r.namespaced else "", r.plural)
        paths[path] = {"patch": {"x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": r.kind},
                                 "x-kubernetes-action": "patch", "responses": {"200": {"description": "OK"}},
                                 "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}]}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (Aeolus fake)", "version": "v1.37.0"}, "paths": paths,
            "components": {"schemas": {}}}

def discovery(path, port):
    # /version, /api, /apis and the resource lists; None for any other path.
    if path == "/version":
        return {"major": "1", "minor": "37", "gitVersion": "v1.37.0-aeolus-fake", "gitCommit": "", "gitTreeState": "clean",
                "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25", "compiler": "gc", "platform": "linux/amd64"}
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % port}]}
    if path == "/apis":
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": "%s/%s" % (g, v), "version": v}],
             "preferredVersion": {"groupVersion": "%s/%s" % (g, v), "version": v}} for g, v in sorted(group_versions().items())]}
    if path == "/api/v1":
        return {"kind": "APIResourceList", "groupVersion": "v1", "resources": api_resources("", "v1")}
    gvs = dict([(gv_path("", "v1"), ("", "v1"))] + [(gv_path(g, v), (g, v)) for g, v in group_versions().items()])
    if path == "/openapi/v3":
        return {"paths": {p: {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (p, p.replace("/", "-"))} for p in gvs}}
    if path.startswith("/openapi/v3/") and path[len("/openapi/v3/"):] in gvs:
        return openapi_v3(*gvs[path[len("/openapi/v3/"):]])
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "apis" and group_versions().get(parts[2]) == parts[3]:
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "%s/%s" % (parts[2], parts[3]),
                "resources": api_resources(parts[2], parts[3])}
    return None

# --- tables (kubectl's human-readable output, `Accept: application/json;as=Table;...`) -------

def age(timestamp):
    # A short age as kubectl shows it (apimachinery's duration.HumanDuration, roughly).
    try:
        seconds = int(time.time() - datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())
    except (TypeError, ValueError):
        return "<unknown>"
    seconds = max(seconds, 0)
    if seconds < 120: return "%ds" % seconds
    if seconds < 600: return "%dm%ds" % (seconds // 60, seconds % 60)
    if seconds < 3 * 3600: return "%dm" % (seconds // 60)
    if seconds < 48 * 3600: return "%dh" % (seconds // 3600)
    return "%dd" % (seconds // 86400)

def pod_row(o):
    spec, s = o.get("spec") or {}, o.get("status") or {}
    statuses = s.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in statuses)
    return ["%d/%d" % (ready, len(spec.get("containers") or [])), s.get("reason") or s.get("phase", ""), restarts,
            age(o["metadata"].get("creationTimestamp")), s.get("podIP") or "<none>", spec.get("nodeName") or "<none>"]

def node_row(o):
    meta, s = o["metadata"], o.get("status") or {}
    ready = [c.get("status") for c in s.get("conditions") or [] if c.get("type") == "Ready"]
    state = {"True": "Ready", "False": "NotReady"}.get(ready[0] if ready else "", "Unknown")
    if (o.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in meta.get("labels") or {} if k.startswith("node-role.kubernetes.io/"))
    return [state, ",".join(roles) or "<none>", age(meta.get("creationTimestamp")),
            (s.get("nodeInfo") or {}).get("kubeletVersion", "")]

def policy_row(o):
    conditions = (o.get("status") or {}).get("conditions") or []
    ready = [c.get("status") for c in conditions if c.get("type") == "Ready"]
    return [(o.get("spec") or {}).get("template"), (o.get("spec") or {}).get("suspend"), ready[0] if ready else None,
            age(o["metadata"].get("creationTimestamp"))]

def column(name, kind="string", priority=0, description=""):
    return {"name": name, "type": kind, "format": "name" if name == "Name" else "", "description": description, "priority": priority}

TABLES = {  # the columns after Name, and the cells of a row after the name
    "pods": ([column("Ready"), column("Status"), column("Restarts", "string"), column("Age"), column("IP", priority=1),
              column("Node", priority=1)], pod_row),
    "nodes": ([column("Status"), column("Roles"), column("Age"), column("Version")], node_row),
    "probePolicies": ([column("Template"), column("Suspended", "boolean"), column("Ready"), column("Age", "date")], policy_row),
}

def table(r, objects, q, rv):
    # A meta.k8s.io/v1 Table of `objects`, each row's object as includeObject asks (metadata by default).
    columns, row = TABLES.get(r.key, ([column("Age")], lambda o: [age(o["metadata"].get("creationTimestamp"))]))
    include = q.get("includeObject", "Metadata")
    def row_object(o):
        if include == "Object":
            return o
        if include == "None":
            return None
        return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": rv},
            "columnDefinitions": [column("Name", description="Name must be unique within a namespace.")] + columns,
            "rows": [{"cells": [o["metadata"]["name"]] + row(o), "object": row_object(o)} for o in objects]}

# --- HTTP ------------------------------------------------------------------------------------

def truthy(value):
    return (value or "").lower() in ("1", "t", "true")

PATCH_TYPES = ("application/merge-patch+json", "application/strategic-merge-patch+json")

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        # An unreachable server: the connection closes without an answer.
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def authenticated(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[7:]
            return token == ADMIN or token in st["tokens"]
        if isinstance(self.connection, ssl.SSLSocket) and self.connection.getpeercert():
            return True  # x509 client certificate signed by the client CA
        return not st["tokens"]

    def wants_table(self):
        return "as=Table" in self.headers.get("Accept", "")

    def route(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with cond:
            down = st["down"]
            st["requests"].append({"method": self.command, "path": url.path, "query": q,
                                   "contentType": self.headers.get("Content-Type", ""),
                                   "authorization": self.headers.get("Authorization", "")})
        if down:
            return self.drop()
        if not self.authenticated():
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        try:
            doc = discovery(url.path.rstrip("/") or "/", self.server.server_address[1]) if self.command == "GET" else None
            if doc is not None:
                return self.send_json(200, doc)
            self.api(url.path, q, body)
        except Fail as f:
            self.send_json(f.code, status(f.code, f.reason, f.message))

    def resolve(self, path):
        # (resource, namespace, name, subresource) of a resource path; 404 for anything else.
        for r in RESOURCES.values():
            if not path.startswith(r.prefix + "/"):
                continue
            parts = [unquote(p) for p in path[len(r.prefix) + 1:].split("/")]
            ns, rest = None, parts
            if parts[0] == "namespaces" and len(parts) >= 3 and r.namespaced:
                ns, rest = parts[1], parts[2:]
            if rest[0] != r.plural or len(rest) > 3:
                continue
            name = rest[1] if len(rest) > 1 else None
            if name is not None and r.namespaced and ns is None:
                raise Fail(404, "NotFound", "%s is namespaced" % r.plural)
            return r, ns, name, rest[2] if len(rest) > 2 else None
        raise Fail(404, "NotFound", "the server could not find the requested resource")

    def api(self, path, q, body):
        if path.startswith(LEASE_API + "/"):
            return self.lease_api(path, body)
        if path == TOKEN_REVIEW_API:
            if self.command != "POST":
                raise Fail(405, "MethodNotAllowed", "tokenreviews can only be created")
            return self.send_json(201, token_review(json.loads(body) if body else None))
        r, ns, name, sub = self.resolve(path)
        doc = json.loads(body) if body else None
        method = self.command
        if name is None:
            if method == "GET" and truthy(q.get("watch")):
                return self.watch(r, ns, q)
            if method == "GET":
                matches = selector(r, ns, q)
                with cond:
                    rv, found = str(st["rv"]), items(r, matches)
                if self.wants_table():
                    return self.send_json(200, table(r, found, q, rv))
                return self.send_json(200, {"kind": r.kind + "List", "apiVersion": r.api_version,
                                            "metadata": {"resourceVersion": rv}, "items": found})
            if method == "POST" and (ns is not None or not r.namespaced):
                return self.send_json(201, create(r, ns, doc))
            raise Fail(405, "MethodNotAllowed", "method %s is not supported on the collection" % method)
        if sub not in (None, "status"):
            raise Fail(404, "NotFound", "no subresource %s" % sub)
        if method == "PATCH":
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
            if ctype not in PATCH_TYPES:
                raise Fail(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types "
                           "include: %s (this fake server supports no other)" % ", ".join(PATCH_TYPES))
            strategic = ctype == PATCH_TYPES[1]
            if sub == "status":
                return self.send_json(200, write_status(r, ns, name, doc, True, strategic))
            return self.send_json(200, patch_main(r, ns, name, doc, strategic))
        if method == "GET":
            with cond:
                obj = copy.deepcopy(existing(r, ns, name))
            return self.send_json(200, table(r, [obj], q, obj["metadata"]["resourceVersion"]) if self.wants_table() else obj)
        if method == "PUT":
            return self.send_json(200, write_status(r, ns, name, doc, False) if sub == "status" else replace_main(r, ns, name, doc))
        if method == "DELETE" and sub is None:
            return self.send_json(200, delete(r, ns, name))
        raise Fail(405, "MethodNotAllowed", "method %s" % method)

    def lease_api(self, path, body):
        parts = [unquote(p) for p in path[len(LEASE_API) + 1:].split("/")]
        if len(parts) not in (3, 4) or parts[0] != "namespaces" or parts[2] != "leases":
            raise Fail(404, "NotFound", "the server could not find the requested resource")
        ns, name, doc, method = parts[1], (parts[3] if len(parts) == 4 else None), json.loads(body) if body else None, self.command
        if name is None and method == "POST":
            return self.send_json(201, lease_create(ns, doc))
        if name is not None and method == "GET":
            with cond:
                return self.send_json(200, copy.deepcopy(lease_existing(ns, name)))
        if name is not None and method == "PUT":
            return self.send_json(200, lease_update(ns, name, doc))
        raise Fail(405, "MethodNotAllowed", "method %s is not supported on leases here" % method)

    def watch(self, r, ns, q):
        requested = q.get("resourceVersion", "")
        timeout = float(q.get("timeoutSeconds", "1800"))
        bookmarks = truthy(q.get("allowWatchBookmarks"))
        matches = selector(r, ns, q)
        as_table = self.wants_table()
        with cond:
            while st["hold"]:
                cond.wait()
            epoch = st["epoch"]
            pending = []
            if requested in ("", "0"):
                # Start at the current state: a synthetic ADDED per matching object, then every change.
                position = st["rv"]
                pending = [("ADDED", o) for o in items(r, matches)]
            else:
                try:
                    position = int(requested)
                except ValueError:
                    raise Fail(400, "BadRequest", "invalid resourceVersion %r" % requested)
                if position < st["compacted"]:
                    expired = status(410, "Expired", "too old resource version: %d (%d)" % (position, st["compacted"]))
                    pending = None
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        def send(kind, obj):
            if as_table and kind not in ("ERROR", "BOOKMARK"):
                obj = table(r, [obj], q, obj["metadata"]["resourceVersion"])
            line = json.dumps({"type": kind, "object": obj}).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
            self.wfile.flush()
        try:
            if pending is None:
                send("ERROR", expired)
                return self.end()
            for kind, obj in pending:
                send(kind, obj)
            deadline = time.monotonic() + timeout
            next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
            while True:
                with cond:
                    while True:
                        if st["down"]:
                            return self.drop()
                        closing = st["epoch"] != epoch
                        last = st["closed_at"][epoch] if closing else st["rv"]
                        fresh = [e for e in r.events if position < e[0] <= last]
                        now_ = time.monotonic()
                        if closing or fresh or now_ >= deadline or (bookmarks and now_ >= next_bookmark):
                            break
                        cond.wait(min(deadline, next_bookmark if bookmarks else deadline) - now_)
                    current = st["rv"]
                # Events recorded before a close-watches still go out (none after it): then the stream ends cleanly.
                for rv, kind, obj, previous in fresh:
                    event = filtered(kind, obj, previous, matches)
                    if event:
                        send(*event)
                    position = rv
                if closing or time.monotonic() >= deadline:
                    return self.end()
                if bookmarks and time.monotonic() >= next_bookmark:
                    position = max(position, current)
                    send("BOOKMARK", {"kind": r.kind, "apiVersion": r.api_version,
                                      "metadata": {"resourceVersion": str(position)}})
                    next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
        except OSError:
            self.close_connection = True

    def end(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = route

def filtered(kind, obj, previous, matches):
    # What a selector-filtered watch sends for one event, as the watch cache does: an object that
    # stops matching goes out as DELETED (its previous state at the event's resourceVersion), one
    # that starts matching as ADDED.
    now_matches = kind != "DELETED" and matches(obj)
    was_matching = previous is not None and matches(previous)
    if now_matches and was_matching:
        return ("MODIFIED", obj)
    if now_matches:
        return ("ADDED", obj)
    if was_matching:
        gone = copy.deepcopy(previous)
        gone["metadata"]["resourceVersion"] = obj["metadata"]["resourceVersion"]
        return ("DELETED", gone)
    return None

def serve_control():
    # One JSON command per stdin line, one JSON answer per stdout line; EOF ends the server.
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = {"ok": control(json.loads(line))}
        except Fail as f:
            answer = {"error": status(f.code, f.reason, f.message)}
        except Exception as e:
            answer = {"error": status(500, "InternalError", repr(e))}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    os._exit(0)

def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(args.get("--port", "0"))), Handler)
    server.daemon_threads = True
    if "--cert" in args:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args["--cert"], args["--key"])
        if "--client-ca" in args:
            ctx.load_verify_locations(args["--client-ca"])
            ctx.verify_mode = ssl.CERT_OPTIONAL
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    threading.Thread(target=serve_control, daemon=True).start()
    server.serve_forever()

main()
"""#
}
