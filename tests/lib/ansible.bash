# Real ansible-playbook over the collection of the repository (ansible/),
# for tests/cli/ansible*.sh: sourced after tests/testlib.sh.  Everything
# Ansible writes goes to $T (ANSIBLE_HOME, local and remote temp), no
# ansible.cfg is read, and the connection is local.
#
#   play NAME PLAYBOOK [ARGS...]   run ansible-playbook -c local with the
#                                  inventory $T/inventory and the json
#                                  callback; result in $T/NAME.json, exit
#                                  status in $PLAY_RC
#   tasks NAME [HOST]              one line per task of HOST (default
#                                  localhost): "TASK changed|ok|failed"
#   host_result NAME TASK KEY...   a member of TASK's result for localhost,
#                                  as JSON
ansible_init() {
	local repo
	repo=$(pwd)
	mkdir -p "$T/collections/ansible_collections/archmail" \
	    "$T/ansible-home" "$T/ansible-tmp" "$T/ansible-remote-tmp"
	ln -s "$repo/ansible" "$T/collections/ansible_collections/archmail/mailhost"
	: >"$T/ansible.cfg"
	export ANSIBLE_CONFIG=$T/ansible.cfg
	export ANSIBLE_COLLECTIONS_PATH=$T/collections
	export ANSIBLE_HOME=$T/ansible-home
	export ANSIBLE_LOCAL_TEMP=$T/ansible-tmp
	export ANSIBLE_REMOTE_TEMP=$T/ansible-remote-tmp
	export ANSIBLE_PYTHON_INTERPRETER
	ANSIBLE_PYTHON_INTERPRETER=$(command -v python3)
	export ANSIBLE_LOCALHOST_WARNING=False
	export ANSIBLE_INVENTORY_UNPARSED_WARNING=False
	export ANSIBLE_NOCOLOR=1
	export ANSIBLE_RETRY_FILES_ENABLED=False
	# The json callback is not in ansible-core: our own, same shape.
	export ANSIBLE_CALLBACK_PLUGINS=$repo/tests/lib/ansible_callback
	printf 'localhost ansible_connection=local\n' >"$T/inventory"
}

play() {
	local name=$1 book=$2
	shift 2
	ANSIBLE_STDOUT_CALLBACK=archmail_json ansible-playbook -c local \
	    -i "$T/inventory" "$book" "$@" >"$T/$name.json" 2>"$T/$name.err"
	PLAY_RC=$?
	# What went wrong, for the log (a failure may be what the test wants).
	[ "$PLAY_RC" = 0 ] || head -c 2000 "$T/$name.err" >&2
}

tasks() {
	python3 - "$T/$1.json" "${2:-localhost}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d['plays']:
    for t in p['tasks']:
        r = t['hosts'].get(sys.argv[2])
        if r is None:
            continue
        v = 'failed' if r.get('failed') else \
            'changed' if r.get('changed') else 'ok'
        print(t['task']['name'], v)
        if v == 'failed':
            print('  %s: %s' % (t['task']['name'], r.get('msg')), file=sys.stderr)
PY
}

host_result() {
	python3 - "$T/$1.json" "$2" "${@:3}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d['plays']:
    for t in p['tasks']:
        if t['task']['name'] == sys.argv[2]:
            r = t['hosts']['localhost']
            for k in sys.argv[3:]:
                r = r[int(k)] if isinstance(r, list) else r[k]
            print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))
            sys.exit(0)
sys.exit(1)
PY
}

# The state of a tree: every file's type, mode, size, mtime and checksum
# (lock files apart: a locked run may create them).
tree_state() {
	(cd "$1" &&
	    find . ! -type d ! -name '*.lock' -printf '%P|%y|%m|%u|%g|%s|%T@|%l\n' |
	    sort &&
	    find . -type f ! -name '*.lock' -print0 | sort -z |
	    xargs -0 -r sha256sum)
}
