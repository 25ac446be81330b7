#!/usr/bin/env python3
"""Regenerate lib/core/am_conf_reads.inc from real Postfix (not run by CI).

    LD_PRELOAD=build/tests/libpostconf_nosleep.so \\
        python3 tests/postconf/gen_reads.py WORKDIR > lib/core/am_conf_reads.inc

1. Which parameters postmap evaluates at start-up: each parameter
   `postconf -d` knows is set alone to a malformed expression; postmap
   failing means it read it.  Its type comes from the message for the
   value "maybe" (bad boolean / bad numerical configuration).
2. In which order: X is read before Y when postmap accepts
   "Y = ${X?{default of Y}:{malformed}}" (X's default is known then);
   sorted by binary insertion, parameters with an empty default placed
   among them by binary search.
"""
import os
import subprocess
import sys

BAD = "${{1} <=> {2} ? {a}}"
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
open(os.path.join(d, "master.cf"), "w").close()
with open(os.path.join(d, "src"), "w") as f:
    f.write("k v\n")


def postmap(text):
    p = os.path.join(d, "main.cf")
    with open(p, "w") as f:
        f.write(text)
    os.utime(p, (1e9, 1e9))
    c = subprocess.run(["postmap", "-c", d, "lmdb:" + os.path.join(d, "src")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return c.returncode, c.stderr.decode("utf-8", "replace")


def postconf(*args):
    c = subprocess.run(["postconf", "-c", d] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return c.stdout.decode("utf-8", "replace")


names = [l.split(" =")[0] for l in postconf("-d").splitlines()]
reads, kind = [], {}
for n in names:
    if postmap("%s = %s\n" % (n, BAD))[0] == 0:
        continue
    reads.append(n)
    err = postmap("%s = maybe\n" % n)[1]
    kind[n] = "BOOL" if "bad boolean" in err else \
        "LONG" if "bad numerical" in err else "STR"
kind.update({"compatibility_level": "LEVEL", "myhostname": "HOST",
             "mydomain": "HOST", "default_database_type": "STR1",
             "syslog_name": "STR1"})
dflt = {n: postconf("-dh", n).rstrip("\n") for n in reads}


def known(x, y):
    return postmap("%s = ${%s?{%s}:{%s}}\n" % (y, x, dflt[y], BAD))[0] == 0


def place(order, n):
    lo, hi = 0, len(order)
    while lo < hi:
        mid = (lo + hi) // 2
        if known(order[mid], n):
            lo = mid + 1
        else:
            hi = mid
    return lo


order = []
for n in [n for n in reads if dflt[n] != ""]:
    order.insert(place(order, n), n)
ranked = [(2 * i + 1, n) for i, n in enumerate(order)]
ranked += [(2 * place(order, n), n) for n in reads if dflt[n] == ""]
print("""/*
 * Generated from Postfix 3.7's postmap: every parameter it evaluates at
 * start-up (each found by setting it alone to a malformed expression),
 * in the order it reads them (found by testing ${X?...} in each: X is
 * known when the other is read, or not).  See am_postconf_check().
 * tests/postconf/gen_reads.py makes it.
 */""")
for _, n in sorted(ranked):
    print('\t{ "%s", PC_%s },' % (n, kind[n]))
