#!/usr/bin/python3
# validate_json.py SCHEMA FILE: FILE (archmail's stdout under --json) must
# be exactly one JSON object, a newline at most after it and nothing else,
# valid against SCHEMA (JSON Schema 2020-12, Debian's python3-jsonschema).
# On success prints, for the shell test to read with grep:
#   KEY=JSON          each top-level member (compact JSON)
#   file<TAB>CHANGED<TAB>PATH   each member of files[]
#   error.code=CODE   the error code, if any
# Duplicate member names are an error too.  On failure prints why on
# stderr, still the lines above when it is an object, and exits 1.  A missing validator is a
# failure (exit 2), never a skip.
import json
import sys

try:
    import jsonschema
    Validator = jsonschema.Draft202012Validator
except (ImportError, AttributeError) as e:
    sys.stderr.write("FATAL: python3-jsonschema with Draft 2020-12 is "
                     "missing: %s\n" % e)
    sys.exit(2)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    Validator.check_schema(schema)
    with open(sys.argv[2], "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        sys.stderr.write("stdout is not UTF-8: %s\n" % e)
        return 1
    if not text.strip():
        sys.stderr.write("stdout is empty: no JSON object\n")
        return 1
    if text[0].isspace():
        sys.stderr.write("stdout starts with white space: %r\n" % text[:40])
        return 1
    dups = []

    def pairs(kv):
        seen = set()
        for k, _ in kv:
            if k in seen:
                dups.append(k)
            seen.add(k)
        return dict(kv)

    try:
        obj, end = json.JSONDecoder(object_pairs_hook=pairs).raw_decode(text)
    except ValueError as e:
        sys.stderr.write("stdout is not JSON: %s: %r\n" % (e, text[:200]))
        return 1
    rest = text[end:]
    if rest not in ("", "\n"):
        sys.stderr.write("more than one JSON object, or text after it: "
                         "%r\n" % rest[:200])
        return 1
    if not isinstance(obj, dict):
        sys.stderr.write("not a JSON object: %r\n" % text[:200])
        return 1
    status = 0
    if dups:
        # JSON parsers disagree on which one wins (RFC 8259, 4).
        sys.stderr.write("duplicate member names: %s\n" % ", ".join(dups))
        status = 1
    errors = sorted(Validator(schema).iter_errors(obj),
                    key=lambda e: list(e.path))
    for e in errors:
        sys.stderr.write("schema: %s at /%s\n" %
                         (e.message, "/".join(map(str, e.path))))
        status = 1
    if status:
        sys.stderr.write("object: %s\n" % text.strip()[:400])
    # The members even of an invalid object, so that the test's other
    # checks report on what is there rather than all failing with it.
    for k, v in obj.items():
        print("%s=%s" % (k, json.dumps(v, separators=(",", ":"))))
    for f in obj.get("files", []) if isinstance(obj.get("files"), list) else []:
        if isinstance(f, dict):
            print("file\t%s\t%s" % (json.dumps(f.get("changed")),
                                    f.get("path")))
    if isinstance(obj.get("error"), dict):
        print("error.code=%s" % obj["error"].get("code"))
    return status


sys.exit(main())
