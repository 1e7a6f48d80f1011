extension FakeKubeAPIServer {
    /// The server `FakeKubeAPIServer` runs with `python3 -c` (this part, then `httpScript`):
    /// several resources of the Kubernetes API served as the real API server serves them (Python
    /// 3's http.server, threaded, optional TLS): the custom resource (default: Aeolus' ProbePolicy,
    /// namespaced, its status written only through `/status`), core `v1` Pods (namespaced) and
    /// Nodes (cluster-scoped). It keeps objects in memory with one global resourceVersion counter
    /// (etcd's revision) and, per resource, the history of events since the last compaction:
    /// - list (`GET .../<plural>`, all namespaces or one): `<Kind>List` with `metadata.resourceVersion`,
    ///   or a `meta.k8s.io/v1` Table when the client asks for one (`Accept: ...;as=Table`, as kubectl does);
    /// - `labelSelector` (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`,
    ///   comma = AND) and `fieldSelector` (`=`, `==`, `!=` on `metadata.name`, `metadata.namespace`
    ///   when namespaced; pods also `spec.nodeName`, `spec.restartPolicy`, `spec.schedulerName`,
    ///   `spec.serviceAccountName`, `spec.hostNetwork`, `status.phase`, `status.podIP`,
    ///   `status.nominatedNodeName`; nodes `spec.unschedulable`; any other field: 400 `field label
    ///   not supported: X`), on list and watch alike;
    /// - watch (`?watch=true&resourceVersion=RV[&allowWatchBookmarks=true][&timeoutSeconds=N]`):
    ///   chunked JSON lines `{type, object}` of every change after RV (RV "" or "0": a synthetic
    ///   ADDED per object first), BOOKMARKs every `--bookmark-interval` seconds, the stream closed
    ///   after timeoutSeconds; an RV older than the last compaction gets one ERROR event with a 410
    ///   `Expired` Status; with a selector, an object modified so that it stops matching goes out as
    ///   DELETED and one that starts matching as ADDED (as the watch cache does);
    /// - `POST` (create, 201/409; a created pod's status is reset to Pending, the custom resource's
    ///   dropped, a node's kept), `GET`/`PUT`/`DELETE` of one object (404, 409 on a stale
    ///   resourceVersion), `PATCH` with `application/merge-patch+json` or
    ///   `application/strategic-merge-patch+json` (approximated: a merge patch whose lists of
    ///   objects with a `name` merge by name, directives such as `$setElementOrder` ignored; 415 for
    ///   any other type) of the object or of its `/status` subresource, `PUT` of `/status`; the
    ///   generation grows when the spec changes;
    /// - `coordination.k8s.io/v1` Leases (leader election): `GET`, `POST` (409 AlreadyExists) and
    ///   `PUT` (409 Conflict on a stale resourceVersion) of one Lease; no list or watch;
    /// - `authentication.k8s.io/v1` TokenReviews (`POST`) of the bound service-account tokens a
    ///   test added: the service account as the user, the pod's name and uid in `extra`; not
    ///   authenticated when the token is unknown, its pod is gone or the audiences miss;
    /// - discovery, enough for kubectl and client libraries: `/version`, `/api`, `/apis`,
    ///   `/api/v1`, `/apis/<group>/<version>` (APIResourceList with verbs, kind, shortNames), and a
    ///   minimal `/openapi/v3` (each resource's PATCH with its `fieldValidation` parameter, so kubectl
    ///   leaves validation to the server; no schemas; `/openapi/v2` is 404);
    /// - bearer tokens (`--tokens`, plus `--admin-token`) or, over TLS with `--client-ca`, a client
    ///   certificate; anything else gets a 401 Status. (kubectl sends a token only over TLS.)
    /// Test control, one JSON command per stdin line (answer: one line `{"ok": ...}` or
    /// `{"error": Status}`): create, update, delete, get, list (each with `kind`: probePolicies,
    /// pods or nodes), lease-get, lease-put, compact, tokens, service-account-token, outage (every request and open watch
    /// is dropped without an answer), hold-watches (new watches wait before they start),
    /// close-watches, requests (the log).
    static var script: String { storeScript + httpScript }

    /// The objects, selectors and test control.
    private static let storeScript = #"""
import base64, copy, json, os, re, socket, ssl, sys, threading, time, uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs, unquote

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
ADMIN = args["--admin-token"]
BOOKMARK_INTERVAL = float(args.get("--bookmark-interval", "1"))
LEASE_API = "/apis/coordination.k8s.io/v1"
TOKEN_REVIEW_API = "/apis/authentication.k8s.io/v1/tokenreviews"

cond = threading.Condition()
st = {"rv": 1, "compacted": 1, "leases": {}, "tokens": set(args.get("--tokens", "").split(",")) - {""},
      "service_account_tokens": {}, "down": False, "hold": False, "epoch": 0, "closed_at": {}, "requests": []}

class Fail(Exception):
    def __init__(self, code, reason, message):
        self.code, self.reason, self.message = code, reason, message

def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}

def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def flag(value):
    return "true" if value else "false"

# --- resources -------------------------------------------------------------------------------

def pod_fields(obj):
    # The fields the real API server can select pods by (pkg/registry/core/pod: ToSelectableFields).
    spec, s = obj.get("spec") or {}, obj.get("status") or {}
    return {"spec.nodeName": spec.get("nodeName", ""), "spec.restartPolicy": spec.get("restartPolicy", ""),
            "spec.schedulerName": spec.get("schedulerName", ""), "spec.serviceAccountName": spec.get("serviceAccountName", ""),
            "spec.hostNetwork": flag(spec.get("hostNetwork")), "status.phase": s.get("phase", ""),
            "status.podIP": s.get("podIP", ""), "status.nominatedNodeName": s.get("nominatedNodeName", "")}

def node_fields(obj):
    return {"spec.unschedulable": flag((obj.get("spec") or {}).get("unschedulable"))}

def pod_create_status(obj):
    # A created pod is Pending until a kubelet says otherwise (the real strategy resets status).
    return {"phase": "Pending", "qosClass": "BestEffort"}

class Resource:
    # One served collection: its objects and the history of its events since the last compaction.
    def __init__(self, key, group, version, plural, kind, namespaced, short_names=(), fields=None,
                 create_status=None, generation=True, singular=None):
        self.key, self.group, self.version, self.plural, self.kind = key, group, version, plural, kind
        self.namespaced, self.short_names, self.generation = namespaced, list(short_names), generation
        self.singular = singular or kind.lower()
        self.api_version = version if group == "" else "%s/%s" % (group, version)
        self.prefix = "/api/%s" % version if group == "" else "/apis/%s/%s" % (group, version)
        self.qualified = plural if group == "" else "%s.%s" % (plural, group)
        self.extra_fields = fields or (lambda obj: {})
        # What a POST keeps of a given status: None drops it (a status subresource written only
        # through /status), a function computes it, True keeps it.
        self.create_status = create_status
        self.objects, self.events = {}, []

    def fields(self, obj):
        meta = obj["metadata"]
        values = {"metadata.name": meta.get("name", "")}
        if self.namespaced:
            values["metadata.namespace"] = meta.get("namespace", "")
        values.update(self.extra_fields(obj))
        return values

    def not_found(self, name):
        return Fail(404, "NotFound", '%s "%s" not found' % (self.qualified, name))

CUSTOM = Resource("probePolicies", args["--group"], args["--version"], args["--plural"], args["--kind"], True,
                  short_names=args.get("--short-names", "").split(",") if args.get("--short-names") else ())
RESOURCES = {"probePolicies": CUSTOM,
             "pods": Resource("pods", "", "v1", "pods", "Pod", True, ["po"], pod_fields, pod_create_status),
             "nodes": Resource("nodes", "", "v1", "nodes", "Node", False, ["no"], node_fields, True, generation=False)}

# --- selectors -------------------------------------------------------------------------------

def split_unescaped(text, sep):
    parts, current, escaped, depth = [], "", False, 0
    for ch in text:
        if escaped:
            current += "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
            current += ch
        elif ch == ")":
            depth -= 1
            current += ch
        elif ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return parts + [current]

LABEL_KEY = r"[A-Za-z0-9]([A-Za-z0-9_.\-/]*[A-Za-z0-9])?"
LABEL_VALUE = r"([A-Za-z0-9]([A-Za-z0-9_.\-]*[A-Za-z0-9])?)?"

def label_requirement(term):
    # One requirement of a label selector, as k8s.io/apimachinery/pkg/labels parses it.
    t = term.strip()
    m = re.fullmatch(r"(!?)\s*(%s)" % LABEL_KEY, t)
    if m:
        key, negate = m.group(2), m.group(1) == "!"
        return lambda labels: (key in labels) != negate
    m = re.fullmatch(r"(%s)\s+(in|notin)\s*\(([^()]*)\)" % LABEL_KEY, t)
    if m:
        key, op = m.group(1), m.group(3)
        values = {v.strip() for v in m.group(4).split(",")}
        if not all(re.fullmatch(LABEL_VALUE, v) for v in values):
            raise Fail(400, "BadRequest", "unable to parse requirement: invalid label value in %r" % t)
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    m = re.fullmatch(r"(%s)\s*(==|!=|=|>|<)\s*(\S*)" % LABEL_KEY, t)
    if m:
        key, op, value = m.group(1), m.group(3), m.group(4)
        if op in (">", "<"):
            if not re.fullmatch(r"-?\d+", value):
                raise Fail(400, "BadRequest", "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer")
            bound = int(value)
            def compare(labels):
                try:
                    n = int(labels[key])
                except (KeyError, ValueError):
                    return False
                return n > bound if op == ">" else n < bound
            return compare
        if not re.fullmatch(LABEL_VALUE, value):
            raise Fail(400, "BadRequest", "unable to parse requirement: invalid label value: %r" % value)
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    raise Fail(400, "BadRequest", "unable to parse requirement: found %r, expected a label selector requirement" % t)

def field_requirement(resource, term):
    # One requirement of a field selector: field=value, field==value or field!=value; the field
    # must be one the resource supports, as the real server's field label conversion checks.
    for op in ("!=", "==", "="):
        index = term.find(op)
        while index > 0 and term[index - 1] == "\\":
            index = term.find(op, index + 1)
        if index >= 0:
            break
    else:
        raise Fail(400, "BadRequest", "invalid selector: '%s'; can't understand '%s'" % (term, term))
    field, value = term[:index].strip(), term[index + len(op):].strip()
    value = re.sub(r"\\(.)", r"\1", value)
    if field not in resource.fields({"metadata": {}}):
        raise Fail(400, "BadRequest", "field label not supported: %s" % field)
    if op == "!=":
        return lambda fields: fields[field] != value
    return lambda fields: fields[field] == value

def selector(resource, ns, q):
    # The predicate a list or watch applies: namespace, labelSelector and fieldSelector.
    labels = [label_requirement(t) for t in split_unescaped(q.get("labelSelector", ""), ",") if t.strip()]
    fields = [field_requirement(resource, t) for t in split_unescaped(q.get("fieldSelector", ""), ",") if t.strip()]
    def matches(obj):
        meta = obj["metadata"]
        if ns is not None and meta.get("namespace") != ns:
            return False
        values, label_values = resource.fields(obj), meta.get("labels") or {}
        return all(r(label_values) for r in labels) and all(r(values) for r in fields)
    return matches

# --- objects ---------------------------------------------------------------------------------

def merge(target, patch, strategic=False):
    # RFC 7386 JSON merge patch. With `strategic`, an approximation of a strategic merge patch:
    # directives ($patch, $retainKeys, $setElementOrder/...) are dropped and lists of objects
    # with a `name` are merged by name (containers, ports, volumes); other lists are replaced.
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if strategic and k.startswith("$"):
            continue
        if v is None:
            result.pop(k, None)
        elif strategic and isinstance(v, list) and isinstance(result.get(k), list) \
                and all(isinstance(x, dict) and "name" in x for x in v + result[k]):
            merged = {x["name"]: x for x in result[k]}
            for item in v:
                if item.get("$patch") == "delete":
                    merged.pop(item["name"], None)
                else:
                    merged[item["name"]] = merge(merged.get(item["name"]), item, True)
            result[k] = list(merged.values())
        else:
            result[k] = merge(result.get(k), v, strategic)
    return result

def record(r, kind, obj, previous):
    # Called with cond held: a new resourceVersion, the object stamped with it, an event (with the
    # object before the change, which selector-filtered watches compare).
    st["rv"] += 1
    obj["metadata"]["resourceVersion"] = str(st["rv"])
    r.events.append((st["rv"], kind, copy.deepcopy(obj), previous))
    cond.notify_all()
    return copy.deepcopy(obj)

def key(r, ns, name):
    return (ns if r.namespaced else "", name)

def create(r, ns, obj, keep_status=False):
    with cond:
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise Fail(422, "Invalid", "metadata.name: Required value")
        if r.namespaced:
            if meta.get("namespace", ns) != ns:
                raise Fail(400, "BadRequest", "the namespace of the object does not match the namespace of the request")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        if key(r, ns, name) in r.objects:
            raise Fail(409, "AlreadyExists", '%s "%s" already exists' % (r.qualified, name))
        obj["apiVersion"], obj["kind"] = r.api_version, r.kind
        meta.update({"uid": str(uuid.uuid4()), "creationTimestamp": now()})
        if r.generation:
            meta["generation"] = 1
        if not keep_status and r.create_status is not True:
            obj.pop("status", None)
            if r.create_status:
                obj["status"] = r.create_status(obj)
        r.objects[key(r, ns, name)] = obj
        return record(r, "ADDED", obj, None)

def existing(r, ns, name):
    obj = r.objects.get(key(r, ns, name))
    if obj is None:
        raise r.not_found(name)
    return obj

def check_version(r, current, new):
    rv = (new.get("metadata") or {}).get("resourceVersion")
    if rv and rv != current["metadata"]["resourceVersion"]:
        raise Fail(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                   'please apply your changes to the latest version and try again' % (r.qualified, current["metadata"]["name"]))

def store(r, ns, name, current, obj):
    # Called with cond held: keeps a changed object (one MODIFIED event), or answers the unchanged one.
    if obj.get("spec") != current.get("spec") and r.generation:
        obj["metadata"]["generation"] = current["metadata"].get("generation", 1) + 1
    if obj == current:
        return copy.deepcopy(current)
    r.objects[key(r, ns, name)] = obj
    return record(r, "MODIFIED", obj, copy.deepcopy(current))

def replace_main(r, ns, name, new, with_status=False):
    # PUT / PATCH of the main resource: spec, labels and annotations change; status is kept
    # (replaced too with `with_status`: a test playing PUT plus a status write).
    with cond:
        current = existing(r, ns, name)
        check_version(r, current, new)
        obj = copy.deepcopy(current)
        for k, value in new.items():
            if k not in ("metadata", "status", "apiVersion", "kind"):
                obj[k] = value
        if with_status:
            obj.pop("status", None)
            if "status" in new:
                obj["status"] = copy.deepcopy(new["status"])
        for k in ("labels", "annotations"):
            obj["metadata"].pop(k, None)
            if k in (new.get("metadata") or {}):
                obj["metadata"][k] = new["metadata"][k]
        return store(r, ns, name, current, obj)

def patch_main(r, ns, name, patch, strategic=False):
    with cond:
        current = copy.deepcopy(existing(r, ns, name))
        merged = merge(current, patch, strategic)
    return replace_main(r, ns, name, merged)

def write_status(r, ns, name, doc, patch=True, strategic=False):
    # The /status subresource: PATCH merges into the status, PUT replaces it; nothing else changes.
    with cond:
        current = existing(r, ns, name)
        check_version(r, current, doc)
        obj = copy.deepcopy(current)
        if patch:
            new_status = merge(obj.get("status"), doc["status"], strategic) if "status" in doc else obj.get("status")
        else:
            new_status = doc.get("status")
        obj.pop("status", None)
        if new_status is not None:
            obj["status"] = new_status
        return store(r, ns, name, current, obj)

def delete(r, ns, name):
    with cond:
        obj = existing(r, ns, name)
        del r.objects[key(r, ns, name)]
        return record(r, "DELETED", copy.deepcopy(obj), copy.deepcopy(obj))

def items(r, matches=lambda obj: True):
    return [copy.deepcopy(r.objects[k]) for k in sorted(r.objects) if matches(r.objects[k])]

def lease_existing(ns, name):
    obj = st["leases"].get((ns, name))
    if obj is None:
        raise Fail(404, "NotFound", 'leases.coordination.k8s.io "%s" not found' % name)
    return obj

def lease_stamp(obj):
    # Leases share the resourceVersion counter (etcd's revision) but no watch sees them.
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

def compact():
    # Drops the history of every resource: a watch from an older resourceVersion gets 410 Expired.
    with cond:
        st["compacted"] = st["rv"]
        for r in RESOURCES.values():
            r.events = []
        return {"compacted": str(st["rv"])}

def token_review(doc):
    # What kube-apiserver's TokenReview answers for a bound service-account token: the service
    # account as the user, the pod it is bound to in `extra` (a token whose pod is gone or whose
    # audiences miss the review's is not authenticated).
    spec = (doc or {}).get("spec") or {}
    review = {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1", "metadata": {"creationTimestamp": None},
              "spec": spec}
    with cond:
        bound = st["service_account_tokens"].get(spec.get("token", ""))
        pod = None
        if bound:
            pod = RESOURCES["pods"].objects.get(key(RESOURCES["pods"], bound["namespace"], bound["pod"]))
    if bound is None:
        review["status"] = {"user": {}, "error": "[invalid bearer token, service account token has been invalidated]"}
        return review
    wanted = spec.get("audiences") or ["https://kubernetes.default.svc.cluster.local"]
    audiences = [a for a in wanted if a in bound["audiences"]]
    if not audiences:
        review["status"] = {"user": {}, "error": "[invalid bearer token, token audiences %s is invalid for the target audiences %s]"
                            % (json.dumps(bound["audiences"]), json.dumps(wanted))}
        return review
    if pod is None:
        review["status"] = {"user": {}, "error": "[invalid bearer token, pods \"%s\" not found]" % bound["pod"]}
        return review
    ns, sa = bound["namespace"], bound["serviceAccount"]
    review["status"] = {"authenticated": True, "audiences": audiences, "user": {
        "username": "system:serviceaccount:%s:%s" % (ns, sa), "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, ns + "/" + sa)),
        "groups": ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"],
        "extra": {"authentication.kubernetes.io/pod-name": [bound["pod"]],
                  "authentication.kubernetes.io/pod-uid": [pod["metadata"]["uid"]]}}}
    return review

def control(command):
    op = command["op"]
    r = RESOURCES[command.get("kind", "probePolicies")]
    obj = command.get("object") or {}
    ns = command.get("namespace")
    if r.namespaced and ns is None:
        ns = (obj.get("metadata") or {}).get("namespace") or "default"
    keep_status = r is not CUSTOM  # tests play the kubelet: a pod's or node's status is theirs to set
    if op == "create": return create(r, ns, obj, keep_status)
    if op == "update": return replace_main(r, ns, command["name"], obj, keep_status)
    if op == "delete": return delete(r, ns, command["name"])
    if op == "get":
        with cond: return copy.deepcopy(existing(r, ns, command["name"]))
    if op == "list":
        with cond: return {"items": items(r), "resourceVersion": str(st["rv"])}
    if op == "lease-get":
        with cond: return copy.deepcopy(lease_existing(command["namespace"], command["name"]))
    if op == "lease-put":
        # Sets a Lease's spec unconditionally (created when absent).
        with cond:
            if (command["namespace"], command["name"]) not in st["leases"]:
                return lease_create(command["namespace"], {"metadata": {"name": command["name"]}, "spec": command["spec"]})
            return lease_update(command["namespace"], command["name"], {"spec": command["spec"]})
    if op == "compact": return compact()
    if op == "service-account-token":
        with cond:
            st["service_account_tokens"][command["token"]] = {k: command[k] for k in ("namespace", "serviceAccount", "pod", "audiences")}
        return {}
    if op == "tokens":
        with cond: st["tokens"] = set(command["tokens"])
        return {}
    if op in ("outage", "hold-watches", "close-watches"):
        with cond:
            if op == "outage": st["down"] = command["down"]
            if op == "hold-watches": st["hold"] = command["hold"]
            if op == "close-watches":
                st["closed_at"][st["epoch"]] = st["rv"]
                st["epoch"] += 1
            cond.notify_all()
        return {}
    if op == "requests":
        with cond: return {"requests": list(st["requests"])}
    raise Fail(400, "BadRequest", "unknown control op %s" % op)
"""#
}
