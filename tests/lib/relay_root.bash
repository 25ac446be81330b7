# A mail host's account files on a temporary --root, for the relay, passwd
# and postfwd tests: sourced after tests/testlib.sh; make_root DIR builds
# it (root, laurent, nobody; login.defs; a postfwd.cf with the reference
# host's SASL_WHITELIST in archmail's markers; main.cf from $PFCONF).
# make_account_root DIR: the same without postfwd.cf.
make_root() {
	make_account_root "$1"
	cat > "$1/etc/postfwd/postfwd.cf" <<'EOF'
# archmail: begin relay hosts
&&SASL_WHITELIST {
	sasl_username==devnull;
};
# archmail: end relay hosts
id=SaslWhitelist; protocol_state==END-OF-MESSAGE; &&SASL_WHITELIST;
	action=rcpt(sasl_username/360/3600/REJECT You can only send to 360 recipients per 1h per user)
id=RcptRate; protocol_state==END-OF-MESSAGE; sasl_username!~/^$/;
	action=rcpt(sasl_username/100/21600/REJECT You can only send to 100 recipients per 6h per user)
EOF
	chmod 600 "$1/etc/postfwd/postfwd.cf"
}

# Everything but postfwd.cf.
make_account_root() {
	local R=$1 s
	rm -rf "$R"
	mkdir -p "$R/etc/postfix" "$R/etc/postfwd" "$R/etc/pam.d" \
	    "$R/usr/bin" "$R/bin" "$R/root" "$R/home/laurent"
	for s in usr/bin/nologin bin/bash; do
		printf '#!/bin/sh\n' > "$R/$s"
		chmod 755 "$R/$s"
	done
	cat > "$R/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/bash
	laurent:x:1000:1000:Laurent:/home/laurent:/bin/bash
	nobody:x:65534:65534:nobody:/:/usr/bin/nologin
	EOF
	cat > "$R/etc/shadow" <<-'EOF'
	root:*:19000:0:99999:7:::
	laurent:!:19000:0:99999:7:::
	nobody:*:19000:0:99999:7:::
	EOF
	printf 'root:x:0:\nlaurent:x:1000:\nnobody:x:65534:\n' > "$R/etc/group"
	printf 'root:*::\nlaurent:!::\nnobody:!::\n' > "$R/etc/gshadow"
	chmod 640 "$R/etc/shadow" "$R/etc/gshadow"
	printf 'UID_MIN 1000\nUID_MAX 60000\n' > "$R/etc/login.defs"
	cp "$PFCONF/main.cf" "$R/etc/postfix/main.cf"
}

# The bytes of every account and relay file, to prove a refusal wrote nothing.
root_sum() {
	local R=$1
	(cd "$R" && find . -type f ! -name '*.lmdb' -print0 | sort -z |
	    xargs -0 sha1sum; find . | sort) | sha1sum
}
