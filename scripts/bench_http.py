#!/usr/bin/env python3
"""Issue 21's load benchmark, run by scripts/bench-http after a release build.

Starts `target/release/taper serve` on a fresh SQLite data directory and the bare axum
hello-world (`target/release/examples/hello`), seeds one person through the web forms (a plan
and --days days of check-ins), then loads each with wrk and prints every figure as a ratio to a
limit measured in the same run. Nothing here is asserted: it reports.
"""

import argparse
import datetime
import http.cookiejar
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAPER = os.path.join(ROOT, "target", "release", "taper")
HELLO = os.path.join(ROOT, "target", "release", "examples", "hello")
PASSWORD = "a long benchmark password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"bench-http: {url} did not answer within {seconds} s")


class Person:
    """A browser with a cookie jar, filling the app's forms as a person would."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as r:
            return r.read().decode()

    def token(self, path):
        m = re.search(r'name="csrf" value="([^"]+)"', self.get(path))
        if not m:
            sys.exit(f"bench-http: no form token on {path}")
        return m.group(1)

    def submit(self, page, path, fields):
        body = urllib.parse.urlencode([("csrf", self.token(page))] + fields).encode()
        with self.opener.open(self.base + path, data=body, timeout=60) as r:
            return r.read().decode()

    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def checkin_fields(page, date):
    names = sorted(set(re.findall(r'name="(s_[a-z_]+)"', page)))
    if not names:
        sys.exit("bench-http: the check-in form has no symptom fields")
    fields = [("date", date), ("wellbeing", "6"), ("sleep_hours", "7"), ("note", "")]
    return fields + [(n, "1") for n in names]


def seed(base, days):
    p = Person(base)
    p.submit("/signup", "/signup", [
        ("email", "bench@example.org"), ("display_name", "Bench"), ("role", "person"),
        ("password", PASSWORD), ("confirm", PASSWORD), ("time_zone", "UTC"),
    ])
    today = datetime.date.today()
    p.submit("/plan/new?drug=citalopram", "/plan", [
        ("drug", "citalopram"), ("dose_as", "tablets"), ("dose", "20"), ("strategy", "hyperbolic"),
        ("step", "5"), ("every", "28"), ("start_date", today.isoformat()), ("syringe", "0.1"),
        ("products", "citalopram-tab-20mg"), ("products", "citalopram-oral-drops-40mg-ml"),
    ])
    form = p.get("/checkin")
    for d in range(days, 0, -1):
        p.submit("/checkin", "/checkin", checkin_fields(form, (today - datetime.timedelta(days=d)).isoformat()))
    if "Today" not in p.get("/today"):
        sys.exit("bench-http: the seeded person cannot open Today")
    return p, form


def wrk(url, seconds, connections, headers=(), script=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(x) for x in re.findall(r"Socket errors: connect (\d+)", out))
    return rate, float(p99.group(1)) * scale, errors


def raw_commits(seconds):
    """Single-row commits a second from one Python process: WAL, synchronous=FULL (Taper's own)."""
    d = tempfile.mkdtemp(prefix="bench-sqlite-")
    try:
        db = sqlite3.connect(os.path.join(d, "raw.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        n, end = 0, time.time() + seconds
        while time.time() < end:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t (v) VALUES (?)", ("a check-in's worth of text",))
            db.execute("COMMIT")
            n += 1
        return n / seconds
    finally:
        shutil.rmtree(d, ignore_errors=True)


def post_script(path, body, cookie):
    lua = (
        'wrk.method = "POST"\n'
        f"wrk.body = {lua_string(body)}\n"
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = {lua_string(cookie)}\n'
    )
    with open(path, "w") as f:
        f.write(lua)


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_both(base, person, form, data, a):
    """GET /today and POST /checkin on one server: (rate, p99, errors) of each."""
    cookie = person.cookie_header()
    today = wrk(base + "/today", a.seconds, a.connections, [f"Cookie: {cookie}"])
    body = urllib.parse.urlencode([("csrf", person.token("/checkin"))]
                                  + checkin_fields(form, datetime.date.today().isoformat()))
    script = os.path.join(data, "checkin.lua")
    post_script(script, body, cookie)
    post = wrk(base + "/checkin", a.seconds, a.connections, script=script)
    return today, post


def two_on_postgres(admin_url, a):
    """Two `taper serve` instances on one fresh PostgreSQL database, loaded at once (half the
    connections each): each instance's figures."""
    name = f"taper_bench_{os.getpid()}"
    psql = ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qc"]
    subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True, capture_output=True)
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    dirs = [tempfile.mkdtemp(prefix="bench-pg-") for _ in range(2)]
    ports = [free_port(), free_port()]
    procs = []
    try:
        key = os.path.join(dirs[0], "taper.key")
        for i in range(2):
            cmd = [TAPER, "serve", "--port", str(ports[i]), "--data-dir", dirs[i], "--database", url]
            if i == 1:
                cmd += ["--key-file", key]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_up(f"http://127.0.0.1:{ports[i]}/health")
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        person, form = seed(bases[0], a.days)
        # The same person's session on the other instance (sessions live in the database).
        other = Person(bases[1])
        other.jar = person.jar
        other.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(person.jar))
        half = argparse.Namespace(seconds=a.seconds, connections=max(2, a.connections // 2))
        results = [None, None]

        def run(i, who):
            results[i] = load_both(bases[i], who, form, dirs[i], half)

        import threading
        threads = [threading.Thread(target=run, args=(0, person)), threading.Thread(target=run, args=(1, other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
        subprocess.run(psql + [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=60, help="days of check-ins before today")
    ap.add_argument("--seconds", type=int, default=10, help="seconds of load per figure")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--postgres", metavar="ADMIN_URL",
                    help="also two instances on one fresh database of this PostgreSQL server, "
                         "loaded at once, each against the SQLite figures of the same run")
    a = ap.parse_args()
    for exe in (TAPER, HELLO):
        if not os.access(exe, os.X_OK):
            sys.exit(f"bench-http: {exe} is missing; run scripts/bench-http")
    data = tempfile.mkdtemp(prefix="bench-taper-")
    port, hello_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    procs = []
    try:
        procs.append(subprocess.Popen([TAPER, "serve", "--port", str(port), "--data-dir", data],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([HELLO, f"127.0.0.1:{hello_port}"], stdout=subprocess.DEVNULL))
        wait_up(base + "/health")
        wait_up(f"http://127.0.0.1:{hello_port}/")
        person, form = seed(base, a.days)

        hello_rate, hello_p99, hello_err = wrk(f"http://127.0.0.1:{hello_port}/", a.seconds, a.connections)
        (today_rate, today_p99, today_err), (post_rate, post_p99, post_err) = load_both(base, person, form, data, a)
        raw = raw_commits(min(a.seconds, 5))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)

    print(f"taper bench-http: one person, {a.days} days of check-ins; wrk -t2 -c{a.connections} -d{a.seconds}s")
    print(f"{'':34} {'req/s':>10} {'p99 ms':>9} {'errors':>7}   ratio to its limit")
    print(f"{'bare axum hello-world (limit)':34} {hello_rate:>10.0f} {hello_p99:>9.2f} {hello_err:>7}")
    print(f"{'GET /today':34} {today_rate:>10.0f} {today_p99:>9.2f} {today_err:>7}"
          f"   {100 * today_rate / hello_rate:.1f} % of hello req/s; p99 {today_p99 / hello_p99:.1f}x hello's")
    print(f"{'raw SQLite single-row commits (limit)':34} {raw:>10.0f}")
    print(f"{'POST /checkin':34} {post_rate:>10.0f} {post_p99:>9.2f} {post_err:>7}"
          f"   {100 * post_rate / raw:.0f} % of raw commits/s")
    if a.postgres:
        pair = two_on_postgres(a.postgres, a)
        print(f"two instances on one PostgreSQL database, loaded at once, "
              f"{max(2, a.connections // 2)} connections each; ratios to the SQLite figures above")
        for i, ((tr, tp, te), (pr, pp, pe)) in enumerate(pair, start=1):
            print(f"{f'instance {i}: GET /today':34} {tr:>10.0f} {tp:>9.2f} {te:>7}   {100 * tr / today_rate:.0f} % of SQLite's")
            print(f"{f'instance {i}: POST /checkin':34} {pr:>10.0f} {pp:>9.2f} {pe:>7}   {100 * pr / post_rate:.0f} % of SQLite's")


if __name__ == "__main__":
    main()
