#!/usr/bin/env python3
"""archmail's PAM guard against real libpam, on the same files.

usage (as root, inside "unshare -m"):
  differential.py ARCHMAIL PAM_VERDICT WORKDIR COUNT SEED

Generates COUNT random PAM configurations (deterministic for SEED) plus
fixed cases, and for each one runs "archmail --root CASE passwd clear
--no-expire --dry-run mailuser" (the auth question alone) and
tests/pam/pam_verdict on the same files (bound over /etc/pam.d and
/usr/lib/pam.d in this private mount namespace, with
scratch /etc/passwd and /etc/shadow in which mailuser's password is
empty).  archmail must refuse (exit 78) exactly when libpam accepts
"wrong-password" for one of the mail services.  The same case is then
judged a second time for clear's default (expire): pam_verdict -a also
runs pam_acct_mgmt (mailuser's last change is 0), and plain "passwd clear
--dry-run mailuser" must refuse exactly when both calls succeed.  The only other
disagreement allowed is archmail refusing a case the generator marked as
one of the documented fail-closed cases (a module archmail does not know,
a file archmail will not read); those are counted and reported.
"""
import ctypes
import os
import random
import re
import shutil
import subprocess
import sys

SERVICES = ["dovecot", "imap", "pop3", "submission", "lmtp", "sieve",
            "managesieve", "doveadm", "smtp", "system-auth", "common-auth"]
INCLUDES = ["inc-a", "inc-b", "inc-c"]
SEC = "/lib/x86_64-linux-gnu/security/"

MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 16384, 1 << 18, 2
libc = ctypes.CDLL(None, use_errno=True)


def mount(src, dst, flags):
    if libc.mount(src and src.encode(), dst.encode(), None, flags,
                  None) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "mount %s %s: %s" % (src, dst, os.strerror(e)))


def umount(dst):
    if libc.umount2(dst.encode(), MNT_DETACH) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "umount %s: %s" % (dst, os.strerror(e)))


CONTROLS = [
    "required", "requisite", "sufficient", "optional", "Required",
    "SUFFICIENT", "[required]", "[success=ok default=bad]",
    "[success=done default=ignore]", "[success=1 default=ignore]",
    "[success=2 default=ignore]", "[success=3 default=bad]",
    "[default=die]", "[success=ok auth_err=1 default=bad]",
    "[auth_err=ok default=ignore]", "[maxtries=ok default=bad]",
    "[success=reset default=ignore]", "[ignore=ignore success=ok default=die]",
    "[success = 1  default = ignore]", "[success=1default=ignore]",
    "[succes=ok]", "[success=0]", "[success=ok]", "[]", "requird",
    "[success=done new_authtok_reqd=done default=ignore]",
    "[perm_denied=ok]", "[perm_denied=done default=ignore]",
    "[default=ignore]", "[SUCCESS=ok]", "[success=okdefault=die]",
    "[auth_err=2 default=ignore]", "[auth_err=die success=done]",
    "[maxtries=1 default=ignore]", "[default=bad success=done]",
    "[success=1 auth_err=ignore default=die]", "[success=bad default=ok]",
    "[auth_err=reset default=ignore]", "[success=9 default=ignore]",
]
UNIX_ARGS = ["nullok", "nullok_secure", "nullokx", "xnullok", "[nullok]",
             "nullresetok", "try_first_pass", "use_first_pass", "debug",
             "[try_first_pass nullok]", "NULLOK", "yescrypt", "shadow",
             "[a\\]b]", "nonull", "use_first_pass=1", "nullok#comment"]
TYPES = ["auth"] * 12 + ["-auth", "AUTH", "Auth", "[auth]", "account",
                         "session", "password", "autth", "-", "[-auth]"]
# Half the cases also stress the account phase (passwd clear's default).
TYPES_ACCOUNT = TYPES + ["account"] * 10 + ["-account", "ACCOUNT"]
ACCOUNT_CONTROLS = [
    "[new_authtok_reqd=ignore default=bad]", "[new_authtok_reqd=1 "
    "default=bad]", "[success=1 new_authtok_reqd=done default=ignore]",
    "[new_authtok_reqd=ok default=ignore]", "[acct_expired=ignore "
    "default=bad]", "[new_authtok_reqd=reset default=ignore]",
    "[default=ignore]", "[new_authtok_reqd=die default=ok]",
]


class Case:
    def __init__(self, name):
        self.name = name
        self.etc = {}       # name -> text (or None for a directory)
        self.usr = {}
        self.fail_closed = []   # why archmail may refuse where libpam not
        self.at_includes = []   # (file, target) of each @include
        self.account = False    # more account lines

    def note(self, why):
        if why not in self.fail_closed:
            self.fail_closed.append(why)


def sep(r):
    return r.choice([" ", "\t", "  ", " \t ", "\t\t"])


def module(r, case):
    x = r.random()
    if x < 0.45:
        return SEC + "pam_unix.so" if r.random() < 0.1 else "pam_unix.so", True
    if x < 0.65:
        return r.choice(["pam_permit.so", SEC + "pam_permit.so"]), False
    if x < 0.85:
        return r.choice(["pam_deny.so", SEC + "pam_deny.so"]), False
    case.note("unknown module")
    return r.choice(["pam_nonexistent.so", "pam_unix", "sub/pam_deny.so",
                     "pam_env.so"]), False


def words_to_line(r, words):
    """Join words with blanks, maybe continuing with '\\' lines."""
    out = sep(r) if r.random() < 0.2 else ""
    for i, w in enumerate(words):
        out += w
        if i == len(words) - 1:
            break
        if r.random() < 0.12:
            out += sep(r) + "\\" + r.choice(["", " ", "\t", "  \t"]) + "\n"
            k = r.random()
            if k < 0.3:
                out += "# a comment inside nullok\n"
            elif k < 0.5:
                out += r.choice(["\n", "   \n", "\t\n"])
            out += sep(r) if r.random() < 0.7 else ""
        else:
            out += sep(r)
    if r.random() < 0.1:
        out += sep(r) + "# trailing comment pam_permit.so nullok"
    return out + "\n"


def gen_line(r, case, targets, owner):
    t = r.choice(TYPES_ACCOUNT if case.account else TYPES)
    x = r.random()
    if targets and x < 0.18:
        what = r.choice(["include", "substack", "Include", "[substack]"])
        return words_to_line(r, [t, what, r.choice(targets)])
    if targets and x < 0.24:
        target = r.choice(targets)
        case.at_includes.append((owner, target))
        return words_to_line(r, [r.choice(["@include", "@INCLUDE"]),
                                 target])
    mod, is_unix = module(r, case)
    control = r.choice(CONTROLS)
    if "account" in t.lower() and r.random() < 0.4:
        control = r.choice(ACCOUNT_CONTROLS)
    words = [t, control, mod]
    if is_unix or r.random() < 0.2:
        words += r.sample(UNIX_ARGS, r.randint(0, 3))
    if r.random() < 0.05:
        words[3:3] = ["debug"] * 70
    return words_to_line(r, words)


def gen_file(r, case, targets, owner):
    text = "#%PAM-1.0\n" if r.random() < 0.3 else ""
    for _ in range(r.randint(1, 6)):
        text += gen_line(r, case, targets, owner)
        if r.random() < 0.1:
            text += "\n# comment\n"
    if r.random() < 0.03:
        text += "auth required pam_permit.so \\\n"
    if r.random() < 0.03:
        text = text.replace("\n", "\r\n")
    return text


def random_case(r, n):
    case = Case("gen%04d" % n)
    case.account = r.random() < 0.5
    # Include files: inc-a may include inc-b, inc-c; inc-b inc-c; no loop.
    incs = r.sample(INCLUDES, r.randint(0, 3))
    for inc in incs:
        later = [i for i in INCLUDES if i > inc] + ["missing-file"]
        case.etc[inc] = gen_file(r, case, later, inc)
    services = r.sample(SERVICES, r.randint(0, 3))
    if r.random() < 0.5 or not services:
        services.append("other")
    for s in services:
        text = gen_file(r, case, INCLUDES + ["missing-file"], s)
        # Let the empty password through auth, so that the account
        # phase decides.
        if case.account and r.random() < 0.6:
            text = r.choice(["auth sufficient pam_unix.so nullok\n",
                             "auth required pam_permit.so\n"]) + text
        (case.usr if r.random() < 0.1 else case.etc)[s] = text
    if r.random() < 0.02:
        case.etc["inc-c"] = None
        case.note("directory")
    # Debian's @include of a missing file inside an included file leaves
    # libpam with uninitialised controls: archmail refuses to guess.
    for owner, target in case.at_includes:
        if owner in INCLUDES and case.etc.get(target) is None:
            case.note("@include failing in an included file")
    # A CR, VT or FF right after a module name is part of the name for
    # libpam (no such module); archmail does not model a missing module
    # and judges it as an unknown one.
    for text in list(case.etc.values()) + list(case.usr.values()):
        if text and re.search(r"\.so[\r\x0b\x0c]", text):
            case.note("unknown module")
    # The target as libpam splits it: a separator that is no blank for
    # libpam (CR, VT, ...) becomes part of the name, which then fails.
    for owner in INCLUDES:
        text = case.etc.get(owner) or ""
        for m in re.finditer(r"@(?:include|INCLUDE)[ \t]+([^ \t\n]+)", text):
            if case.etc.get(m.group(1)) is None:
                case.note("@include failing in an included file")
    return case


def fixed_cases():
    cases = []

    def add(name, etc, usr=None, why=None):
        c = Case(name)
        c.etc = etc
        c.usr = usr or {}
        if why:
            c.note(why)
        cases.append(c)

    add("backslash-blanks", {"dovecot":
        "auth required pam_unix.so \\ \n\tnullok\n"})
    add("comment-in-continuation", {"dovecot":
        "auth required pam_unix.so \\\n# comment\n\n   nullok\n"})
    add("bracketed-arg", {"dovecot": "auth required pam_unix.so [nullok]\n"})
    add("many-args", {"dovecot": "auth required pam_unix.so " +
        "debug " * 70 + "nullok\n"})
    add("other-fallback", {"other": "auth sufficient pam_unix.so nullok\n"
        "auth required pam_deny.so\n"})
    for s in ["imap", "pop3", "submission", "lmtp", "sieve", "managesieve",
              "doveadm", "smtp"]:
        add("service-" + s, {s: "auth required pam_unix.so nullok\n",
                              "other": "auth required pam_deny.so\n"})
    add("include-directory", {"dovecot": "auth include broken.d\n"
        "auth required pam_unix.so\n", "broken.d": None}, why="directory")
    add("nullok-secure", {"dovecot":
        "auth required pam_unix.so nullok_secure\n"})
    add("no-nullok", {"dovecot": "auth required pam_unix.so\n",
                      "other": "auth required pam_deny.so\n"})
    add("debian-common-auth", {
        "dovecot": "#%PAM-1.0\n@include common-auth\n@include "
        "common-account\n",
        "common-auth": "auth\t[success=1 default=ignore]\tpam_unix.so "
        "nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\t"
        "pam_permit.so\n",
        "common-account": "account required pam_unix.so\n",
        "other": "auth required pam_deny.so\n"})
    add("debian-common-auth-strict", {
        "dovecot": "@include common-auth\n",
        "common-auth": "auth\t[success=1 default=ignore]\tpam_unix.so\n"
        "auth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\t"
        "pam_permit.so\n",
        "other": "auth required pam_deny.so\n"})
    add("arch-system-auth", {
        "dovecot": "auth include system-auth\naccount include system-auth\n",
        "system-auth": "auth required pam_faillock.so preauth\n"
        "-auth [success=2 default=ignore] pam_systemd_home.so\n"
        "auth [success=1 default=bad] pam_unix.so try_first_pass nullok\n"
        "auth [default=die] pam_faillock.so authfail\n"
        "auth optional pam_permit.so\nauth required pam_env.so\n"
        "auth required pam_faillock.so authsucc\n",
        "other": "auth required pam_deny.so\n"}, why="unknown module")
    # Module paths libpam resolves to pam_unix and pam_permit.
    for path in ["./pam_unix.so", ".//pam_unix.so", "../security/pam_unix.so",
                 "/lib/x86_64-linux-gnu/security/./pam_unix.so",
                 "/usr/lib/x86_64-linux-gnu/security//pam_unix.so"]:
        add("path-" + path, {"dovecot": "auth sufficient %s nullok\n"
            "auth required pam_deny.so\n" % path,
            "other": "auth required pam_deny.so\n"})
    add("path-./pam_permit", {"dovecot": "auth sufficient ./pam_permit.so\n"
        "auth required pam_deny.so\n",
        "other": "auth required pam_deny.so\n"})
    # Modules that grant without any password.
    for mod in ["pam_succeed_if.so uid >= 1000", "pam_localuser.so",
                "pam_rootok.so", "pam_shells.so"]:
        add("grants-" + mod.split()[0], {"dovecot": "auth sufficient %s\n"
            "auth required pam_deny.so\n" % mod,
            "other": "auth required pam_deny.so\n"})
    add("substack-done", {"dovecot": "auth substack inner\n"
        "auth required pam_deny.so\n", "inner":
        "auth sufficient pam_unix.so nullok\n"})
    add("substack-die-scoped", {"dovecot": "auth substack inner\n"
        "auth sufficient pam_permit.so\n", "inner":
        "auth requisite pam_deny.so\n"})
    add("jump-over", {"dovecot": "auth [success=1 default=ignore] "
        "pam_unix.so nullok\nauth requisite pam_deny.so\n"
        "auth required pam_permit.so\n"})
    add("bad-jump", {"dovecot": "auth [success=5 default=ignore] "
        "pam_unix.so nullok\nauth required pam_permit.so\n"})
    add("eof-in-continuation", {"dovecot":
        "auth sufficient pam_unix.so nullok \\\n"})
    add("eof-in-continuation-other", {"dovecot":
        "auth sufficient pam_unix.so nullok\n", "other":
        "auth required pam_deny.so \\\n"})
    add("hash-ends-continuation", {"dovecot":
        "auth sufficient pam_unix.so \\ # x\nnullok\n"})
    add("modname-question", {"dovecot":
        "auth sufficient pam_unix.so nullok\nsession required ?\n"})
    add("usr-lib-fallback", {}, {"dovecot":
        "auth sufficient pam_unix.so nullok\n"})
    add("escaped-bracket", {"dovecot":
        "auth [success=ok default=bad\\]] pam_unix.so nullok\n"})
    add("bracket-glued", {"dovecot":
        "auth [success=ok]pam_unix.so nullok\n"})
    add("crlf", {"dovecot": "auth required pam_unix.so nullok\r\n"})
    add("crlf-module", {"dovecot": "auth sufficient pam_permit.so\r\n",
                        "other": "auth required pam_deny.so\n"})
    add("third-failure-maxtries", {"dovecot":
        "auth [default=ignore] pam_unix.so\n"
        "auth [default=ignore] pam_unix.so\n"
        "auth [maxtries=ok default=die] pam_unix.so\n"
        "auth required pam_permit.so\n"})
    add("use-first-pass", {"dovecot":
        "auth [auth_err=1 default=die] pam_unix.so use_first_pass\n"
        "auth requisite pam_deny.so\nauth required pam_permit.so\n"})
    add("include-loop", {"dovecot": "auth include loop-a\n",
                         "loop-a": "auth include loop-b\n",
                         "loop-b": "auth include loop-a\n"},
        why="include loop")
    add("long-line", {"dovecot": "auth required pam_unix.so " +
        "x" * 1100 + "\n"}, why="long line")
    add("missing-include", {"dovecot": "auth include nowhere\n"
        "auth sufficient pam_unix.so nullok\n"})
    add("bad-type-sufficient", {"dovecot": "autth sufficient pam_deny.so\n"
        "auth required pam_unix.so nullok\n"})
    add("empty", {})
    deny = "auth required pam_deny.so\n"
    for i, text in enumerate([
            "auth [default=ignore] pam_unix.so\n"
            "auth [default=ignore] pam_unix.so\n"
            "auth [maxtries=1 default=die] pam_unix.so\n"
            "auth requisite pam_deny.so\nauth required pam_permit.so\n",
            "auth [default=ignore] pam_unix.so\n"
            "auth [maxtries=1 default=die] pam_unix.so\n"
            "auth requisite pam_deny.so\nauth required pam_permit.so\n",
            "auth [default=bad] pam_deny.so\n"
            "auth [auth_err=reset] pam_deny.so\nauth required pam_permit.so\n",
            "auth required pam_unix.so nullok\nauth\r\n",
            "auth [success=ok default=bad\\]] pam_unix.so nullok\n",
            "auth required pam_unix.so [a\\]b] [try_first_pass nullok]\n",
            "auth required pam_unix.so xnullok NULLOK\n",
            "auth required pam_unix.so nullresetok\n",
            "AUTH REQUIRED pam_unix.so nullok\n",
            "auth [SUCCESS=ok] pam_unix.so nullok\n",
            "[auth] [required] [pam_unix.so] [nullok]\n",
            "autth required pam_permit.so\nauth required pam_unix.so nullok\n",
            "account required pam_unix.so\n",
            "auth sufficient pam_unix.so nullok\n@include nowhere\n",
            "auth [success=1 default=ignore] pam_unix.so nullok\n"
            "auth [default=die] pam_deny.so\nauth optional pam_permit.so\n",
            "auth [success=2 default=ignore] pam_permit.so\n"
            "auth [success=1 default=ignore] pam_unix.so nullok\n"
            "auth requisite pam_deny.so\nauth required pam_permit.so\n",
            "auth [success=done default=ignore] pam_unix.so use_first_pass"
            " nullok\nauth required pam_deny.so\n",
            "auth [ignore=ok default=bad] pam_permit.so\n",
            "auth optional pam_permit.so\nauth optional pam_deny.so\n",
            "auth required pam_permit.so\nauth optional pam_deny.so\n",
            "auth [success=1 default=ignore] pam_permit.so\n",
            ]):
        add("unit-%02d" % i, {"dovecot": text, "other": deny})
    add("other-no-auth", {"dovecot": "account required pam_unix.so\n",
                          "other": "auth required pam_unix.so nullok\n"})
    add("substack-include", {"dovecot": "auth include in\n" + deny,
                             "in": "auth sufficient pam_unix.so nullok\n"})
    # The account phase of the expired empty password (clear's default):
    # auth lets it in, the account stack decides.
    acc = "auth sufficient pam_unix.so nullok\nauth required pam_deny.so\n"
    for name, account in [
            ("required", "account required pam_unix.so\n"),
            ("requisite", "account requisite pam_unix.so\n"
             "account required pam_permit.so\n"),
            ("optional", "account optional pam_unix.so\n"
             "account required pam_permit.so\n"),
            ("sufficient", "account sufficient pam_unix.so\n"
             "account required pam_permit.so\n"),
            ("permit-only", "account required pam_permit.so\n"),
            ("ignored", "account [new_authtok_reqd=ignore default=bad] "
             "pam_unix.so\naccount required pam_permit.so\n"),
            ("jumped", "account [new_authtok_reqd=1 default=bad] "
             "pam_unix.so\naccount required pam_deny.so\n"
             "account required pam_permit.so\n"),
            ("jump-over", "account [success=1 default=ignore] "
             "pam_permit.so\naccount required pam_unix.so\n"
             "account required pam_permit.so\n"),
            ("reset", "account [new_authtok_reqd=reset default=bad] "
             "pam_unix.so\naccount required pam_permit.so\n"),
            ("debian", "account [success=1 new_authtok_reqd=done "
             "default=ignore] pam_unix.so\naccount requisite pam_deny.so\n"
             "account required pam_permit.so\n"),
            ("substack-requisite", "account substack acc-sub\n"
             "account required pam_permit.so\n"),
            ("no-pass-expiry", "account required pam_unix.so "
             "no_pass_expiry\n"),
            ("path", "account required ./pam_unix.so\n"),
            ("none", "")]:
        etc = {"dovecot": acc + account,
               "other": "auth required pam_deny.so\n"
               "account required pam_deny.so\n",
               "acc-sub": "account requisite pam_unix.so\n"}
        # no_pass_expiry skips the expiry only when pam_unix did not
        # authenticate: archmail does not follow that, and refuses.
        add("account-" + name, etc, why="no_pass_expiry" if
            name == "no-pass-expiry" else None)
    add("account-other-fallback", {"dovecot": acc,
        "other": "account required pam_permit.so\n"})
    add("account-arch", {
        "dovecot": "auth include system-auth\naccount include system-auth\n",
        "system-auth": "auth [success=1 default=bad] pam_unix.so "
        "try_first_pass nullok\nauth requisite pam_deny.so\n"
        "auth optional pam_permit.so\n"
        "-account [success=1 default=ignore] pam_systemd_home.so\n"
        "account required pam_unix.so\naccount optional pam_permit.so\n",
        "other": "auth required pam_deny.so\n"})
    return cases


def write_case(root, case):
    shutil.rmtree(root, ignore_errors=True)
    for sub, files in (("etc/pam.d", case.etc), ("usr/lib/pam.d", case.usr)):
        d = os.path.join(root, sub)
        os.makedirs(d)
        for name, text in files.items():
            p = os.path.join(d, name)
            if text is None:
                os.mkdir(p)
            else:
                with open(p, "w", newline="") as f:
                    f.write(text)
    for name in ("passwd", "shadow"):
        shutil.copy(os.path.join(os.path.dirname(root), name),
                    os.path.join(root, "etc", name))


def compare(case, archmail, root, out, opt, st):
    """One mode: archmail passwd clear OPT against pam_verdict's OUT."""
    lines = out.stdout.split("\n")
    if out.returncode != 0 and "include loop" in case.fail_closed:
        # libpam recurses until it crashes (a signal, or exit 1 from
        # a sanitizer's handler); archmail must refuse.
        lines = [s + " reject" for s in SERVICES]
    elif out.returncode != 0 or len(lines) < len(SERVICES):
        print("FAIL %s: pam_verdict failed (%d): %s" %
              (case.name, out.returncode, out.stderr.strip()))
        return 1
    accepting = [l.split()[0] for l in lines if l.endswith(" accept")]
    am = subprocess.run([archmail, "--root", root, "passwd", "clear"] +
                        opt + ["--dry-run", "mailuser"],
                        capture_output=True, text=True, timeout=60)
    refused = am.returncode == 78
    mode = " ".join(["clear"] + opt)
    if am.returncode not in (0, 78):
        print("FAIL %s (%s): archmail exit %d: %s" %
              (case.name, mode, am.returncode, am.stderr.strip()))
        return 1
    if accepting and not refused:
        print("FAIL %s (%s): libpam accepts (%s), archmail does not refuse"
              % (case.name, mode, " ".join(accepting)))
        return 1
    if refused and not accepting:
        if not case.fail_closed:
            print("FAIL %s (%s): archmail refuses, libpam rejects: %s" %
                  (case.name, mode, am.stderr.strip()))
            return 1
        for why in case.fail_closed:
            st["closed"][why] = st["closed"].get(why, 0) + 1
        return 0
    st["accept" if refused else "reject"] += 1
    return 0


def main():
    archmail, helper, work, count, seed = sys.argv[1:6]
    count, seed = int(count), int(seed)
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/bash\n"
                "mailuser:x:1000:1000::/home/mailuser:/bin/bash\n")
    with open(os.path.join(work, "shadow"), "w") as f:
        f.write("root:*:19000:0:99999:7:::\nmailuser::0:0:99999:7:::\n")
    mount(None, "/", MS_REC | MS_PRIVATE)
    mount(os.path.join(work, "passwd"), "/etc/passwd", MS_BIND)
    mount(os.path.join(work, "shadow"), "/etc/shadow", MS_BIND)
    # In a sanitizer build the oracle is instrumented too: libpam's own
    # small leaks are not archmail's business.
    helper_env = dict(os.environ)
    helper_env["ASAN_OPTIONS"] = (helper_env.get("ASAN_OPTIONS", "") +
                                  ":detect_leaks=0").lstrip(":")
    r = random.Random(seed)
    cases = fixed_cases() + [random_case(r, i) for i in range(count)]
    root = os.path.join(work, "root")
    bad = 0
    stats = [{"accept": 0, "reject": 0, "closed": {}} for _ in range(2)]
    for case in cases:
        write_case(root, case)
        mount(os.path.join(root, "etc/pam.d"), "/etc/pam.d", MS_BIND)
        mount(os.path.join(root, "usr/lib/pam.d"), "/usr/lib/pam.d",
              MS_BIND)
        try:
            # The auth question alone (clear --no-expire: any nullok
            # refuses), then auth and the account phase of the expired
            # password (clear's default).
            outs = [subprocess.run([helper] + flag + ["", "mailuser"] +
                                   SERVICES, capture_output=True,
                                   text=True, timeout=60, env=helper_env)
                    for flag in ([], ["-a"])]
        finally:
            umount("/usr/lib/pam.d")
            umount("/etc/pam.d")
        for out, opt, st in ((outs[0], ["--no-expire"], stats[0]),
                             (outs[1], [], stats[1])):
            bad += compare(case, archmail, root, out, opt, st)
        if bad and os.environ.get("PAM_DIFF_KEEP") and not os.path.exists(
                os.path.join(work, "first-failure")):
            shutil.copytree(root, os.path.join(work, "first-failure"))
    for what, st in (("cases", stats[0]), ("account phase, cases",
                                           stats[1])):
        print("%s %d: both refuse/accept %d, both pass/reject %d, "
              "fail-closed refusals %s, disagreements %d" %
              (what, len(cases), st["accept"], st["reject"],
               st["closed"] or "{}", bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
