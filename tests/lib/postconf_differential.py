#!/usr/bin/env python3
"""Differential test of archmail's main.cf evaluation against Postfix.

    postconf_differential.py HELPER NOSLEEP WORKDIR COUNT SEED|daily

Generates COUNT main.cf files (every expression form of postconf(5)
"Parameter expansion", nesting, undefined names, self-references,
continuation lines, comments, good and bad booleans and numbers,
compatibility_level unset/0/1/2/3.6, values Postfix checks for range,
unit, length and meaning on this host: VALUES) and compares, for each:

  - the verdict: real postmap(1) builds a table with that main.cf, or
    refuses it; archmail (HELPER, tests/postconf/postconf_eval) must
    accept or refuse alike, and a refused boolean must be named with
    main.cf's file name and line, as Postfix does;
  - the values: where real `postconf -c DIR -x -h PARAM...` accepts the
    file, every value HELPER prints must be postconf's.

NOSLEEP is an LD_PRELOAD library whose sleep() returns at once: Postfix
sleeps a second before it exits on a fatal error, which would make a run
of a thousand files take a quarter of an hour.  (It also waits a second
before reading a file changed within the current second: the oracle's
main.cf gets an old time stamp.)

archmail's built-in defaults of default_database_type, alias_database and
alias_maps name lmdb, its only table type, where Debian's Postfix says
hash (a deliberate difference, archmail-postmap(8) DIFFERENCES): postconf
reads a copy of each main.cf that leaves them unset with archmail's
defaults as its first lines, and everything else is compared as is.
postmap reads main.cf unchanged (the lines would make those parameters
set, hence known early, for smtputf8_enable; see am_conf.c).

Prints a summary; exit 1 on any difference.
"""
import atexit
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

# p1, p2, p3, probe stand for known Postfix parameters (RENAME): postconf
# -x -h prints nothing for names it does not know.  p3 is one postmap
# reads, so a malformed p3 makes postmap refuse the file; p1 and p2 are
# not, so postmap builds the table (and postconf refuses).
RENAME = {"p1": "header_checks", "p2": "body_checks",
          "p3": "debug_peer_list", "probe": "relayhost"}
PARAMS = ["smtputf8_enable", "relayhost", "compatibility_level",
          "header_checks", "body_checks", "debug_peer_list",
          "default_database_type", "alias_database", "alias_maps",
          "mydomain", "myhostname", "lmdb_map_size"]
DELIBERATE = [("default_database_type", "lmdb"),
              ("alias_database", "lmdb:/etc/aliases"),
              ("alias_maps", "lmdb:/etc/aliases")]
WORDS = ["yes", "no", "YES", "No", "yEs", "true", "false", "abc", "3", "10",
         "-1", "3.6", " a ", "a b", "", "x.y", "0", "#x", "lmdb:/etc/x"]
LEVELS = ["0", "1", "2", "3.6", "3.10", "3.6.1", "$compatibility_level",
          "${compatibility_level}", "$lvl"]
ALL_NAMES = ["p1", "p2", "p3", "lvl", "empty", "undefined_param", "nope",
             "compatibility_level", "mydomain", "lmdb_map_size",
             "default_database_type", "alias_database", "myhostname"]
NAMES = list(ALL_NAMES)
# Values Postfix checks at start-up past their syntax (ranges, units,
# lengths, names on this host): the verdicts must agree.  No host names but
# localhost, so that nothing waits for a DNS server.
INTS = ["0", "1", "-1", "511", "512", "6", "7", "2147483647", "2147483648",
        "-2147483649", "+5", "0x10", "5k", "", "$p1"]
TIMES = ["0", "1", "0s", "5x", "5sx", "s", "w", "10", "11", "10s", "1m",
         "3600s", "1w", "-1", "2147483647s", "2147483647", "35791394m",
         "35791395m", "3550w", "3551w", "", "$p1", "9999999999s"]
VALUES = {
    "default_process_limit": INTS, "max_use": INTS, "dont_remove": INTS,
    "line_length_limit": INTS, "delay_logging_resolution_limit": INTS,
    "tcp_windowsize": INTS, "debug_peer_level": INTS,
    "message_size_limit": INTS + ["9223372036854775807",
                                  "9223372036854775808"],
    "ipc_timeout": TIMES, "in_flow_delay": TIMES, "daemon_timeout": TIMES,
    "max_idle": TIMES, "stale_lock_time": TIMES,
    "mail_name": ["Postfix", "", "$p1"], "syslog_name": ["postfix", ""],
    "default_verp_delimiters": ["+=", "-", "abc", "==", "+x", ""],
    "verp_delimiter_filter": ["-=+", "x", "+", "=+-x"],
    "myorigin": ["$myhostname", "a b", "a,b", "example.org", "$mydomain"],
    "syslog_facility": ["mail", "local7", "security", "MAIL", "bogus",
                        "auth, mail", "authpriv", "uucp"],
    "inet_protocols": ["all", "ipv4", "ipv6", "ipv4, ipv6", "ALL", "ipv9",
                       "", "all ipv4,,ipv6", "ipv4 ipv4"],
    "inet_interfaces": ["all", "loopback-only", "127.0.0.1", "[::1]",
                        "localhost", "10.9.9.9", "all, 127.0.0.1",
                        "LOOPBACK-ONLY", "127.0.0.1 [::1]", "", "::1",
                        "[127.0.0.1]", "192.0.2.2"],
    "mynetworks_style": ["host", "subnet", "class", "HOST", "host subnet",
                         "host,host", "bogus", ","],
    "mynetworks": ["127.0.0.0/8", ""],
    # Defaults Postfix stores evaluated once read, then expands again.
    "mydestination": ["$relay_domains", "$$", "$myhostname, localhost",
                      "$fast_flush_domains"],
    "relay_domains": ["$mydestination", "$$", ""],
    "multi_instance_name": ["", "${x}", "$$", "postfix-2"],
    "maillog_file": ["", "/var/log/x", "/tmp/x", "/dev/stdout", "x"],
    "maillog_file_prefixes": ["/var, /dev/stdout", "/tmp", ","],
    "mail_owner": ["postfix", "nosuchuser", "root", "nobody", "daemon"],
    "setgid_group": ["postdrop", "postfix", "root", "nogroup", "nosuch"],
    "default_privs": ["nobody", "postfix", "root", "daemon", "nosuch"],
}
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
            if r.random() < 0.3:
                # a level comparison nested in a branch or an operand
                a = "${{%s} %s {%s} ? {%s} : {%s}}" % (
                    r.choice(LEVELS), r.choice(LEVEL_OPS),
                    r.choice(LEVELS), r.choice(LEVELS), r.choice(LEVELS))
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
    if r.random() < 0.5:
        return word(r)
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


def values_cf(r):
    """A few of VALUES, maybe through an expansion, and nothing else."""
    out = []
    if r.random() < 0.3:
        out += setting(r, "compatibility_level", r.choice(LEVELS[:6]))
    for _ in range(r.randint(1, 4)):
        name = r.choice(sorted(VALUES))
        value = r.choice(VALUES[name])
        if r.random() < 0.15:
            out += setting(r, "vv", value)
            value = r.choice(["$vv", "${vv}", "${vv:x}"])
        out += setting(r, name, value)
    return "\n".join(out) + "\n"


def main_cf(r):
    if r.random() < 0.4:
        return values_cf(r)
    out = []
    if r.random() < 0.2:
        out.append("# generated")
    if r.random() < 0.03:
        out.append(r.choice(["p2", "p2 x", "= x"]))	# no '='
    lvl = r.choice([None, None, "0", "1", "2", "3.6", "$lvl", "3.10"])
    if lvl == "$lvl" or r.random() < 0.7:
        out += setting(r, "lvl", r.choice(LEVELS[:6]))
    if lvl is not None:
        out += setting(r, "compatibility_level", lvl)
    loops = r.random() < 0.1
    for n in ("p1", "p2", "p3"):
        # Mostly no loop among the p*: a loop makes both refuse.
        NAMES[:] = [x for x in ALL_NAMES
                    if loops or not x.startswith("p") or x > n]
        if r.random() < 0.6:
            out += setting(r, n, expr(r, 2))
    NAMES[:] = ALL_NAMES
    if r.random() < 0.3:
        out += setting(r, "empty", "")
    if r.random() < 0.1:
        out += setting(r, r.choice(["default_database_type",
                                    "alias_database", "alias_maps"]),
                       expr(r, 1))
    if r.random() < 0.05:
        out += setting(r, "lmdb_map_size",
                       r.choice(["1048576", " 20 ", "x", "1k", "$p1"]))
    if r.random() < 0.05:
        # Not naming DELIBERATE's parameters: postconf reads them as set
        # (oracle_text()), which makes them known to myhostname's default
        # where, as defaults, they would not be.
        NAMES[:] = [x for x in ALL_NAMES
                    if x not in [d[0] for d in DELIBERATE]]
        out += setting(r, "mydomain", expr(r, 1))
        NAMES[:] = ALL_NAMES
    out += setting(r, "probe", expr(r, 3))
    mode = r.random()
    if mode < 0.3:
        # a plain boolean, good or bad
        val = r.choice(["yes", "no", "Yes", "NO", "true", "false", "1",
                        "yes # no", "", "$p1", "y es", "$undefined_thing",
                        "$smtputf8_enable"])
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
# without leading or trailing blanks; compare values that way.
def norm(v):
    return re.sub(r"[ \t\n\r\f\v]+", " ", v).strip(" ")


def rename(text):
    return re.sub(r"\b(p1|p2|p3|probe)\b", lambda m: RENAME[m.group(1)],
                  text)


def oracle_text(text):
    pre = ""
    for name, value in DELIBERATE:
        if not re.search(r"^%s[ \t]*=" % name, text, re.M):
            pre += "%s = %s\n" % (name, value)
    return pre + text


def run(argv, env=None):
    c = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env)
    return (c.returncode, c.stdout.decode("utf-8", "surrogateescape"),
            c.stderr.decode("utf-8", "surrogateescape"))


def main():
    helper, nosleep, work, count, seed = sys.argv[1], sys.argv[2], \
        sys.argv[3], int(sys.argv[4]), sys.argv[5]
    if seed == "daily":
        seed = os.environ.get("POSTCONF_DIFF_SEED",
                              str(int(time.time()) // 86400))
    seed = int(seed)
    print("seed=%d" % seed)
    r = random.Random(seed)
    # ld.so splits LD_PRELOAD at spaces and colons, and the build tree may
    # sit in a path with spaces (.ci/run puts a clone there): preload a
    # copy from a directory of our own.
    preload_dir = tempfile.mkdtemp(prefix="postconf-nosleep.")
    preload = os.path.join(preload_dir, "nosleep.so")
    if " " in preload or ":" in preload:
        sys.exit("postconf_differential: no usable directory for the "
                 "LD_PRELOAD copy: %r" % preload)
    shutil.copyfile(nosleep, preload)
    atexit.register(shutil.rmtree, preload_dir, True)
    env = dict(os.environ, LD_PRELOAD=preload)
    stats = {"files": 0, "values": 0, "differ": 0, "postconf_refused": 0,
             "postmap_refused": 0, "bad_bool": 0, "smtputf8_off": 0}
    shown = 0
    am_dir = os.path.join(work, "am")
    pf_dir = os.path.join(work, "pf")
    pm_dir = os.path.join(work, "pm")
    for d in (am_dir, pf_dir, pm_dir):
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "master.cf"), "w").close()
    src = os.path.join(pf_dir, "src")
    with open(src, "w") as f:
        f.write("k v\n")
    for i in range(count):
        text = rename(main_cf(r))
        with open(os.path.join(am_dir, "main.cf"), "w") as f:
            f.write(text)
        with open(os.path.join(pf_dir, "main.cf"), "w") as f:
            f.write(oracle_text(text))
        with open(os.path.join(pm_dir, "main.cf"), "w") as f:
            f.write(text)
        # Postfix waits a second before it reads a file changed within
        # the current second (it might still be being written).
        os.utime(os.path.join(pf_dir, "main.cf"), (1e9, 1e9))
        os.utime(os.path.join(pm_dir, "main.cf"), (1e9, 1e9))
        pc_rc, pc_out, _ = run(["postconf", "-c", pf_dir, "-x", "-h"] +
                               PARAMS, env)
        pm_rc, _, pm_err = run(["postmap", "-c", pm_dir, "lmdb:" + src],
                               env)
        _, am_out, _ = run([helper, am_dir] + PARAMS)
        am = am_out.split("\n") + [""] * (len(PARAMS) + 1)
        stats["files"] += 1
        bad = []
        am_ok = am[0] == "accepted"
        if pm_rc != 0:
            stats["postmap_refused"] += 1
        if am_ok != (pm_rc == 0):
            bad.append("archmail %s, postmap %s" %
                       (am[0], "accepted" if pm_rc == 0 else pm_err.strip()))
        m = re.search(r"bad boolean configuration: (\S+)", pm_err)
        if m and not am_ok:
            stats["bad_bool"] += 1
            if "bad boolean configuration: " + m.group(1) not in am[0] or \
                    not re.search(r"main\.cf, line \d", am[0]):
                bad.append("archmail %s, postmap %s" % (am[0],
                                                        pm_err.strip()))
        if pc_rc != 0:
            stats["postconf_refused"] += 1
        elif am_ok:
            pf = pc_out.split("\n")
            for j, p in enumerate(PARAMS):
                stats["values"] += 1
                a = am[1 + j]
                want = "%s=%s" % (p, norm(pf[j]))
                got = a if a.endswith(" error") or "=" not in a else \
                    "%s=%s" % (p, norm(a.split("=", 1)[1]))
                if got != want:
                    bad.append("archmail %r, postconf %r" % (got, want))
            if norm(pf[0]).lower() == "no":
                stats["smtputf8_off"] += 1
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
