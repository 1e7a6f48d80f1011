extension HTTPTestServer {
    /// The server `HTTPTestServer` runs with `python3 -c`: Python 3's http.server +
    /// ThreadingHTTPServer (+ ssl), bound to 127.0.0.1 on a port the kernel picks, which it prints
    /// as `PORT <n>`. It exits when its stdin closes (the test process ended, even by a crash).
    ///
    /// Kept as a Swift string so that every test target can use it without resource bundles.
    /// Routes (any method):
    /// - `/echo[?status=N]`: JSON {method, path, query, headers: [[name, value]], body (base64),
    ///   clientCN (the TLS client certificate's common name or null)}, with status N (200).
    /// - `/status/N`: status N, body `status N` (none for 204).
    /// - `/chunks?id=X`: chunked; sends `first\n`, waits (10 s at most) for `/ack?id=X`, then
    ///   `second acked\n` (or `second timeout\n`).
    /// - `/ack?id=X`: releases `/chunks?id=X`.
    /// - `/pieces` (POST a JSON list of strings): chunked; one chunk per string, 20 ms apart.
    /// - `/sleep?seconds=S`: answers `slept` after S seconds.
    /// - `/forever?id=X`: chunked `tick\n` every 50 ms until the client goes away.
    /// - `/closed?id=X&wait=S`: `yes` once `/forever?id=X` saw its client go (waits up to S s), else `no`.
    /// - `/bytes?n=N`: chunked body of N bytes, byte i = i % 251, in 64 KiB chunks.
    static let script = #"""
import base64, json, os, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

lock = threading.Lock()
acks, closed = {}, {}

def event(table, key):
    with lock:
        return table.setdefault(key, threading.Event())

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def plain(self, status, body, ctype="text/plain"):
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def start_chunks(self, ctype="application/json"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def route(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = url.path
        if path == "/echo":
            cn = None
            if isinstance(self.connection, ssl.SSLSocket):
                peer = self.connection.getpeercert()
                if peer:
                    cn = dict(x[0] for x in peer["subject"]).get("commonName")
            doc = {"method": self.command, "path": path, "query": q,
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "body": base64.b64encode(body).decode(), "clientCN": cn}
            self.plain(int(q.get("status", 200)), json.dumps(doc).encode(), "application/json")
        elif path.startswith("/status/"):
            code = int(path.split("/")[2])
            self.plain(code, b"" if code == 204 else b"status %d" % code)
        elif path == "/chunks":
            self.start_chunks("text/plain")
            self.chunk(b"first\n")
            acked = event(acks, q["id"]).wait(10)
            self.chunk(b"second acked\n" if acked else b"second timeout\n")
            self.end_chunks()
        elif path == "/ack":
            event(acks, q["id"]).set()
            self.plain(200, b"ok")
        elif path == "/pieces":
            self.start_chunks()
            for piece in json.loads(body):
                self.chunk(piece.encode())
                time.sleep(0.02)
            self.end_chunks()
        elif path == "/sleep":
            time.sleep(float(q["seconds"]))
            self.plain(200, b"slept")
        elif path == "/forever":
            self.start_chunks("text/plain")
            try:
                while True:
                    self.chunk(b"tick\n")
                    time.sleep(0.05)
            except OSError:
                event(closed, q["id"]).set()
                self.close_connection = True
        elif path == "/closed":
            seen = event(closed, q["id"]).wait(float(q.get("wait", 0)))
            self.plain(200, b"yes" if seen else b"no")
        elif path == "/bytes":
            n = int(q["n"])
            self.start_chunks("application/octet-stream")
            pattern = bytes(i % 251 for i in range(251 * 263))
            sent = 0
            while sent < n:
                size = min(65536, n - sent)
                offset = sent % 251
                self.chunk(pattern[offset:offset + size])
                sent += size
            self.end_chunks()
        else:
            self.plain(404, b"no route " + path.encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = route

def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if "--cert" in args:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args["--cert"], args["--key"])
        if "--client-ca" in args:
            ctx.load_verify_locations(args["--client-ca"])
            ctx.verify_mode = ssl.CERT_REQUIRED
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    def watch_stdin():
        sys.stdin.buffer.read()
        os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()

main()
"""#
}
