#!/usr/bin/env python3
"""Regenerate lib/core/am_conf_reads.inc from real Postfix (not run by CI).

    LD_PRELOAD=build/tests/libpostconf_nosleep.so \\
        python3 tests/postconf/gen_reads.py WORKDIR > lib/core/am_conf_reads.inc

1. Which parameters postmap evaluates at start-up: each parameter
   `postconf -d` knows is set alone to a malformed expression; postmap
   failing means it read it.  Its type comes from the message for the
   value "maybe" (bad boolean / bad numerical configuration) or "1x" (bad
   time value), a number's width from 2147483648 (too big for an int).
2. Its limits, from the messages for values past any limit: the shortest
   string ("bad string length 0 < MIN"), the smallest and largest
   numbers ("... < MIN", "... > MAX", "(min MIN)", "(max MAX)"); none
   means Postfix checks none (0 in the table, as in Postfix's own).  A
   time's default unit is the first letter of its default value, and the
   default value (`postconf -d`) is in the table too.
3. In which order: X is read before Y when postmap accepts
   "Y = ${X?{default of Y}:{malformed}}" (X's default is known then);
   sorted by binary insertion, parameters with an empty default placed
   among them by binary search.
"""
import os
import re
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
    # "maybe" is a time of 0 minutes: a bad unit tells a time.
    if kind[n] == "STR" and "bad time value" in \
            postmap("%s = 1x\n" % n)[1]:
        kind[n] = "TIME"
    if kind[n] == "LONG" and "bad numerical" in \
            postmap("%s = 2147483648\n" % n)[1]:
        kind[n] = "INT"
kind.update({"compatibility_level": "LEVEL", "myhostname": "HOST",
             "mydomain": "HOST"})
dflt = {n: postconf("-dh", n).rstrip("\n") for n in reads}


def limit(n, value, pattern):
    m = re.search(pattern, postmap("%s = %s\n" % (n, value))[1])
    return int(m.group(1)) if m else 0


lims = {}
for n in reads:
    lo = hi = 0
    unit = "0"
    if kind[n] in ("STR", "HOST"):
        lo = limit(n, "", r"bad string length 0 < (\d+)")
        hi = limit(n, "x" * 64, r"bad string length 64 > (\d+)")
    elif kind[n] in ("INT", "LONG"):
        wide = kind[n] == "LONG"
        lo = limit(n, "-9223372036854775808" if wide else "-2147483648",
                   r"parameter value -\d+ < (-?\d+)")
        hi = limit(n, "9223372036854775807" if wide else "2147483647",
                   r"parameter value \d+ > (-?\d+)")
    elif kind[n] == "TIME":
        lo = limit(n, "0", r"\(min (\d+)\)")
        hi = limit(n, "2147483647s", r"\(max (\d+)\)")
        unit = "'%s'" % re.search(r"[A-Za-z]", dflt[n]).group(0)
    lims[n] = "%dL, %dL, %s" % (lo, hi, unit)


# Computed by Postfix from the machine (its name, its interfaces): the
# library works them out itself (NULL here).
COMPUTED = ("myhostname", "mydomain", "mynetworks")


def c_string(v):
    if v is None:
        return "NULL"
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')


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
 * known when the other is read, or not), with the limits Postfix checks
 * (0: none), a time's default unit and Postfix's default value (NULL:
 * computed from the machine).  See am_postconf_check().
 * tests/postconf/gen_reads.py makes it.
 */""")
for _, n in sorted(ranked):
    d = None if n in COMPUTED else dflt[n]
    print('\t{ "%s", PC_%s, %s,\n\t    %s },' % (n, kind[n], lims[n],
                                             c_string(d)))
