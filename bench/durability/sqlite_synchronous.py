#!/usr/bin/env python3
"""What SQLite's synchronous=FULL costs `gongzhi serve` (docs/durability.md).

Times acknowledged writes over the HTTP API with `serve --sqlite-synchronous normal` and `full`,
alternating the two in each run on a fresh copy of one demo county, and prints every run and
the medians:
  - payment requests: the township asks for a disbursement (POST
    /api/v1/projects/{id}/funds/disbursements), one transaction with its audit entry and event;
  - payment approvals: finance approves them (POST …/disbursements/{id}/decision), the ledger
    entry, the request's new state, audit and event in one transaction.
For each number of CLIENTS, that many clients each send one request at a time (keep-alive) for
SECONDS per phase.

Usage: bench/durability/sqlite_synchronous.py [--gongzhi build/gongzhi] [--runs 5]
         [--seconds 6] [--clients 1,4] [--polygons 2000] [--dir DIR]
Not a test and not in CI: it measures the disk of the machine it runs on (its fsync latency),
so run it where the county's server will run. Standard library only.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PASSWORD = "gongzhi-demo"


class Client:
    def __init__(self, port, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)


def sign_in(port, user):
    status, body = Client(port).call("POST", "/api/v1/session", {"username": user, "password": PASSWORD})
    if status != 200:
        sys.exit(f"sign-in of {user} refused: {status} {body}")
    return body["token"]


def start_server(gongzhi, db, mode):
    p = subprocess.Popen([gongzhi, "serve", "--db", db, "--listen", "127.0.0.1:0",
                          "--sqlite-synchronous", mode],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()  # "gongzhi serving DB on http://127.0.0.1:PORT/"
    if "http://" not in line:
        p.kill()
        sys.exit(f"gongzhi serve did not start: {line!r}")
    port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))
    return p, port


def timed(clients, seconds, work):
    """Runs work(client_index) repeatedly on CLIENTS threads for SECONDS; successes per second."""
    done = [0] * clients
    failures = []
    stop = time.monotonic() + seconds

    def loop(i):
        try:
            while time.monotonic() < stop:
                if not work(i):
                    return
                done[i] += 1
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append(repr(e))

    start = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit("a client failed: " + failures[0])
    return sum(done) / (time.monotonic() - start)


def one_run(gongzhi, base, work_dir, mode, clients, args):
    db = os.path.join(work_dir, f"run-{mode}.sqlite")
    for suffix in ("", "-wal", "-shm", "-gzsig"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    shutil.copyfile(base, db)
    server, port = start_server(gongzhi, db, mode)
    try:
        zhen, czj = sign_in(port, "zhen"), sign_in(port, "czj")
        # A project in implementation the township may ask payments of, with a milestone.
        status, listing = Client(port, zhen).call("GET", "/api/v1/projects?state=implementation")
        target = None
        for p in listing["projects"] if isinstance(listing, dict) else listing:
            _, ms = Client(port, zhen).call("GET", f"/api/v1/projects/{p['id']}/milestones")
            if ms and ms.get("milestones"):
                target = (p["id"], ms["milestones"][0]["id"])
                break
        if not target:
            sys.exit("the demo county has no project in implementation with a milestone")
        project, milestone = target
        funds = f"/api/v1/projects/{project}/funds/disbursements"
        requesters = [Client(port, zhen) for _ in range(clients)]
        ids = [[] for _ in range(clients)]

        def request(i):
            status, body = requesters[i].call("POST", funds, {
                "milestone_id": milestone, "payee": "县农村建设工程有限公司",
                "purpose": "基准测试进度款", "amount_fen": 100})
            if status != 201:
                raise RuntimeError(f"payment request answered {status}: {body}")
            ids[i].append(body["id"])
            return True

        requests_per_s = timed(clients, args.seconds, request)
        approvers = [Client(port, czj) for _ in range(clients)]

        def approve(i):
            if not ids[i]:
                return False
            status, body = approvers[i].call("POST", f"{funds}/{ids[i].pop()}/decision",
                                             {"decision": "approve", "comment": "凭验收单据拨付"})
            if status != 200:
                raise RuntimeError(f"approval answered {status}: {body}")
            return True

        approvals_per_s = timed(clients, args.seconds, approve)
        return requests_per_s, approvals_per_s
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gongzhi", default=os.path.join(root, "build", "gongzhi"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--clients", default="1,4", help="comma-separated numbers of clients")
    ap.add_argument("--polygons", type=int, default=2000)
    ap.add_argument("--dir", help="working directory on the disk to measure (default: a temporary one)")
    args = ap.parse_args()

    work_dir = args.dir or tempfile.mkdtemp(prefix="gz-sync-")
    os.makedirs(work_dir, exist_ok=True)
    base = os.path.join(work_dir, "base.sqlite")
    if not os.path.exists(base):
        subprocess.run([args.gongzhi, "demo", "--out", base, "--polygons", str(args.polygons)],
                       check=True, stdout=subprocess.DEVNULL)
    fs = subprocess.run(["df", "-T", work_dir], capture_output=True, text=True).stdout.splitlines()[-1].split()
    counts = [int(c) for c in args.clients.split(",")]
    print(f"database in {work_dir} ({fs[1]} on {fs[0]}); {args.clients} clients, {args.seconds:g} s "
          f"per phase, {args.runs} runs")
    results = {(mode, c): [] for mode in ("normal", "full") for c in counts}
    for run in range(args.runs):
        for c in counts:
            # Alternate which mode goes first, so neither always gets the warmer machine.
            for mode in (("normal", "full") if run % 2 == 0 else ("full", "normal")):
                r = one_run(args.gongzhi, base, work_dir, mode, c, args)
                results[(mode, c)].append(r)
                print(f"run {run + 1} {c} client(s) {mode:6s}: payment requests {r[0]:8.1f}/s, "
                      f"approvals {r[1]:8.1f}/s", flush=True)
    print()
    print(f"{'clients':>7s} {'synchronous':12s} {'requests/s (median)':>20s} {'approvals/s (median)':>21s}")
    for c in counts:
        med = {}
        for mode in ("normal", "full"):
            rs = results[(mode, c)]
            med[mode] = (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
            print(f"{c:7d} {mode.upper():12s} {med[mode][0]:20.1f} {med[mode][1]:21.1f}")
        print(f"{c:7d} {'FULL/NORMAL':12s} {med['full'][0] / med['normal'][0]:20.2f} "
              f"{med['full'][1] / med['normal'][1]:21.2f}")
    if not args.dir:
        shutil.rmtree(work_dir)


if __name__ == "__main__":
    main()
