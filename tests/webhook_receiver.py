# tests/webhook_receiver.py PORT FILE [HEADERS_FILE]: a webhook receiver on
# 127.0.0.1:PORT for the alert tests; appends each POST body as one line to
# FILE and answers 200; with HEADERS_FILE, also appends each request's headers
# there as one JSON object per line (names as sent, in order).
import http.server, json, sys
out = sys.argv[2]
headers_out = sys.argv[3] if len(sys.argv) > 3 else None
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if headers_out:
            with open(headers_out, "a") as f:
                f.write(json.dumps(dict(self.headers.items())) + "\n")
        with open(out, "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
