#!/usr/bin/env python3
"""Robustness probes for the three benchmark servers (stdlib only, bounded, loopback only).

    python3 bench/httplibs/probe.py [probe-title-substring ...]     (builds first)

Starts its own servers with a 3 s connection timeout (MHD connection memory limit 32 KiB),
sends raw HTTP/1.1 and reports the status line each server sends, whether / when it closes the
connection, and what it sends before closing.  All servers are killed at the end.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT_S = 3
COOKIE = "Cookie: commune_session=abc\r\n"
GET = "GET /api/v1/records/x/1 HTTP/1.1\r\nHost: x\r\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, args):
    port = free_port()
    p = subprocess.Popen([os.path.join(HERE, name), str(port)] + args,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p, port
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise SystemExit(f"{name} did not start")


def read_all(s, deadline):
    """Reads until the peer closes or the deadline passes; returns (bytes, closed, seconds)."""
    t0 = time.monotonic()
    data = b""
    closed = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            x = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = "RST"
            break
        if not x:
            closed = "FIN"
            break
        data += x
    return data, closed, time.monotonic() - t0


def summary(data, closed, secs, show_close_time=False):
    lines = [ln.decode("latin1") for ln in data.split(b"\r\n")]
    status = [m.decode("latin1") for m in re.findall(rb"HTTP/1\.[01] [0-9]{3}[^\r\n]*", data)]
    conn = [ln for ln in lines if ln.lower().startswith("connection:")]
    out = " | ".join(status) if status else "(no response bytes)"
    if conn:
        out += " [" + ", ".join(conn) + "]"
    if closed:
        out += f"; closed ({closed})" + (f" after {secs:.1f}s" if show_close_time else "")
    else:
        out += "; still open"
    return out


def exchange(port, payload, wait=2.0, show_close_time=False):
    s = socket.create_connection(("127.0.0.1", port))
    try:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return summary(*read_all(s, time.monotonic() + wait), show_close_time)
    finally:
        s.close()


def p_header_40k(port):
    pad = "X-Pad: " + "a" * 40 * 1024 + "\r\n"
    return exchange(port, (GET + COOKIE + pad + "\r\n").encode())


def p_header_20k(port):
    pad = "X-Pad: " + "a" * 20 * 1024 + "\r\n"
    return exchange(port, (GET + COOKIE + pad + "\r\n").encode())


def p_uri_40k(port):
    return exchange(port, ("GET /api/v1/records/x/1?q=" + "a" * 40 * 1024 +
                           " HTTP/1.1\r\nHost: x\r\n" + COOKIE + "\r\n").encode())


def p_150_headers(port):
    hs = "".join(f"X-H{i}: v\r\n" for i in range(150))
    return exchange(port, (GET + COOKIE + hs + "\r\n").encode())


def p_body_2m_cl(port):
    body = b"{" + b"a" * (2 * 1024 * 1024 - 2) + b"}"
    head = f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return exchange(port, head.encode() + body, wait=3)


def p_body_2m_chunked(port):
    chunk = b"a" * 65536
    body = b"".join(b"10000\r\n" + chunk + b"\r\n" for _ in range(32)) + b"0\r\n\r\n"
    head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    return exchange(port, head.encode() + body, wait=3)


def p_keepalive_post(port):
    body = '{"a":1}'
    one = (f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           f"Content-Length: {len(body)}\r\n\r\n{body}")
    return exchange(port, (one + one).encode(), wait=1)


def p_keepalive_get(port):
    return exchange(port, (GET + COOKIE + "\r\n" + GET + "\r\n").encode(), wait=1)


def p_idle_no_bytes(port):
    return exchange(port, b"", wait=TIMEOUT_S + 5, show_close_time=True)


def p_partial_headers(port):
    return exchange(port, (GET + "X-Half: yes\r\n").encode(), wait=TIMEOUT_S + 5, show_close_time=True)


def p_idle_after_request(port):
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall((GET + COOKIE + "\r\n").encode())
        time.sleep(0.3)
        s.recv(65536)  # the response
        return summary(*read_all(s, time.monotonic() + TIMEOUT_S + 5), show_close_time=True)
    finally:
        s.close()


def p_slow_body(port):
    head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "{" + "a" * 9
    return exchange(port, head.encode(), wait=TIMEOUT_S + 5, show_close_time=True)


def p_drip(port):
    """Sends one header byte every second (an endless header); bounded at 4x the timeout."""
    s = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    try:
        s.sendall((GET + "X-Drip: ").encode())
        s.settimeout(1.0)
        while time.monotonic() - t0 < 4 * TIMEOUT_S:
            try:
                x = s.recv(65536)
                if not x:
                    return f"closed after {time.monotonic() - t0:.1f}s of dripping"
                data, closed, _ = read_all(s, time.monotonic() + 1)
                return summary(x + data, closed) + f" after {time.monotonic() - t0:.1f}s"
            except socket.timeout:
                pass
            except ConnectionResetError:
                return f"reset after {time.monotonic() - t0:.1f}s of dripping"
            try:
                s.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                return f"closed after {time.monotonic() - t0:.1f}s of dripping (send failed)"
        return f"still open after {4 * TIMEOUT_S}s of dripping (1 byte/s)"
    finally:
        s.close()


def p_many_idle(port, n=1100):
    """Opens n idle connections, then times a normal GET on a fresh connection."""
    socks = []
    refused = 0
    t_open = time.monotonic()
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            refused += 1
    t_open = time.monotonic() - t_open
    time.sleep(0.2)
    dropped = 0  # idle connections the server has already closed
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                dropped += 1
        except BlockingIOError:
            pass
        except OSError:
            dropped += 1
    t0 = time.monotonic()
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=2)
        c.sendall((GET + COOKIE + "\r\n").encode())
        c.settimeout(TIMEOUT_S + 8)
        try:
            first = c.recv(65536)
            ttfb = time.monotonic() - t0
            res = (first.split(b"\r\n")[0].decode("latin1") or "closed without a response") + \
                f" after {ttfb:.2f}s"
        except ConnectionResetError:
            res = f"reset after {time.monotonic() - t0:.2f}s"
        except socket.timeout:
            res = "no answer within the deadline"
        c.close()
    except OSError as e:
        res = f"new connection failed: {e}"
    for s in socks:
        s.close()
    return f"opened {n} in {t_open:.1f}s ({dropped} already closed, {refused} refused); new GET -> {res}"


PROBES = [
    ("GET with a 40 KiB header", p_header_40k),
    ("GET with a 20 KiB header", p_header_20k),
    ("GET with a 40 KiB request line", p_uri_40k),
    ("GET with 150 headers", p_150_headers),
    ("POST /echo 2 MiB Content-Length", p_body_2m_cl),
    ("POST /echo 2 MiB chunked", p_body_2m_chunked),
    ("2 pipelined POST /echo (keep-alive)", p_keepalive_post),
    ("GET with cookie + GET without (keep-alive)", p_keepalive_get),
    ("connect, send nothing", p_idle_no_bytes),
    ("half a request head, then silence", p_partial_headers),
    ("idle keep-alive after one request", p_idle_after_request),
    ("POST, 10 of 1000 body bytes, then silence", p_slow_body),
    ("header dripped at 1 byte/s", p_drip),
    ("1100 idle connections, then a GET", p_many_idle),
]


def main():
    servers = {
        "mhd": ("mhd_server", [str(TIMEOUT_S), str(32 * 1024)]),
        "mhd-firstcall": ("mhd_server_firstcall", [str(TIMEOUT_S), str(32 * 1024)]),
        "mhd-no-per-ip": ("mhd_server", [str(TIMEOUT_S), str(32 * 1024), "0"]),
        "h2o": ("h2o_server", [str(TIMEOUT_S)]),
        "evhttp": ("evhttp_server", [str(TIMEOUT_S)]),
    }
    only = sys.argv[1:]  # optional probe-name substrings
    subprocess.run(["make", "-s", "-C", HERE, "all", "mhd_server_firstcall"], check=True)
    procs = {}
    try:
        for k, (binary, args) in servers.items():
            procs[k] = start(binary, args)
        print(f"connection timeout {TIMEOUT_S}s in every server; MHD memory limit 32 KiB")
        for title, fn in PROBES:
            if only and not any(o in title for o in only):
                continue
            targets = [t for t in servers if t in ("mhd", "h2o", "evhttp")
                       or (t == "mhd-firstcall" and fn is p_keepalive_get)
                       or (t == "mhd-no-per-ip" and fn is p_many_idle)]
            results = {}

            def run(k):
                try:
                    results[k] = fn(procs[k][1])
                except Exception as e:  # report, keep going
                    results[k] = f"probe error: {e!r}"

            if fn is p_many_idle:  # one at a time: they compete for file descriptors
                for k in targets:
                    run(k)
            else:
                ts = [threading.Thread(target=run, args=(k,)) for k in targets]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
            print(f"\n## {title}")
            for k in targets:
                print(f"  {k:14s} {results[k]}")
            sys.stdout.flush()
    finally:
        for p, _ in procs.values():
            p.terminate()
        for p, _ in procs.values():
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
