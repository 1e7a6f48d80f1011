extension FakeKubeAPIServer {
    /// The server `FakeKubeAPIServer` runs with `python3 -c`: one custom resource of the
    /// Kubernetes API served as the real API server serves it (Python 3's http.server, threaded,
    /// optional TLS). It keeps objects in memory with a global resourceVersion counter (etcd's
    /// revision) and the history of events since the last compaction:
    /// - list (`GET .../<plural>`, all namespaces or one): `<Kind>List` with `metadata.resourceVersion`;
    /// - watch (`?watch=1&resourceVersion=RV[&allowWatchBookmarks=true][&timeoutSeconds=N]`): chunked
    ///   JSON lines `{type, object}` of every change after RV (RV "" or "0": a synthetic ADDED per
    ///   object first), BOOKMARKs every `--bookmark-interval` seconds, the stream closed after
    ///   timeoutSeconds; an RV older than the last compaction gets one ERROR event with a 410
    ///   `Expired` Status;
    /// - `POST` (create, 201/409), `GET`/`PUT`/`DELETE` of one object (404, 409 on a stale
    ///   resourceVersion), `PATCH` with `application/merge-patch+json` (415 for any other type) of
    ///   the object or of its `/status` subresource (the status is written only there; the
    ///   generation grows when the spec changes);
    /// - `coordination.k8s.io/v1` Leases (leader election): `GET`, `POST` (409 AlreadyExists) and
    ///   `PUT` (409 Conflict on a stale resourceVersion) of one Lease; no list or watch;
    /// - bearer tokens (`--tokens`, plus `--admin-token`) or, over TLS with `--client-ca`, a client
    ///   certificate; anything else gets a 401 Status.
    /// Test control, one JSON command per stdin line (answer: one line `{"ok": ...}` or
    /// `{"error": Status}`): create, update, delete, get, list, lease-get, lease-put, compact, tokens, outage (every
    /// request and open watch is dropped without an answer), hold-watches (new watches wait before
    /// they start), close-watches, requests (the log).
    static let script = #"""
import base64, copy, json, os, socket, ssl, sys, threading, time, uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs, unquote

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
GROUP, VERSION, PLURAL, KIND = args["--group"], args["--version"], args["--plural"], args["--kind"]
ADMIN = args["--admin-token"]
BOOKMARK_INTERVAL = float(args.get("--bookmark-interval", "1"))
API = "/apis/%s/%s" % (GROUP, VERSION)
LEASE_API = "/apis/coordination.k8s.io/v1"

cond = threading.Condition()
st = {"rv": 1, "compacted": 1, "objects": {}, "leases": {}, "events": [], "tokens": set(args.get("--tokens", "").split(",")) - {""},
      "down": False, "hold": False, "epoch": 0, "requests": []}

class Fail(Exception):
    def __init__(self, code, reason, message):
        self.code, self.reason, self.message = code, reason, message

def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}

def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def merge(target, patch):
    # RFC 7386 JSON merge patch.
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge(result.get(k), v)
    return result

def record(kind, obj):
    # Called with cond held: a new resourceVersion, the object stamped with it, an event.
    st["rv"] += 1
    obj["metadata"]["resourceVersion"] = str(st["rv"])
    st["events"].append((st["rv"], kind, copy.deepcopy(obj)))
    cond.notify_all()
    return copy.deepcopy(obj)

def create(ns, obj):
    with cond:
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise Fail(422, "Invalid", "metadata.name: Required value")
        if meta.get("namespace", ns) != ns:
            raise Fail(400, "BadRequest", "the namespace of the object does not match the namespace of the request")
        if (ns, name) in st["objects"]:
            raise Fail(409, "AlreadyExists", '%s.%s "%s" already exists' % (PLURAL, GROUP, name))
        obj["apiVersion"], obj["kind"] = "%s/%s" % (GROUP, VERSION), KIND
        meta.update({"namespace": ns, "uid": str(uuid.uuid4()), "generation": 1, "creationTimestamp": now()})
        obj.pop("status", None)  # the status subresource: status is set only through /status
        st["objects"][(ns, name)] = obj
        return record("ADDED", obj)

def existing(ns, name):
    obj = st["objects"].get((ns, name))
    if obj is None:
        raise Fail(404, "NotFound", '%s.%s "%s" not found' % (PLURAL, GROUP, name))
    return obj

def check_version(current, new):
    rv = (new.get("metadata") or {}).get("resourceVersion")
    if rv and rv != current["metadata"]["resourceVersion"]:
        raise Fail(409, "Conflict", 'Operation cannot be fulfilled on %s.%s "%s": the object has been modified; '
                   'please apply your changes to the latest version and try again' % (PLURAL, GROUP, current["metadata"]["name"]))

def replace_main(ns, name, new):
    # PUT / PATCH of the main resource: spec, labels and annotations change; status is kept.
    with cond:
        current = existing(ns, name)
        check_version(current, new)
        obj = copy.deepcopy(current)
        for key, value in new.items():
            if key not in ("metadata", "status", "apiVersion", "kind"):
                obj[key] = value
        for key in ("labels", "annotations"):
            if key in (new.get("metadata") or {}):
                obj["metadata"][key] = new["metadata"][key]
        if obj.get("spec") != current.get("spec"):
            obj["metadata"]["generation"] = current["metadata"].get("generation", 1) + 1
        if obj == current:
            return copy.deepcopy(current)
        st["objects"][(ns, name)] = obj
        return record("MODIFIED", obj)

def patch_main(ns, name, patch):
    with cond:
        current = copy.deepcopy(existing(ns, name))
        merged = merge(current, patch)
    return replace_main(ns, name, merged)

def patch_status(ns, name, patch):
    with cond:
        current = existing(ns, name)
        check_version(current, patch)
        obj = copy.deepcopy(current)
        if "status" in patch:
            new_status = merge(obj.get("status"), patch["status"])
            if new_status is None:
                obj.pop("status", None)
            else:
                obj["status"] = new_status
        if obj == current:
            return copy.deepcopy(current)
        st["objects"][(ns, name)] = obj
        return record("MODIFIED", obj)

def delete(ns, name):
    with cond:
        obj = existing(ns, name)
        del st["objects"][(ns, name)]
        return record("DELETED", copy.deepcopy(obj))

def lease_existing(ns, name):
    obj = st["leases"].get((ns, name))
    if obj is None:
        raise Fail(404, "NotFound", 'leases.coordination.k8s.io "%s" not found' % name)
    return obj

def lease_stamp(obj):
    # Leases share the resourceVersion counter (etcd's revision) but no ProbePolicy watch sees them.
    st["rv"] += 1
    obj["metadata"]["resourceVersion"] = str(st["rv"])
    return copy.deepcopy(obj)

def lease_create(ns, obj):
    with cond:
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise Fail(422, "Invalid", "metadata.name: Required value")
        if (ns, name) in st["leases"]:
            raise Fail(409, "AlreadyExists", 'leases.coordination.k8s.io "%s" already exists' % name)
        obj["apiVersion"], obj["kind"] = "coordination.k8s.io/v1", "Lease"
        meta.update({"namespace": ns, "uid": str(uuid.uuid4()), "creationTimestamp": now()})
        st["leases"][(ns, name)] = obj
        return lease_stamp(obj)

def lease_update(ns, name, new):
    # PUT: the whole object replaced, refused with 409 Conflict when its resourceVersion is stale.
    with cond:
        current = lease_existing(ns, name)
        rv = (new.get("metadata") or {}).get("resourceVersion")
        if rv and rv != current["metadata"]["resourceVersion"]:
            raise Fail(409, "Conflict", 'Operation cannot be fulfilled on leases.coordination.k8s.io "%s": the object has been '
                       'modified; please apply your changes to the latest version and try again' % name)
        obj = copy.deepcopy(current)
        obj["spec"] = new.get("spec") or {}
        st["leases"][(ns, name)] = obj
        return lease_stamp(obj)

def items(ns):
    return [copy.deepcopy(st["objects"][k]) for k in sorted(st["objects"]) if ns is None or k[0] == ns]

def compact():
    # Drops the history: a watch from an older resourceVersion gets 410 Expired.
    with cond:
        st["compacted"] = st["rv"]
        st["events"] = []
        return {"compacted": str(st["rv"])}

def control(command):
    op = command["op"]
    if op == "create": return create(command["namespace"], command["object"])
    if op == "update": return replace_main(command["namespace"], command["name"], command["object"])
    if op == "delete": return delete(command["namespace"], command["name"])
    if op == "get":
        with cond: return copy.deepcopy(existing(command["namespace"], command["name"]))
    if op == "list":
        with cond: return {"items": items(None), "resourceVersion": str(st["rv"])}
    if op == "lease-get":
        with cond: return copy.deepcopy(lease_existing(command["namespace"], command["name"]))
    if op == "lease-put":
        # Sets a Lease's spec unconditionally (created when absent).
        with cond:
            if (command["namespace"], command["name"]) not in st["leases"]:
                return lease_create(command["namespace"], {"metadata": {"name": command["name"]}, "spec": command["spec"]})
            return lease_update(command["namespace"], command["name"], {"spec": command["spec"]})
    if op == "compact": return compact()
    if op == "tokens":
        with cond: st["tokens"] = set(command["tokens"])
        return {}
    if op == "outage":
        with cond:
            st["down"] = command["down"]
            cond.notify_all()
        return {}
    if op == "hold-watches":
        with cond:
            st["hold"] = command["hold"]
            cond.notify_all()
        return {}
    if op == "close-watches":
        with cond:
            st["epoch"] += 1
            cond.notify_all()
        return {}
    if op == "requests":
        with cond: return {"requests": list(st["requests"])}
    raise Fail(400, "BadRequest", "unknown control op %s" % op)

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
            self.api(url.path, q, body)
        except Fail as f:
            self.send_json(f.code, status(f.code, f.reason, f.message))

    def api(self, path, q, body):
        if path.startswith(LEASE_API + "/"):
            return self.lease_api(path, body)
        if not path.startswith(API + "/"):
            raise Fail(404, "NotFound", "the server could not find the requested resource")
        parts = [unquote(p) for p in path[len(API) + 1:].split("/")]
        ns, rest = None, parts
        if parts[0] == "namespaces" and len(parts) >= 3:
            ns, rest = parts[1], parts[2:]
        if rest[0] != PLURAL or len(rest) > 3:
            raise Fail(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        doc = json.loads(body) if body else None
        method = self.command
        if name is None:
            if method == "GET" and q.get("watch") in ("1", "true"):
                return self.watch(ns, q)
            if method == "GET":
                with cond:
                    return self.send_json(200, {"kind": KIND + "List", "apiVersion": "%s/%s" % (GROUP, VERSION),
                                                "metadata": {"resourceVersion": str(st["rv"])}, "items": items(ns)})
            if method == "POST" and ns is not None:
                return self.send_json(201, create(ns, doc))
            raise Fail(405, "MethodNotAllowed", "method %s is not supported on the collection" % method)
        if ns is None:
            raise Fail(404, "NotFound", "%s is namespaced" % PLURAL)
        if sub not in (None, "status"):
            raise Fail(404, "NotFound", "no subresource %s" % sub)
        if method == "PATCH":
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
            if ctype != "application/merge-patch+json":
                raise Fail(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types "
                           "include: application/merge-patch+json (this fake server supports no other)")
            return self.send_json(200, patch_status(ns, name, doc) if sub == "status" else patch_main(ns, name, doc))
        if sub is not None:
            raise Fail(405, "MethodNotAllowed", "only PATCH is supported on /status here")
        if method == "GET":
            with cond:
                return self.send_json(200, copy.deepcopy(existing(ns, name)))
        if method == "PUT":
            return self.send_json(200, replace_main(ns, name, doc))
        if method == "DELETE":
            return self.send_json(200, delete(ns, name))
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

    def watch(self, ns, q):
        requested = q.get("resourceVersion", "")
        timeout = float(q.get("timeoutSeconds", "1800"))
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        with cond:
            while st["hold"]:
                cond.wait()
            epoch = st["epoch"]
            pending = []
            if requested in ("", "0"):
                # Start at the current state: a synthetic ADDED per object, then every change.
                position = st["rv"]
                pending = [("ADDED", o) for o in items(ns)]
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
                        if st["epoch"] != epoch:
                            break
                        fresh = [e for e in st["events"] if e[0] > position
                                 and (ns is None or e[2]["metadata"].get("namespace") == ns)]
                        now_ = time.monotonic()
                        if fresh or now_ >= deadline or (bookmarks and now_ >= next_bookmark):
                            break
                        cond.wait(min(deadline, next_bookmark if bookmarks else deadline) - now_)
                    if st["epoch"] != epoch:
                        return self.end()
                    current = st["rv"]
                for rv, kind, obj in fresh:
                    send(kind, obj)
                    position = rv
                if time.monotonic() >= deadline:
                    return self.end()
                if bookmarks and time.monotonic() >= next_bookmark:
                    position = max(position, current)
                    send("BOOKMARK", {"kind": KIND, "apiVersion": "%s/%s" % (GROUP, VERSION),
                                      "metadata": {"resourceVersion": str(position)}})
                    next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
        except OSError:
            self.close_connection = True

    def end(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = route

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
