#!/usr/bin/env python3
"""Differential test of archmail's main.cf evaluation against Postfix.

    postconf_differential.py HELPER WORKDIR COUNT SEED

Generates COUNT main.cf files (every expression form of postconf(5)
"Parameter expansion", nesting, undefined names, continuation lines,
comments, good and bad booleans, compatibility_level unset/0/1/2/3.6),
and compares, for each, what HELPER (tests/postconf/postconf_eval)
prints with real `postconf -c DIR -x -h PARAM`, and the boolean verdict
on smtputf8_enable with real postmap(1).  Prints a summary; exit 1 on any
difference.
"""
import os
import random
import re
import subprocess
import sys

PARAMS = ["smtputf8_enable", "relayhost", "compatibility_level",
          "header_checks", "body_checks", "transport_maps"]
WORDS = ["yes", "no", "YES", "No", "yEs", "true", "false", "abc", "3", "10",
         "-1", "3.6", " a ", "a b", "", "x.y", "0", "#x", "lmdb:/etc/x"]
LEVELS = ["0", "1", "2", "3.6", "3.10", "3.6.1", "$compatibility_level",
          "${compatibility_level}", "$lvl"]
# Names a value may refer to; main_cf() narrows this so that the p*
# parameters never refer to each other in a loop (an exponential blow-up
# in both evaluators).
ALL_NAMES = ["p1", "p2", "p3", "lvl", "empty", "undefined_param", "nope",
         "compatibility_level", "mydomain", "lmdb_map_size"]
# Not default_database_type or alias_database: archmail's defaults are
# lmdb (its only table type) where Debian's Postfix says hash.
NAMES = list(ALL_NAMES)
OPS = ["==", "!=", "<", "<=", ">", ">="]
LEVEL_OPS = ["<level", "<=level", ">level", ">=level"]


def sp(r):
    return r.choice(["", "", " ", "  ", "\t"])


def word(r):
    return r.choice(WORDS)


def ref(r):
    n = r.choice(NAMES)
    return r.choice(["$" + n, "${" + n + "}", "$(" + n + ")",
                     "${" + sp(r) + n + sp(r) + "}"])


def expr(r, depth):
    """A value text; depth bounds the nesting."""
    k = r.randrange(12 if depth > 0 else 3)
    if k == 0:
        return word(r)
    if k == 1:
        return ref(r)
    if k == 2:
        return word(r).strip() + ref(r) + r.choice(["", "x", " y"])
    n = r.choice(NAMES)
    sub = lambda: expr(r, depth - 1).replace("}", "").replace("{", "") \
        if r.random() < 0.2 else expr(r, depth - 1)
    if k == 3:
        return "${%s?%s}" % (n, r.choice(["yes", " no ", "a b", ""]))
    if k == 4:
        return "${%s:%s}" % (n, r.choice(["yes", " no ", "a b", ""]))
    if k == 5:
        return "${%s?{%s}}" % (n, sub())
    if k == 6:
        return "${%s:{%s}}" % (n, sub())
    if k == 7:
        return "${%s?%s{%s}%s:%s{%s}}" % (n, sp(r), sub(), sp(r), sp(r),
                                          sub())
    if k in (8, 9):
        if r.random() < 0.5:
            op = r.choice(LEVEL_OPS)
            a = r.choice(LEVELS + (["x"] if r.random() < 0.05 else []))
            b = r.choice(LEVELS)
        else:
            op = r.choice(OPS)
            a = r.choice([word(r), ref(r), expr(r, depth - 1)])
            b = r.choice([word(r), ref(r)])
        tail = r.choice([
            "%s{%s}%s:%s{%s}" % (sp(r), sub(), sp(r), sp(r), sub()),
            "%s{%s}" % (sp(r), sub()),
            " %s" % r.choice(["yes", "no", "a : b"]),
        ])
        return "${{%s}%s%s%s{%s}%s?%s}" % (a, sp(r), op, sp(r), b, sp(r),
                                           tail)
    if k == 10:
        return expr(r, depth - 1) + r.choice([" ", "", ","]) + \
            expr(r, depth - 1)
    # rare malformed forms
    return r.choice(["${a} ${b", "$-x", "${{1} <=> {2} ? {a}}", "x$",
                     "${p1?{a} x}", "${p1:{a}:{b}}", "$$p1", "${}",
                     "${{1}<{2}{a}}", "$p1$", "${ p1 ? {a}}"])


def setting(r, name, value):
    """name = value as one logical line, maybe continued and commented."""
    lines = []
    text = name + sp(r) + "=" + sp(r) + value + r.choice(["", "", " ", "\t"])
    if r.random() < 0.3 and " " in text.split("=", 1)[1].strip():
        # split at a blank of the value into continuation lines
        head, _, rest = text.partition("=")
        parts = rest.split(" ")
        cut = r.randrange(2, len(parts) + 1)
        first = head + "=" + " ".join(parts[:cut - 1])
        lines.append(first)
        for p in parts[cut - 1:]:
            if r.random() < 0.2:
                lines.append(r.choice(["", "# comment", "  # indented"]))
            lines.append(r.choice([" ", "\t", "    "]) + p)
    else:
        lines.append(text)
    return lines


def main_cf(r):
    out = []
    if r.random() < 0.2:
        out.append("# generated")
    lvl = r.choice([None, None, "0", "1", "2", "3.6", "$lvl", "3.10"])
    if lvl == "$lvl" or r.random() < 0.7:
        out += setting(r, "lvl", r.choice(LEVELS[:6]))
    if lvl is not None:
        out += setting(r, "compatibility_level", lvl)
    for n in ("p1", "p2", "p3"):
        NAMES[:] = [x for x in ALL_NAMES
                    if not x.startswith("p") or x > n]
        if r.random() < 0.6:
            out += setting(r, n, expr(r, 2))
    NAMES[:] = ALL_NAMES
    if r.random() < 0.3:
        out += setting(r, "empty", "")
    out += setting(r, "probe", expr(r, 3))
    mode = r.random()
    if mode < 0.3:
        # a plain boolean, good or bad
        val = r.choice(["yes", "no", "Yes", "NO", "true", "false", "1",
                        "yes # no", "", "$p1", "y es"])
    elif mode < 0.85:
        val = expr(r, 3)
    else:
        val = None
    if val is not None:
        if r.random() < 0.2:
            out += setting(r, "smtputf8_enable", "no")
        out += setting(r, "smtputf8_enable", val)
    if r.random() < 0.2:
        out.append("")
    return "\n".join(out) + "\n"


# postconf(1) shows a value with its white space runs as single blanks and
# without leading or trailing blanks; compare values that way (the exact
# value is what the postmap verdict on booleans checks).
def norm(v):
    return re.sub(r"[ \t\n\r\f\v]+", " ", v).strip(" ")


# Known Postfix parameters with empty defaults stand for the generator's
# p1, p2, p3 and probe: postconf -x -h prints nothing for names it does
# not know.
RENAME = {"p1": "header_checks", "p2": "body_checks",
          "p3": "transport_maps", "probe": "relayhost"}


def rename(text):
    return re.sub(r"\b(p1|p2|p3|probe)\b", lambda m: RENAME[m.group(1)],
                  text)


def postconf(d, p):
    c = subprocess.run(["postconf", "-c", d, "-x", "-h", p],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if c.returncode != 0:
        return "%s error" % p
    v = c.stdout.decode("utf-8", "surrogateescape")
    if v.endswith("\n"):
        v = v[:-1]
    return "%s=%s" % (p, norm(v))


def postmap_bool(d):
    """Real postmap's verdict on smtputf8_enable: bad, ok or error."""
    src = os.path.join(d, "src")
    with open(src, "w") as f:
        f.write("k v\n")
    c = subprocess.run(["postmap", "-c", d, "lmdb:" + src],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = c.stderr.decode("utf-8", "replace")
    if c.returncode == 0:
        return "ok"
    if "bad boolean configuration: smtputf8_enable" in err:
        return "bad"
    return "error"


def main():
    helper, work, count, seed = sys.argv[1], sys.argv[2], \
        int(sys.argv[3]), int(sys.argv[4])
    r = random.Random(seed)
    stats = {"files": 0, "values": 0, "differ": 0, "errors": 0,
             "bad_bool": 0, "smtputf8_off": 0, "bool_differ": 0}
    shown = 0
    d = os.path.join(work, "cf")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "master.cf"), "w").close()
    for i in range(count):
        text = rename(main_cf(r))
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write(text)
        pf = [postconf(d, p) for p in PARAMS]
        c = subprocess.run([helper, d] + PARAMS, stdout=subprocess.PIPE)
        am = c.stdout.decode("utf-8", "surrogateescape").split("\n")
        am_bool = am[len(PARAMS)]
        am = [a if a.endswith(" error") else
              "%s=" % a[:-len(" unset")] if a.endswith(" unset") else
              "%s=%s" % (a.split("=", 1)[0], norm(a.split("=", 1)[1]))
              for a in am[:len(PARAMS)]]
        stats["files"] += 1
        bad = []
        if any(p.endswith(" error") for p in pf):
            # postconf refuses the whole main.cf: archmail must refuse
            # at least one of the parameters
            stats["errors"] += 1
            if not any(a.endswith(" error") for a in am):
                bad.append("archmail %r, postconf refuses" % am)
        else:
            for a, p in zip(am, pf):
                stats["values"] += 1
                if a != p:
                    bad.append("archmail %r, postconf %r" % (a, p))
        pm = postmap_bool(d)
        if pm == "bad":
            stats["bad_bool"] += 1
        if pm == "error" and any(p.endswith(" error") for p in pf):
            pm = "skip"	# postmap stopped on the malformed main.cf
        want = {"ok": None, "bad": "bool=bad", "error": "bool=bad",
                "skip": am_bool}[pm]
        if pf[0] == "smtputf8_enable=no" or pf[0].lower() == \
                "smtputf8_enable=no":
            stats["smtputf8_off"] += 1
        if (want is None and am_bool == "bool=bad") or \
                (want is not None and am_bool != want):
            stats["bool_differ"] += 1
            bad.append("archmail %s, postmap %s" % (am_bool, pm))
        if bad:
            stats["differ"] += 1
            if shown < 15:
                shown += 1
                sys.stderr.write("--- main.cf #%d:\n%s" % (i, text))
                for b in bad:
                    sys.stderr.write("    %s\n" % b)
    print(" ".join("%s=%d" % kv for kv in stats.items()))
    return 1 if stats["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
