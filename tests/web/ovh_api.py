"""A local HTTP server that speaks the part of OVHcloud's API the SMS backend uses, for the tests.

GET /1.0/auth/time and POST /1.0/sms/{service}/jobs, with OVHcloud's request signature checked exactly as the
real API does ("$1$" + SHA-1 of secret+consumer+method+URL+body+timestamp): the official `ovh` client library
talks to it unchanged, only its endpoint points here.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APPLICATION_KEY = "test-application-key"
APPLICATION_SECRET = "test-application-secret"
CONSUMER_KEY = "test-consumer-key"
SERVICE = "sms-ab12345-1"


class OvhSmsApi:
    def __init__(self) -> None:
        self.jobs: list[dict] = []
        self.refused_numbers: set[str] = set()
        self.status = 200  # set 503 to play an outage
        self.delay = 0.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/1.0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> OvhSmsApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet test output
                pass

            def reply(self, status: int, payload: object) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's hook name)
                if self.path == "/1.0/auth/time":
                    return self.reply(200, int(time.time()))
                self.reply(404, {"message": "Not found"})

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("X-Ovh-Application") != APPLICATION_KEY:
                    return self.reply(403, {"errorCode": "INVALID_KEY", "message": "Invalid application key"})
                expected = hashlib.sha1(
                    "+".join(
                        [
                            APPLICATION_SECRET,
                            self.headers.get("X-Ovh-Consumer", ""),
                            "POST",
                            f"{api.url[: -len('/1.0')]}{self.path}",
                            body,
                            self.headers.get("X-Ovh-Timestamp", ""),
                        ]
                    ).encode()
                ).hexdigest()
                if self.headers.get("X-Ovh-Signature") != "$1$" + expected:
                    return self.reply(400, {"message": "Invalid signature"})
                if self.path != f"/1.0/sms/{SERVICE}/jobs":
                    return self.reply(404, {"message": "This service does not exist"})
                time.sleep(api.delay)
                if api.status != 200:
                    return self.reply(api.status, {"message": "Service unavailable"})
                job = json.loads(body)
                api.jobs.append(job)
                invalid = [r for r in job["receivers"] if r in api.refused_numbers]
                valid = [r for r in job["receivers"] if r not in api.refused_numbers]
                ids = [1000 + len(api.jobs)] if valid else []
                self.reply(
                    200,
                    {
                        "ids": ids,
                        "validReceivers": valid,
                        "invalidReceivers": invalid,
                        "totalCreditsRemoved": len(valid),
                        "tag": "",
                    },
                )

        return Handler
