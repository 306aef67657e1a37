"""Hold one TLS connection to the API through the VIP and send GET /readyz
on it every 0.5 s until STOPFILE exists (test/e2e/ha/run, step 5, on the
client host). Prints "port N" once connected, then "ok N" (requests
answered) at the end, or "failed after N requests: ERROR" and exits 1 at
the first request the connection does not answer: it never reconnects, so
a reset while the VIP moves is a failure.

Usage: python3 hold.py VIP PORT STOPFILE"""
import os
import socket
import ssl
import sys
import time

vip, port, stopfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE  # only the connection matters here
# 15 s: TCP retransmits across a VIP move of a few seconds, not a reset.
s = ctx.wrap_socket(socket.create_connection((vip, port), timeout=15))
print("port", s.getsockname()[1], flush=True)
f = s.makefile("rb")
n = 0
while not os.path.exists(stopfile):
    try:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: %s\r\n\r\n" % vip.encode())
        status = f.readline()
        length = 0
        while True:
            h = f.readline()
            if h in (b"\r\n", b""):
                break
            if h.lower().startswith(b"content-length:"):
                length = int(h.split(b":")[1])
        f.read(length)
        if not status.startswith(b"HTTP/1.1 200"):
            raise Exception(f"answered {status!r}")
        n += 1
    except Exception as e:
        print(f"failed after {n} requests: {e!r}", flush=True)
        sys.exit(1)
    time.sleep(0.5)
print("ok", n, flush=True)
