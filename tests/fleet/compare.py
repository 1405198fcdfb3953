#!/usr/bin/env python3
"""compare.py — the fleet report must be the union of the sensors' local reports.

Usage: compare.py WORKDIR SENSOR...   (WORKDIR holds SENSOR.{csv,json,tlsrpt}, fleet.* and
beta-only.* written by fleet.sh). CSV and JSON: the fleet's device rows are exactly the local rows
with the sensor added. A device's server list is compared as a set (SQLite and PostgreSQL list
DISTINCT values in their own order). TLS-RPT: per receiving address, the fleet's counts are the
sums of the local counts. Exit 0 equal, 1 with the differences printed.
"""
import csv
import json
import sys
from collections import Counter


def norm_servers(value):
    if isinstance(value, list):
        return tuple(sorted(value))
    return tuple(sorted(value.split(","))) if value else ()


def csv_rows(path, sensor=None):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        if sensor is not None:
            r = {"sensor": sensor, **r}
        r["servers"] = norm_servers(r["servers"])
        out.append(tuple(sorted(r.items())))
    return Counter(out)


def json_rows(path, sensor=None):
    with open(path) as f:
        doc = json.load(f)
    out = []
    for d in doc["devices"]:
        if sensor is not None:
            d = {"sensor": sensor, **d}
        d["servers"] = norm_servers(d["servers"])
        d["finding_kinds"] = tuple(d["finding_kinds"])
        out.append(json.dumps(d, sort_keys=True))
    return Counter(out)


def tlsrpt_sums(paths):
    policies, failures = Counter(), Counter()
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for p in doc["policies"]:
            s = p["summary"]
            ip = None
            for fd in p["failure-details"]:
                ip = fd["receiving-ip"]
                failures[(ip, fd["result-type"], fd["sending-mta-ip"])] += fd["failed-session-count"]
            key = p["policy"]["policy-domain"]
            policies[(key, "ok")] += s["total-successful-session-count"]
            policies[(key, "failed")] += s["total-failure-session-count"]
    return policies, failures


def report(what, want, got):
    if want == got:
        print(f"compare: {what}: {sum(got.values())} rows, equal")
        return True
    print(f"compare: {what} differs", file=sys.stderr)
    for k in sorted(set(want) | set(got), key=str):
        if want[k] != got[k]:
            print(f"  local x{want[k]} fleet x{got[k]}: {k}", file=sys.stderr)
    return False


def main():
    work, sensors = sys.argv[1], sys.argv[2:]
    ok = True
    union = Counter()
    for s in sensors:
        union += csv_rows(f"{work}/{s}.csv", s)
    ok &= report("csv", union, csv_rows(f"{work}/fleet.csv"))
    ok &= report("csv --sensor beta", csv_rows(f"{work}/beta.csv", "beta"),
                 csv_rows(f"{work}/beta-only.csv"))
    union = Counter()
    for s in sensors:
        union += json_rows(f"{work}/{s}.json", s)
    ok &= report("json", union, json_rows(f"{work}/fleet.json"))
    ok &= report("json --sensor beta", json_rows(f"{work}/beta.json", "beta"),
                 json_rows(f"{work}/beta-only.json"))
    want = tlsrpt_sums([f"{work}/{s}.tlsrpt" for s in sensors])
    got = tlsrpt_sums([f"{work}/fleet.tlsrpt"])
    ok &= report("tlsrpt policies", want[0], got[0])
    ok &= report("tlsrpt failure details", want[1], got[1])
    if sum(union.values()) == 0:
        print("compare: no device in any report: nothing was compared", file=sys.stderr)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
