#!/bin/bash
# archmail users onboard / offboard on a sysroot with the host's login.defs,
# a skeleton with a subdirectory, a 0600 file and symbolic links, Arch's
# PAM stacks (system-auth with nullok, pam_unix required in the account
# phase) and a categorised users file.  Oracles: real pwck -r / grpck -r,
# postmap -q on the table, passwd -S, real useradd --prefix on an identical
# sysroot, and checksums of every file (refusals and re-runs write nothing).
# usage (from the repository root): bash tests/cli/onboard.sh ARCHMAIL
. tests/testlib.sh

for tool in pwck grpck passwd useradd usermod userdel postmap python3 sha256sum; do
	require_tool "$tool" || finish
done

TODAY=$(date -u +%F)

# A sysroot: root, daemon, mail (a member: alice), wheel, alice 1000 and
# bob 1005 (so a new account gets 1006, one past the highest), homes and
# shells that exist (pwck has nothing to say about them).  $2 "plain": the
# skeleton is an exact copy of the host's /etc/skel (what useradd --prefix
# copies); otherwise it has a subdirectory, a 0600 file and symlinks too.
make_root() {
	local r=$1 s
	mkdir -p "$r/etc/postfix" "$r/etc/pam.d" "$r/root" "$r/home/alice" \
	    "$r/home/bob" "$r/usr/sbin" "$r/bin" "$r/var/mail" || return 1
	for s in bin/bash bin/sh usr/sbin/nologin; do
		printf '#!/bin/sh\n' >"$r/$s"
		chmod 755 "$r/$s"
	done
	cp /etc/login.defs "$r/etc/login.defs"
	cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1005:1005:Bob:/home/bob:/bin/bash
EOF
	cat >"$r/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
mail:*:19000:0:99999:7:::
alice:$6$saltsalt$hashhashhash:19000:0:99999:7:::
bob:$y$j9T$salt$hash:19001:0:99999:7:::
EOF
	cat >"$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
mail:x:8:alice
wheel:x:10:
alice:x:1000:
bob:x:1005:
EOF
	cat >"$r/etc/gshadow" <<'EOF'
root:*::
daemon:*::
mail:*::alice
wheel:*::
alice:!::
bob:!::
EOF
	chmod 640 "$r/etc/shadow" "$r/etc/gshadow"
	chown 1000:1000 "$r/home/alice"
	chown 1005:1005 "$r/home/bob"
	cp -a /etc/skel "$r/etc/skel"
	if [ "${2:-}" != plain ]; then
		mkdir -m 750 "$r/etc/skel/.config"
		mkdir -m 700 "$r/etc/skel/.config/app"
		printf 'setting = 1\n' >"$r/etc/skel/.config/app/conf"
		chmod 640 "$r/etc/skel/.config/app/conf"
		printf 'machine example.org\n' >"$r/etc/skel/.netrc"
		chmod 600 "$r/etc/skel/.netrc"
		ln -s .profile "$r/etc/skel/.profile-link"
		ln -s /var/mail/nowhere "$r/etc/skel/mailbox"
	fi
	cat >"$r/etc/postfix/users" <<'EOF'
# /etc/postfix/users

# Developers
alice@archlinux.org	alice
bob@archlinux.org	bob

# Support staff
zoe@archlinux.org	zoe@example.net

# Ex-staff forwards
EOF
	cp "$PFCONF/main.cf" "$r/etc/postfix/main.cf"
	# Arch: Dovecot's stack includes system-auth (nullok in auth,
	# pam_unix required in account: the expired empty password fails).
	printf 'auth include system-auth\naccount include system-auth\n' \
	    >"$r/etc/pam.d/dovecot"
	cp tests/pam/arch-system-auth "$r/etc/pam.d/system-auth"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' \
	    >"$r/etc/pam.d/other"
	postmap -c "$r/etc/postfix" "lmdb:$r/etc/postfix/users"
}

R=$T/root
am() { "$ARCHMAIL" --root "$R" --lock-timeout 2 "$@"; }
q() { postmap -c "$R/etc/postfix" -q "$1" "lmdb:$R/etc/postfix/users"; }
rc() { "$@" >/dev/null 2>&1; echo $?; }
# Every entry of a tree: type, mode, size, link target (owners apart).
listing() { (cd "$1" && find . -mindepth 1 -printf '%P|%y|%m|%s|%l\n' | sort); }
owners() { find "$1" -printf '%u:%g\n' | sort -u; }
# Every file of the root by checksum, every entry with its mode, owner and
# (except directories, whose mtime lock files move) its mtime.  Lock files
# are left out: a locked run may create them.
snap() {
	(cd "$1" &&
	    find . ! -type d ! -name '*.lock' -printf '%P|%y|%m|%u|%g|%s|%T@|%l\n' |
	    sort &&
	    find . -type d -printf '%P|%m|%u|%g\n' | sort &&
	    find . -type f ! -name '*.lock' -print0 | sort -z |
	    xargs -0 sha256sum)
}
pwck_clean() {
	local out st
	out=$(pwck -r -R "$1" 2>&1)
	st=$?
	[ "$st" -eq 0 ] || { echo "pwck exit $st: $out"; return 1; }
	out=$(grpck -r -R "$1" 2>&1)
	st=$?
	[ "$st" -eq 0 ] || { echo "grpck exit $st: $out"; return 1; }
}
line() { grep "^$2:" "$R/etc/$1"; }
json() {
	python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
for k in sys.argv[1:]:
    d = d[k]
print(json.dumps(d))' "$@"
}

make_root "$R" || { fail "sysroot"; finish; }
w=$(pwck_clean "$R")
check "control: the fixture is pwck/grpck clean${w:+ ($w)}" test -z "$w"

# --- --dry-run and --check: a diff, nothing written --------------------------
before=$(snap "$R")
out=$(am users onboard carol --name "Carol Example" --category developers \
    --dry-run 2>&1)
check_eq "dry run: exit 0" 0 $?
check_eq "dry run: nothing written" "$before" "$(snap "$R")"
check "dry run: diff has the passwd line" grep -qxF \
    '+carol:x:1006:1006:Carol Example:/home/carol:/bin/bash' <<<"$out"
check "dry run: diff has the users line" grep -qxF \
    "$(printf '+carol@archlinux.org\tcarol')" <<<"$out"
check "dry run: diff has the group line" grep -qxF '+carol:x:1006:' <<<"$out"
check "dry run: diff has the emptied, expired shadow line" grep -qxF \
    '+carol::0:0:99999:7:::' <<<"$out"
check "dry run: diff names the home" grep -qF "$R/home/carol/" <<<"$out"
check "dry run: hashes redacted" grep -qF '<hash>' <<<"$out"
check_fails "dry run: no hash of alice or bob shown" grep -qE \
    'hashhash|\$y\$|\$6\$' <<<"$out"
check_eq "--check with work to do: exit 1" 1 \
    "$(rc am users onboard carol --name "Carol Example" --category developers \
	--check)"
check_eq "--check: nothing written" "$before" "$(snap "$R")"

# --- onboard ---------------------------------------------------------------------
declare -A sum
for f in $(cd "$R" && find . -type f ! -name '*.lock' -printf '%P\n'); do
	sum[$f]=$(sha256sum <"$R/$f")
done
out=$(am --json users onboard carol --name "Carol Example" \
    --category developers 2>"$T/err")
check_eq "onboard carol: exit 0" 0 $?
check_fails "onboard carol: no warning" test -s "$T/err"
check_eq "json: changed true" true "$(json changed <<<"$out")"
check_eq "json: account created" '"created"' "$(json account <<<"$out")"
check_eq "json: uid, gid" "1006 1006" \
    "$(json uid <<<"$out") $(json gid <<<"$out")"
check_eq "json: password expired" true "$(json password_expired <<<"$out")"
# files[]: changed exactly when the checksum changed (absent counts).
python3 -c 'import json, sys
for f in json.loads(sys.stdin.read())["files"]:
    print(f["path"], "true" if f["changed"] else "false")' <<<"$out" \
    >"$T/files"
bad="" listed=""
while read -r path changed; do
	rel=${path#"$R"/}
	listed="$listed $rel"
	now=absent
	[ -f "$path" ] && now=$(sha256sum <"$path")
	was=${sum[$rel]:-absent}
	if [ "$was" != "$now" ]; then actual=true; else actual=false; fi
	[ "$actual" = "$changed" ] || bad="$bad $rel($changed)"
done <"$T/files"
check_eq "json files[]: changed flags match the checksums" "" "$bad"
for f in etc/passwd etc/shadow etc/group etc/gshadow etc/postfix/users \
    etc/postfix/users.lmdb; do
	case " $listed " in
	*" $f "*) pass "json files[] lists $f" ;;
	*) fail "json files[] lists $f (listed:$listed)" ;;
	esac
done
# No file outside files[] changed (new files apart from files[] and locks).
bad=""
for f in $(cd "$R" && find . -type f ! -name '*.lock' ! -path './home/*' \
    -printf '%P\n'); do
	case " $listed " in *" $f "*) continue ;; esac
	[ "${sum[$f]:-absent}" = "$(sha256sum <"$R/$f")" ] || bad="$bad $f"
done
check_eq "no file changed that files[] does not list" "" "$bad"

check_eq "passwd line" "carol:x:1006:1006:Carol Example:/home/carol:/bin/bash" \
    "$(line passwd carol)"
check_eq "shadow: empty, last change 0, aging of login.defs" \
    "carol::0:0:99999:7:::" "$(line shadow carol)"
check_eq "group: private group, GID = UID" "carol:x:1006:" \
    "$(line group carol)"
check_eq "gshadow line" "carol:!::" "$(line gshadow carol)"
check "passwd -S -R: NP, changed 1970-01-01" grep -q \
    '^carol NP 1970-01-01 0 99999 7 -1$' <<<"$(passwd -S -R "$R" carol)"
w=$(pwck_clean "$R")
check "pwck -r and grpck -r clean after onboarding${w:+ ($w)}" test -z "$w"
check_eq "postmap -q carol@archlinux.org" carol "$(q carol@archlinux.org)"
check_eq "postmap -q: others still there" "zoe@example.net" \
    "$(q zoe@archlinux.org)"
check_eq "users file: the line in Developers, sorted" \
    "$(printf '5a6\n> carol@archlinux.org\tcarol')" \
    "$(make_root "$T/pristine" && diff "$T/pristine/etc/postfix/users" \
	"$R/etc/postfix/users")"
H=$R/home/carol
check_eq "home: 1006:1006, mode 755" "1006:1006 755" \
    "$(stat -c '%u:%g %a' "$H")"
check_eq "home: every skeleton entry, same type, mode, size, link" \
    "$(listing "$R/etc/skel")" "$(listing "$H")"
check_eq "home: everything owned by carol" "1006:1006" \
    "$(find "$H" -printf '%U:%G\n' | sort -u)"
check "home: same contents as the skeleton" diff -r --no-dereference \
    "$R/etc/skel" "$H"
check "control: the skeleton has a 0600 file" test \
    "$(stat -c %a "$R/etc/skel/.netrc")" = 600
check_eq "control: the skeleton has 2 symlinks and 2 subdirectories" "2 2" \
    "$(find "$R/etc/skel" -type l | wc -l) $(find "$R/etc/skel" -mindepth 1 \
	-type d | wc -l)"

# --- the second run changes nothing ----------------------------------------------
before=$(snap "$R")
sleep 1.1
out=$(am users onboard carol --name "Carol Example" --category developers 2>&1)
check_eq "re-run: exit 0" 0 $?
check "re-run: says unchanged" grep -qx 'carol@archlinux.org: unchanged' \
    <<<"$out"
check "re-run: account exists" grep -qx 'carol: account exists (uid 1006)' \
    <<<"$out"
check_eq "re-run: no byte, mode or mtime changed" "$before" "$(snap "$R")"
out=$(am --json users onboard carol --name "Carol Example" \
    --category developers)
check_eq "re-run --json: changed false" false "$(json changed <<<"$out")"
check_eq "re-run --json: no file changed" "" \
    "$(python3 -c 'import json, sys
print(" ".join(f["path"] for f in json.loads(sys.stdin.read())["files"]
    if f["changed"]))' <<<"$out")"
check_eq "re-run --check: exit 0" 0 \
    "$(rc am users onboard carol --name "Carol Example" --category developers \
	--check)"
check_eq "re-runs: still nothing changed" "$before" "$(snap "$R")"

# --- --address, --forward, --groups -------------------------------------------------
am users onboard dave --name "Dave Example" --category "support staff" \
    --address dave.smith --forward dave@example.org --groups mail,wheel \
    >/dev/null 2>"$T/err"
check_eq "onboard dave with --address --forward --groups" 0 $?
check_eq "postmap -q dave.smith@archlinux.org" dave@example.org \
    "$(q dave.smith@archlinux.org)"
check_fails "no dave@archlinux.org" q dave@archlinux.org
check "users: line in Support staff" grep -qxF \
    "$(printf 'dave.smith@archlinux.org\tdave@example.org')" \
    "$R/etc/postfix/users"
check_eq "users: in the Support staff section" "Support staff" \
    "$(awk '/^# / { c = substr($0, 3) } /^dave\.smith@/ { print c }' \
	"$R/etc/postfix/users")"
check_eq "group mail: alice,dave" "mail:x:8:alice,dave" "$(line group mail)"
check_eq "group wheel: dave" "wheel:x:10:dave" "$(line group wheel)"
check_eq "gshadow mail: alice,dave" "mail:*::alice,dave" "$(line gshadow mail)"
check_eq "gshadow wheel: dave" "wheel:*::dave" "$(line gshadow wheel)"
check_eq "dave: UID 1007, group 1007" \
    "dave:x:1007:1007:Dave Example:/home/dave:/bin/bash" "$(line passwd dave)"
w=$(pwck_clean "$R")
check "pwck/grpck clean with dave${w:+ ($w)}" test -z "$w"
before=$(snap "$R")
check_eq "dave again: exit 0" 0 "$(rc am users onboard dave --name \
    "Dave Example" --category "support staff" --address dave.smith \
    --forward dave@example.org --groups mail,wheel)"
check_eq "dave again: nothing changed" "$before" "$(snap "$R")"

# An existing person's account is reused: its password stays, a missing
# membership is added, nothing else.
alice_sh=$(line shadow alice)
before_pw=$(sha256sum <"$R/etc/passwd")
out=$(am users onboard alice --name Alice --category developers \
    --groups wheel 2>&1)
check_eq "onboard alice (exists): exit 0" 0 $?
check "... account exists" grep -qx 'alice: account exists (uid 1000)' \
    <<<"$out"
check_fails "... no password reset" grep -q 'password empty' <<<"$out"
check_eq "... alice's password kept" "$alice_sh" "$(line shadow alice)"
check_eq "... passwd untouched" "$before_pw" "$(sha256sum <"$R/etc/passwd")"
check_eq "... joined wheel" "wheel:x:10:dave,alice wheel:*::dave,alice" \
    "$(line group wheel) $(line gshadow wheel)"

# Six onboardings at once: one after the other under the locks.
P=$T/parallel
make_root "$P" || fail "parallel sysroot"
for i in 1 2 3 4 5 6; do
	"$ARCHMAIL" --root "$P" -q users onboard "p$i" --name "P $i" \
	    --category developers >/dev/null 2>"$T/err$i" &
done
wait
check_eq "parallel: six accounts, UIDs 1006..1011 each once" \
    "$(seq 1006 1011)" "$(grep '^p[1-6]:' "$P/etc/passwd" | cut -d: -f3 | sort)"
check_eq "parallel: six shadow lines, emptied and expired" 6 \
    "$(grep -c '^p[1-6]::0:' "$P/etc/shadow")"
check_eq "parallel: six homes" 6 "$(find "$P/home" -maxdepth 1 -name 'p[1-6]' \
    -type d | wc -l)"
n=0
for i in 1 2 3 4 5 6; do
	[ "$(postmap -c "$P/etc/postfix" -q "p$i@archlinux.org" \
	    "lmdb:$P/etc/postfix/users")" = "p$i" ] && n=$((n + 1))
done
check_eq "parallel: postmap -q finds all six" 6 "$n"
w=$(pwck_clean "$P")
check "parallel: pwck/grpck clean${w:+ ($w)}" test -z "$w"

# --- refusals change nothing ------------------------------------------------------
refused() {	# DESC EXIT ARGS...: on $R, nothing may change
	local desc=$1 want=$2 before st
	shift 2
	before=$(snap "$R")
	am "$@" >/dev/null 2>"$T/err"
	st=$?
	check_eq "$desc: exit $want" "$want" "$st"
	check "$desc: a message" test -s "$T/err"
	check_eq "$desc: no file changed" "$before" "$(snap "$R")"
	check "$desc: no home made" test ! -e "$R/home/erin"
}
refused "address taken by alice" 65 users onboard erin --name Erin \
    --category developers --address alice
refused "unknown group in --groups" 67 users onboard erin --name Erin \
    --category developers --groups mail,nosuch
refused "system account daemon" 65 users onboard daemon --name Daemon \
    --category developers
refused "offboard of a system account" 65 users offboard daemon
refused "offboard --delete of a system account" 65 users offboard daemon \
    --delete
refused "unknown category" 64 users onboard erin --name Erin \
    --category nosuch
refused "no --name" 64 users onboard erin --category developers
refused "no --category" 64 users onboard erin --name Erin
refused "offboard --forward of an absent address" 67 users offboard erin \
    --forward erin@example.net
refused "offboard --note without --forward" 64 users offboard alice \
    --note left
printf 'erin:x:1500:\n' >>"$R/etc/group"
printf 'erin:!::\n' >>"$R/etc/gshadow"
refused "group erin exists" 65 users onboard erin --name Erin \
    --category developers
sed -i '/^erin:/d' "$R/etc/group" "$R/etc/gshadow"
cp "$R/etc/login.defs" "$T/login.defs"
sed -i 's/^UID_MIN.*/UID_MIN 1005/; s/^UID_MAX.*/UID_MAX 1007/' \
    "$R/etc/login.defs"
refused "UID range 1005..1007 full" 73 users onboard erin --name Erin \
    --category developers
cp "$T/login.defs" "$R/etc/login.defs"
mv "$R/etc/skel" "$T/skel"
refused "no skeleton" 66 users onboard erin --name Erin --category developers
mv "$T/skel" "$R/etc/skel"
cp "$R/etc/pam.d/dovecot" "$T/dovecot"
printf 'auth required pam_unix.so nullok\naccount required pam_permit.so\n' \
    >"$R/etc/pam.d/dovecot"
refused "nullok and an account phase without pam_unix" 78 users onboard \
    erin --name Erin --category developers
check "... the message names the dovecot file" grep -q 'pam.d/dovecot' \
    "$T/err"
am users onboard erin --name Erin --category developers --allow-nullok \
    >/dev/null 2>"$T/err"
check_eq "... with --allow-nullok: exit 0" 0 $?
check "... and a warning naming the stack" grep -q 'warning: .*pam.d/dovecot' \
    "$T/err"
cp "$T/dovecot" "$R/etc/pam.d/dovecot"
am users onboard erin --name Erin --category developers >/dev/null 2>&1
check_eq "control: erin onboarded" \
    "erin:x:1008:1008:Erin:/home/erin:/bin/bash" "$(line passwd erin)"

# An existing home is kept as it is (useradd -m warns and copies nothing).
mkdir "$R/home/frank"
printf 'mine\n' >"$R/home/frank/notes"
home_before=$(stat -c '%u:%g %a' "$R/home/frank"; listing "$R/home/frank")
am users onboard frank --name Frank --category developers >/dev/null \
    2>"$T/err"
check_eq "frank, home exists: exit 0" 0 $?
check "... a warning about the home" grep -q 'exists already' "$T/err"
check_eq "... the home untouched" "$home_before" \
    "$(stat -c '%u:%g %a' "$R/home/frank"; listing "$R/home/frank")"
check "... the account made" grep -q '^frank:x:1009:1009:' "$R/etc/passwd"

# --- the same account as real useradd makes it -------------------------------------
# (useradd --prefix copies the host's /etc/skel: A's skeleton is that copy.)
compare_useradd() {	# DESC [USERADD OPTIONS]; $A, $B prepared
	local desc=$1 f
	shift
	"$ARCHMAIL" --root "$A" users onboard carol --name "Carol Example" \
	    --category developers --groups mail >/dev/null 2>&1
	check_eq "$desc: onboard on A" 0 $?
	useradd --prefix "$B" -m -c "Carol Example" -G mail "$@" carol \
	    >/dev/null 2>&1
	check_eq "$desc: useradd --prefix on B" 0 $?
	for f in passwd group gshadow; do
		check_eq "$desc: $f identical to useradd's" \
		    "$(cat "$B/etc/$f")" "$(cat "$A/etc/$f")"
	done
	check_eq "$desc: shadow line as useradd's but password and date" \
	    "$(awk -F: -v OFS=: '$1 == "carol" { $2 = ""; $3 = 0 } 1' \
		"$B/etc/shadow")" "$(cat "$A/etc/shadow")"
	check "$desc: control: useradd's shadow line is locked, today" \
	    grep -q "^carol:!:$(($(date +%s) / 86400)):" "$B/etc/shadow"
	check_eq "$desc: home as useradd's (mode, owner, entries)" \
	    "$(stat -c '%a %u %g' "$B/home/carol"; listing "$B/home/carol";
		owners "$B/home/carol")" \
	    "$(stat -c '%a %u %g' "$A/home/carol"; listing "$A/home/carol";
		owners "$A/home/carol")"
	check_eq "$desc: modification times kept as by useradd" \
	    "$(mtimes "$B/home/carol")" "$(mtimes "$A/home/carol")"
	check "$desc: control: times to compare" test \
	    "$(mtimes "$A/home/carol" | wc -l)" -ge 3
}
mtimes() { (cd "$1" && find . -mindepth 1 -printf '%P %T@\n' | sort); }
A=$T/a B=$T/b
make_root "$A" plain && make_root "$B" plain
compare_useradd "no default/useradd"
rm -rf "$A" "$B"
make_root "$A" plain && make_root "$B" plain
mkdir -p "$A/etc/default" "$B/etc/default"
cp /etc/default/useradd "$A/etc/default/useradd"
cp /etc/default/useradd "$B/etc/default/useradd"
compare_useradd "host's default/useradd"
# The choice of UID, GID and primary group in other situations.
add_acct() {	# ROOT NAME:UID
	printf '%s:x:%s:%s::/:/usr/sbin/nologin\n' "${2%:*}" "${2#*:}" \
	    "${2#*:}" >>"$1/etc/passwd"
	printf '%s:!:19000:0:99999:7:::\n' "${2%:*}" >>"$1/etc/shadow"
	add_group "$1" "$2"
}
add_group() {	# ROOT NAME:GID
	printf '%s:x:%s:\n' "${2%:*}" "${2#*:}" >>"$1/etc/group"
	printf '%s:!::\n' "${2%:*}" >>"$1/etc/gshadow"
}
for variant in gid-taken uid-max no-upg; do
	rm -rf "$A" "$B"
	make_root "$A" plain && make_root "$B" plain
	for r in "$A" "$B"; do
		case $variant in
		gid-taken)	# GID 1006 is a group's: the next free above
			add_group "$r" proj:1006
			add_group "$r" big:50000 ;;
		uid-max)	# UID_MAX in use: the lowest free UID
			add_acct "$r" hi:60000 ;;
		no-upg)		# no private groups: default/useradd's GROUP
			sed -i 's/^USERGROUPS_ENAB.*/USERGROUPS_ENAB no/' \
			    "$r/etc/login.defs"
			add_group "$r" staff:50
			mkdir -p "$r/etc/default"
			printf 'GROUP=staff\nSHELL=/bin/sh\n' \
			    >"$r/etc/default/useradd" ;;
		esac
	done
	compare_useradd "$variant"
	ids="${ids:+$ids }$(grep '^carol:' "$A/etc/passwd" | cut -d: -f3,4,7)"
done
check_eq "control: the variants gave carol other IDs" \
    "1006:50001:/bin/bash 1001:1001:/bin/bash 1006:50:/bin/sh" "$ids"

# The whole test skeleton (subdirectories, a 0600 file, symlinks, old
# times), given to useradd with -k.
rm -rf "$A" "$B"
make_root "$A" && make_root "$B"
for r in "$A" "$B"; do
	find "$r/etc/skel" -mindepth 1 -exec touch -h \
	    -d '2020-01-02 03:04:05' {} +
	touch -d '2021-02-03 04:05:06.123456789' "$r/etc/skel/.netrc"
done
compare_useradd "whole skeleton, useradd -k" -k "$B/etc/skel"
# HOME_MODE 0750, UMASK 077, and no ROOT/home yet: useradd makes /home.
rm -rf "$A" "$B"
make_root "$A" plain && make_root "$B" plain
for r in "$A" "$B"; do
	printf 'HOME_MODE 0750\n' >>"$r/etc/login.defs"
	sed -i 's/^UMASK.*/UMASK 077/' "$r/etc/login.defs"
	mv "$r/home/alice" "$r/home/bob" "$r/"
	rmdir "$r/home"
	sed -i 's|:/home/|:/|' "$r/etc/passwd"
done
# (umask 077 for both: neither may depend on the caller's umask.)
saved_umask=$(umask)
umask 077
compare_useradd "HOME_MODE 0750, no /home"
umask "$saved_umask"
check_eq "HOME_MODE 0750, no /home: /home made 0755 as by useradd" \
    "$(stat -c '%a %u %g' "$B/home")" "$(stat -c '%a %u %g' "$A/home")"
check_eq "... home 0750" 750 "$(stat -c %a "$A/home/carol")"

# Offboarding as usermod -L and userdel -r do it, on A and B alike: locks
# of an empty, a hashed, a '*' and a '!' password; then a deletion with
# carol an administrator in gshadow and her group the primary group of
# another account (kept, as userdel keeps it).
for r in "$A" "$B"; do
	"$ARCHMAIL" --root "$r" -q users onboard alice --name Alice \
	    --category developers --groups wheel
	sed -i 's/^wheel:\*::\(.*\)/wheel:*:carol,alice:\1,carol/' \
	    "$r/etc/gshadow"
	sed -i 's/^bob:[^:]*:/bob:*:/' "$r/etc/shadow"
	printf 'dan:x:1010:1006:Dan:/dan:/bin/bash\n' >>"$r/etc/passwd"
	printf 'dan:!:19000:0:99999:7:::\n' >>"$r/etc/shadow"
	mkdir -p "$r/dan"
done
# B's carol as A's (useradd's shadow line differs in password and date).
cp "$A/etc/shadow" "$B/etc/shadow"
for u in carol alice bob dan; do
	"$ARCHMAIL" --root "$A" -q users offboard "$u" >/dev/null 2>&1
	check_eq "offboard $u (lock) on A" 0 $?
	usermod --prefix "$B" -L "$u" >/dev/null 2>&1
done
check_eq "locks: shadow as usermod -L leaves it" "$(cat "$B/etc/shadow")" \
    "$(cat "$A/etc/shadow")"
check_eq "control: an empty, a hashed, a '*' and a '!' password locked" \
    'alice:!$6$ bob:!*: carol:!: dan:!:' \
    "$(grep -oE '^(alice:!\$6\$|bob:!\*:|carol:!:|dan:!:)' "$A/etc/shadow" |
	sort | tr '\n' ' ' | sed 's/ $//')"
"$ARCHMAIL" --root "$A" users offboard carol --delete >/dev/null 2>"$T/err"
check_eq "offboard carol --delete on A" 0 $?
check "... warns that group carol stays" grep -q 'primary group' "$T/err"
userdel --prefix "$B" -r carol >/dev/null 2>&1
for f in passwd shadow group gshadow; do
	check_eq "--delete: $f as userdel -r leaves it" "$(cat "$B/etc/$f")" \
	    "$(cat "$A/etc/$f")"
done
check "control: carol was an administrator of wheel" grep -q '^wheel:\*:alice:' \
    "$A/etc/gshadow"
check_eq "--delete: homes as userdel -r leaves them" \
    "$(cd "$B" && find home -printf '%P|%m|%U\n' | sort)" \
    "$(cd "$A" && find home -printf '%P|%m|%U\n' | sort)"

# --- offboard: forward with a dated note, lock ------------------------------------
before_users=$(cat "$R/etc/postfix/users")
out=$(am users offboard carol --forward carol@example.net --note "left" \
    --date 2>&1)
check_eq "offboard carol --forward --note --date: exit 0" 0 $?
check_eq "users: dated note above the forward" \
    "$(printf '# %s left\ncarol@archlinux.org\tcarol@example.net' "$TODAY")" \
    "$(grep -B1 '^carol@archlinux.org' "$R/etc/postfix/users")"
check_eq "users: only the note and the value changed" \
    "$(printf '6c6,7\n< carol@archlinux.org\tcarol\n---\n> # %s left\n> carol@archlinux.org\tcarol@example.net' "$TODAY")" \
    "$(diff <(echo "$before_users") "$R/etc/postfix/users")"
check_eq "postmap -q: the forward" carol@example.net "$(q carol@archlinux.org)"
check "passwd -S -R: L" grep -q '^carol L ' <<<"$(passwd -S -R "$R" carol)"
check_eq "shadow: '!' in front, rest kept" "carol:!:0:0:99999:7:::" \
    "$(line shadow carol)"
check "home kept" test -d "$R/home/carol"
before=$(snap "$R")
sleep 1.1
out=$(am users offboard carol --forward carol@example.net --note "left" \
    --date 2>&1)
check_eq "offboard again: exit 0" 0 $?
check "offboard again: unchanged" grep -qx 'carol@archlinux.org: unchanged' \
    <<<"$out"
check "offboard again: already locked" grep -qx \
    'carol: password already locked' <<<"$out"
check_eq "offboard again: nothing changed" "$before" "$(snap "$R")"
check_eq "offboard again --json: changed false" false \
    "$(am --json users offboard carol --forward carol@example.net --note \
	left --date | json changed)"

# --address pointing at someone else: refused, nothing changed.
before=$(snap "$R")
am users offboard carol --address alice >/dev/null 2>"$T/err"
check_eq "offboard carol --address alice (alice's): exit 65" 65 $?
check_eq "... nothing changed" "$before" "$(snap "$R")"
am users offboard carol --address alice --delete >/dev/null 2>&1
check_eq "... with --delete too: exit 65" 65 $?
check_eq "... nothing changed" "$before" "$(snap "$R")"
check "... carol still there" grep -q '^carol:' "$R/etc/passwd"

# --- offboard --delete -------------------------------------------------------------------
# A home that is a symbolic link, or a directory of another uid: refused
# (65) before anything is written, and nothing outside is touched.
mkdir -p "$T/outside"
printf 'keep\n' >"$T/outside/file"
mv "$R/home/carol" "$T/carol-home"
ln -s "$T/outside" "$R/home/carol"
before=$(snap "$R")
check_eq "--delete, home a symlink: exit 65" 65 \
    "$(rc am users offboard carol --delete)"
check_eq "... nothing changed" "$before" "$(snap "$R")"
check_eq "... the link's target untouched" keep "$(cat "$T/outside/file")"
rm "$R/home/carol"
mv "$T/carol-home" "$R/home/carol"
chown 1000 "$R/home/carol"
before=$(snap "$R")
check_eq "--delete, home owned by alice: exit 65" 65 \
    "$(rc am users offboard carol --delete)"
check_eq "... nothing changed" "$before" "$(snap "$R")"
chown 1006 "$R/home/carol"
before=$(snap "$R")
check_eq "--delete --check: exit 1" 1 \
    "$(rc am users offboard carol --delete --check)"
out=$(am users offboard carol --delete --dry-run 2>&1)
check "--delete --dry-run: the passwd line in the diff" grep -qxF -e \
    '-carol:x:1006:1006:Carol Example:/home/carol:/bin/bash' <<<"$out"
check "--delete --dry-run: the home in the diff" grep -qF \
    "$R/home/carol/" <<<"$out"
check_eq "--delete --dry-run, --check: nothing changed" "$before" \
    "$(snap "$R")"
out=$(am users offboard carol --delete 2>&1)
check_eq "offboard carol --delete: exit 0" 0 $?
for f in passwd shadow group gshadow; do
	check_eq "no carol in $f" 0 "$(grep -c '^carol:' "$R/etc/$f")"
done
check_eq "carol in no member list" "" \
    "$(grep -E '[:,]carol(,|$)' "$R/etc/group" "$R/etc/gshadow")"
check "home gone" test ! -e "$R/home/carol"
check "other homes kept" test -d "$R/home/alice" -a -d "$R/home/dave"
q carol@archlinux.org >/dev/null
check_eq "postmap -q carol@archlinux.org: not found (exit 1)" 1 $?
check_eq "postmap -q: dave's forward kept" dave@example.org \
    "$(q dave.smith@archlinux.org)"
w=$(pwck_clean "$R")
check "pwck/grpck clean after the deletion${w:+ ($w)}" test -z "$w"
before=$(snap "$R")
out=$(am users offboard carol --delete 2>&1)
check_eq "delete again: exit 0" 0 $?
check "delete again: address not present" grep -qx \
    'carol@archlinux.org: not present' <<<"$out"
check "delete again: no such account" grep -qx 'carol: no such account' \
    <<<"$out"
check_eq "delete again: nothing changed" "$before" "$(snap "$R")"

# dave.smith@ points at dave@example.org, not at dave: only a re-run of
# its forward passes (am_staff.h).
before=$(snap "$R")
check_eq "offboard dave --address dave.smith (not dave's by value): 65" 65 \
    "$(rc am users offboard dave --address dave.smith --delete)"
check_eq "... nothing changed" "$before" "$(snap "$R")"
# dave: a member of mail and wheel, deleted from both lists.
am users offboard dave --address dave.smith --forward dave@example.org \
    --note gone --delete >/dev/null 2>&1
check_eq "offboard dave --address dave.smith --forward (same) --delete" 0 $?
check_eq "mail back to alice only" "mail:x:8:alice mail:*::alice" \
    "$(line group mail) $(line gshadow mail)"
check_eq "wheel: alice only" "wheel:x:10:alice wheel:*::alice" \
    "$(line group wheel) $(line gshadow wheel)"
check_eq "dave.smith@ still forwarded" dave@example.org \
    "$(q dave.smith@archlinux.org)"
check_eq "... with the note above it" "# gone" \
    "$(grep -B1 -x "$(printf 'dave.smith@archlinux.org\tdave@example.org')" \
	"$R/etc/postfix/users" | head -n 1)"
check "dave's home gone" test ! -e "$R/home/dave"
w=$(pwck_clean "$R")
check "pwck/grpck clean at the end${w:+ ($w)}" test -z "$w"

# --- a full file system under /home: exit 74, nothing changed ----------------------
# A tmpfs with no inode left: the home's mkdir fails with ENOSPC, an I/O
# error (74) as a full disk is everywhere, and the journal takes the
# account back.
F=$T/full
make_root "$F" plain || fail "full-disk sysroot"
if mount -t tmpfs -o size=1m,nr_inodes=2 tmpfs "$F/home" 2>/dev/null; then
	: >"$F/home/filler" 2>/dev/null
	etc_before=$(cd "$F/etc" && sha256sum passwd shadow group gshadow)
	"$ARCHMAIL" --root "$F" users onboard gina --name Gina \
	    --category developers >"$T/full.out" 2>"$T/full.err"
	check_eq "full /home: exit 74" 74 $?
	check "full /home: the message says so" \
	    grep -q "No space left on device" "$T/full.err"
	check_eq "full /home: account files unchanged" "$etc_before" \
	    "$(cd "$F/etc" && sha256sum passwd shadow group gshadow)"
	check "full /home: no home" test ! -e "$F/home/gina"
	umount "$F/home"
else
	fail "cannot mount a tmpfs (the test needs root)"
fi

finish
