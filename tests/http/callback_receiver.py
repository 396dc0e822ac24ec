#!/usr/bin/env python3
"""A callback receiver for the analysis tests: a real HTTP server on loopback.

    callback_receiver.py PORT_FILE LOG_FILE SECRET_FILE [PHOTO]

Writes its port to PORT_FILE once listening (RECEIVER_PORT picks it; default any free port). Each request is logged as one JSON line in LOG_FILE
with what a careful receiver checks: the Pictor-Signature against the secret (read from
SECRET_FILE on each request), and whether the delivery id was already processed (duplicates are
acknowledged but not processed again). Behaviour by path:
  /ok/...            200
  /failN/...         500 for the first N requests to that path, then 200
  /always500/...     500
  /slow-once/...     the first request waits 3 s before its 200 (the sender times out), then 200
  /photo             PHOTO's bytes (a remote source for url jobs)
  /redirect/HOST     302 to http://HOST:PORT/photo
"""
import hashlib, hmac, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, log_file, secret_file = sys.argv[1:4]
photo = sys.argv[4] if len(sys.argv) > 4 else None
lock = threading.Lock()
seen_paths = {}
processed = set()


def signature_ok(header, body):
    secret = open(secret_file).read().strip().encode()
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or abs(time.time() - int(parts["t"])) > 300:
        return False
    expected = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/photo" and photo:
            return self.reply(200, open(photo, "rb").read(), "image/jpeg")
        if self.path.startswith("/redirect/"):
            host = self.path.split("/")[2]
            return self.reply(302, headers=[("Location", f"http://{host}:{self.server.server_port}/photo")])
        self.reply(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        delivery = self.headers.get("Pictor-Delivery", "")
        with lock:
            count = seen_paths[self.path] = seen_paths.get(self.path, 0) + 1
        kind = self.path.split("/")[1]
        status, wait = 200, 0
        if kind.startswith("fail") and kind[4:].isdigit() and count <= int(kind[4:]):
            status = 500
        elif kind == "always500":
            status = 500
        elif kind == "slow-once" and count == 1:
            wait = 3
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        with lock:
            duplicate = status == 200 and delivery in processed
            if status == 200:
                processed.add(delivery)
            entry = {
                "path": self.path, "time": time.time(), "status": status, "delivery": delivery,
                "event": self.headers.get("Pictor-Event", ""),
                "signature_ok": signature_ok(self.headers.get("Pictor-Signature", ""), body),
                "duplicate": duplicate, "job": payload.get("job", {}).get("id", ""),
                "body_type": payload.get("type", ""), "body_delivery": payload.get("delivery_id", ""),
                "payload": payload,
            }
            with open(log_file, "a") as log:
                log.write(json.dumps(entry) + "\n")
        time.sleep(wait)
        try:
            self.reply(status, b"ok" if status == 200 else b"try again")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (the slow-once case)


server = ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("RECEIVER_PORT", "0"))), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_port))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
