/*
 * Unit tests for am_mapedit: every operation on a corpus of files shaped
 * like real users and aliases files (categories with '#' and '##'
 * headers, sorted and unsorted sections, dated notes above forwards,
 * continuation lines, CRLF, no final newline, tabs and spaces).  Each case
 * gives the whole expected file, so any byte changed outside the entry
 * fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "am_mapedit.h"

/* The corpus. */
static const char USERS[] =
    "# /etc/postfix/users -- virtual user map\n"
    "# add new addresses in the appropriate category\n"
    "\n"
    "# Developers\n"
    "alice@archlinux.org\talice\n"
    "carol@archlinux.org\tcarol\n"
    "erin@archlinux.org  erin\n"
    "\n"
    "## Support staff\n"
    "zoe@archlinux.org\tzoe@example.net\n"
    "bob@archlinux.org bob\n"
    "\n"
    "# Ex-staff forwards\n"
    "# 2024-01-15 left the team\n"
    "mallory@archlinux.org\tmallory@example.com,\n"
    "\tmallory@example.org\n"
    "# 2024-03-01\n"
    "trent@archlinux.org trent@example.com\n";

static const char MANAGED[] =
    "#\n"
    "# {{ ansible_managed }}\n"
    "#\n"
    "\n"
    "# Service Desks\n"
    "privacy@archlinux.org gitlab\n"
    "security@archlinux.org gitlab\n";

static const char CRLF[] =
    "# Developers\r\n"
    "alice@archlinux.org alice\r\n"
    "zed@archlinux.org zed\r\n";

static const char ALIASES[] =
    "# See man 5 aliases for format\n"
    "postmaster:\troot\n"
    "MAILER-DAEMON: postmaster\n"
    "lists: alice@archlinux.org,\n"
    "\tbob@archlinux.org\n"
    "devnull: /dev/null";

enum op { ADD, REMOVE };

struct edit_case {
	const char *name;
	enum am_map_kind kind;
	const char *input;
	enum op op;
	const char *key, *value, *category, *new_category, *note;
	bool replace;
	enum am_errcode error;		/* AM_OK: success expected */
	enum am_mapedit_result result;
	const char *expect;		/* whole file; NULL: unchanged */
	long line;
};

static const struct edit_case cases[] = {
	{ "sorted category: middle", AM_MAP_POSTMAP, USERS, ADD,
	    "dave@archlinux.org", "dave", "developers", NULL, NULL, false,
	    AM_OK, AM_MAPEDIT_ADDED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "dave@archlinux.org\tdave\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 7 },
	{ "sorted category: first", AM_MAP_POSTMAP, USERS, ADD,
	    "aaron@archlinux.org", "aaron", "Developers", NULL, NULL, false,
	    AM_OK, AM_MAPEDIT_ADDED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "aaron@archlinux.org\taaron\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 5 },
	{ "sorted category: last, key folded", AM_MAP_POSTMAP, USERS, ADD,
	    "Zach@ArchLinux.org", "zach", "DEVELOPERS", NULL, NULL, false,
	    AM_OK, AM_MAPEDIT_ADDED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "Zach@ArchLinux.org\tzach\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 8 },
	{ "unsorted category: after its last entry", AM_MAP_POSTMAP, USERS,
	    ADD, "amy@archlinux.org", "amy@example.org", "support staff",
	    NULL, NULL, false, AM_OK, AM_MAPEDIT_ADDED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "amy@archlinux.org\tamy@example.org\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 12 },
	{ "dated note, sorted section: before the next note", AM_MAP_POSTMAP, USERS, ADD,
	    "oscar@archlinux.org", "oscar@example.com", "ex-staff forwards",
	    NULL, "2024-06-01 left", false, AM_OK, AM_MAPEDIT_ADDED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-06-01 left\n"
	    "oscar@archlinux.org\toscar@example.com\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 18 },
	{ "new category at the end", AM_MAP_POSTMAP, USERS, ADD,
	    "svc@archlinux.org", "svc", NULL, "Service accounts", NULL,
	    false, AM_OK, AM_MAPEDIT_ADDED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n"
	    "\n"
	    "# Service accounts\n"
	    "svc@archlinux.org\tsvc\n", 21 },
	{ "no category named", AM_MAP_POSTMAP, USERS, ADD,
	    "x@archlinux.org", "x", NULL, NULL, NULL, false, AM_E_USAGE,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "unknown category", AM_MAP_POSTMAP, USERS, ADD,
	    "x@archlinux.org", "x", "Staff", NULL, NULL, false, AM_E_USAGE,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "same entry: unchanged", AM_MAP_POSTMAP, USERS, ADD,
	    "CAROL@archlinux.org", "carol", "developers", NULL, NULL, false,
	    AM_OK, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "same destinations, other separators: unchanged", AM_MAP_POSTMAP,
	    USERS, ADD, "mallory@archlinux.org",
	    "mallory@example.com, mallory@example.org", NULL, NULL, NULL,
	    false, AM_OK, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "conflict", AM_MAP_POSTMAP, USERS, ADD, "carol@archlinux.org",
	    "carol@example.org", "developers", NULL, NULL, false,
	    AM_E_EXISTS_DIFFERENT, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "replace keeps the position", AM_MAP_POSTMAP, USERS, ADD,
	    "carol@archlinux.org", "carol@example.org", NULL, NULL, NULL,
	    true, AM_OK, AM_MAPEDIT_REPLACED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol@example.org\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 6 },
	{ "replace continuation lines and note", AM_MAP_POSTMAP, USERS, ADD,
	    "mallory@archlinux.org", "mallory@example.net", NULL, NULL,
	    "2024-07-01 new address", true, AM_OK, AM_MAPEDIT_REPLACED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-07-01 new address\n"
	    "mallory@archlinux.org\tmallory@example.net\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 15 },
	{ "remove: continuation lines and dated note", AM_MAP_POSTMAP, USERS,
	    REMOVE, "Mallory@archlinux.org", NULL, NULL, NULL, NULL, false,
	    AM_OK, AM_MAPEDIT_REMOVED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "alice@archlinux.org\talice\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 15 },
	{ "remove: the header stays", AM_MAP_POSTMAP, USERS, REMOVE,
	    "alice@archlinux.org", NULL, NULL, NULL, NULL, false, AM_OK,
	    AM_MAPEDIT_REMOVED,
	    "# /etc/postfix/users -- virtual user map\n"
	    "# add new addresses in the appropriate category\n"
	    "\n"
	    "# Developers\n"
	    "carol@archlinux.org\tcarol\n"
	    "erin@archlinux.org  erin\n"
	    "\n"
	    "## Support staff\n"
	    "zoe@archlinux.org\tzoe@example.net\n"
	    "bob@archlinux.org bob\n"
	    "\n"
	    "# Ex-staff forwards\n"
	    "# 2024-01-15 left the team\n"
	    "mallory@archlinux.org\tmallory@example.com,\n"
	    "\tmallory@example.org\n"
	    "# 2024-03-01\n"
	    "trent@archlinux.org trent@example.com\n", 5 },
	{ "remove: absent key", AM_MAP_POSTMAP, USERS, REMOVE,
	    "nobody@archlinux.org", NULL, NULL, NULL, NULL, false, AM_OK,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "managed file: header after the ansible block", AM_MAP_POSTMAP,
	    MANAGED, ADD, "legal@archlinux.org", "gitlab", "service desks",
	    NULL, NULL, false, AM_OK, AM_MAPEDIT_ADDED,
	    "#\n"
	    "# {{ ansible_managed }}\n"
	    "#\n"
	    "\n"
	    "# Service Desks\n"
	    "legal@archlinux.org gitlab\n"
	    "privacy@archlinux.org gitlab\n"
	    "security@archlinux.org gitlab\n", 6 },
	{ "CRLF: the new line ends in CRLF", AM_MAP_POSTMAP, CRLF, ADD,
	    "bea@archlinux.org", "bea", "developers", NULL, "note", false,
	    AM_OK, AM_MAPEDIT_ADDED,
	    "# Developers\r\n"
	    "alice@archlinux.org alice\r\n"
	    "# note\r\n"
	    "bea@archlinux.org bea\r\n"
	    "zed@archlinux.org zed\r\n", 4 },
	{ "CRLF: replace", AM_MAP_POSTMAP, CRLF, ADD, "zed@archlinux.org",
	    "zed@example.org", NULL, NULL, NULL, true, AM_OK,
	    AM_MAPEDIT_REPLACED,
	    "# Developers\r\n"
	    "alice@archlinux.org alice\r\n"
	    "zed@archlinux.org zed@example.org\r\n", 3 },
	{ "CRLF: remove", AM_MAP_POSTMAP, CRLF, REMOVE, "alice@archlinux.org",
	    NULL, NULL, NULL, NULL, false, AM_OK, AM_MAPEDIT_REMOVED,
	    "# Developers\r\n"
	    "zed@archlinux.org zed\r\n", 2 },
	{ "no final newline: add", AM_MAP_POSTMAP, "a@x.org a\nb@x.org b",
	    ADD, "c@x.org", "c", NULL, NULL, NULL, false, AM_OK,
	    AM_MAPEDIT_ADDED, "a@x.org a\nb@x.org b\nc@x.org c", 3 },
	{ "no final newline: remove the last", AM_MAP_POSTMAP,
	    "a@x.org a\nb@x.org b", REMOVE, "b@x.org", NULL, NULL, NULL, NULL,
	    false, AM_OK, AM_MAPEDIT_REMOVED, "a@x.org a", 2 },
	{ "no final newline: replace the last", AM_MAP_POSTMAP,
	    "a@x.org a\nb@x.org b", ADD, "b@x.org", "bb", NULL, NULL, NULL,
	    true, AM_OK, AM_MAPEDIT_REPLACED, "a@x.org a\nb@x.org bb", 2 },
	{ "empty file", AM_MAP_POSTMAP, "", ADD, "a@x.org", "a", NULL, NULL,
	    NULL, false, AM_OK, AM_MAPEDIT_ADDED, "a@x.org a\n", 1 },
	{ "empty category after its last entry went", AM_MAP_POSTMAP,
	    "# A\na@x.org a\n\n# B\n", ADD, "b@x.org", "b", "b", NULL, NULL,
	    false, AM_OK, AM_MAPEDIT_ADDED, "# A\na@x.org a\n\n# B\nb@x.org b\n",
	    5 },
	{ "injection: newline in value", AM_MAP_POSTMAP, USERS, ADD,
	    "x@archlinux.org", "x\nroot@archlinux.org root", "developers",
	    NULL, NULL, false, AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "injection: whitespace in key", AM_MAP_POSTMAP, USERS, ADD,
	    "x y@archlinux.org", "x", "developers", NULL, NULL, false,
	    AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "injection: leading whitespace in key", AM_MAP_POSTMAP, USERS, ADD,
	    " x@archlinux.org", "x", "developers", NULL, NULL, false,
	    AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "injection: comment key", AM_MAP_POSTMAP, USERS, ADD,
	    "#x@archlinux.org", "x", "developers", NULL, NULL, false,
	    AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "injection: newline in note", AM_MAP_POSTMAP, USERS, ADD,
	    "x@archlinux.org", "x", "developers", NULL, "a\nroot@x root",
	    false, AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "injection: quoted key", AM_MAP_POSTMAP, USERS, ADD,
	    "\"x y\"@archlinux.org", "x", "developers", NULL, NULL, false,
	    AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "aliases: add at the end, no final newline", AM_MAP_ALIASES,
	    ALIASES, ADD, "abuse", "postmaster", NULL, NULL, NULL, false,
	    AM_OK, AM_MAPEDIT_ADDED,
	    "# See man 5 aliases for format\n"
	    "postmaster:\troot\n"
	    "MAILER-DAEMON: postmaster\n"
	    "lists: alice@archlinux.org,\n"
	    "\tbob@archlinux.org\n"
	    "devnull: /dev/null\n"
	    "abuse:\tpostmaster", 7 },
	{ "aliases: same, case-insensitive", AM_MAP_ALIASES, ALIASES, ADD,
	    "mailer-daemon", "postmaster", NULL, NULL, NULL, false, AM_OK,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "aliases: same list", AM_MAP_ALIASES, ALIASES, ADD, "lists",
	    "alice@archlinux.org,bob@archlinux.org", NULL, NULL, NULL, false,
	    AM_OK, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "aliases: conflict", AM_MAP_ALIASES, ALIASES, ADD, "postmaster",
	    "admin", NULL, NULL, NULL, false, AM_E_EXISTS_DIFFERENT,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "aliases: remove continuation lines", AM_MAP_ALIASES, ALIASES,
	    REMOVE, "lists", NULL, NULL, NULL, NULL, false, AM_OK,
	    AM_MAPEDIT_REMOVED,
	    "# See man 5 aliases for format\n"
	    "postmaster:\troot\n"
	    "MAILER-DAEMON: postmaster\n"
	    "devnull: /dev/null", 4 },
	{ "aliases: replace", AM_MAP_ALIASES, ALIASES, ADD, "postmaster",
	    "admin, root", NULL, NULL, NULL, true, AM_OK,
	    AM_MAPEDIT_REPLACED,
	    "# See man 5 aliases for format\n"
	    "postmaster:\tadmin, root\n"
	    "MAILER-DAEMON: postmaster\n"
	    "lists: alice@archlinux.org,\n"
	    "\tbob@archlinux.org\n"
	    "devnull: /dev/null", 2 },
	{ "aliases: ':' in the name", AM_MAP_ALIASES, ALIASES, ADD, "a:b",
	    "root", NULL, NULL, NULL, false, AM_E_INVALID,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "aliases: value read back differently", AM_MAP_ALIASES, ALIASES,
	    ADD, "x", "\"a", NULL, NULL, NULL, false, AM_E_INVALID,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	/* A new category is named as its header will be read back. */
	{ "new category: trimmed", AM_MAP_POSTMAP,
	    "# Svc\na@x.org a\n", ADD, "b@x.org", "b", NULL, " ## Svc \t",
	    NULL, false, AM_OK, AM_MAPEDIT_ADDED,
	    "# Svc\na@x.org a\nb@x.org b\n", 3 },
	{ "new category: trimmed when written", AM_MAP_POSTMAP,
	    "a@x.org a\n", ADD, "b@x.org", "b", NULL, "Svc ", NULL, false,
	    AM_OK, AM_MAPEDIT_ADDED, "a@x.org a\n\n# Svc\nb@x.org b\n", 4 },
	{ "new category: a date is a note", AM_MAP_POSTMAP,
	    "a@x.org a\n", ADD, "b@x.org", "b", NULL, "2027-01-01 Forwards",
	    NULL, false, AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "new category: only blanks and #", AM_MAP_POSTMAP,
	    "a@x.org a\n", ADD, "b@x.org", "b", NULL, " # ", NULL, false,
	    AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "new category: invalid UTF-8", AM_MAP_POSTMAP,
	    "a@x.org a\n", ADD, "b@x.org", "b", NULL, "Caf\xe9", NULL, false,
	    AM_E_INVALID, AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "note: invalid UTF-8", AM_MAP_POSTMAP, "a@x.org a\n", ADD,
	    "b@x.org", "b", NULL, NULL, "caf\xe9", false, AM_E_INVALID,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "note: C1 control", AM_MAP_POSTMAP, "a@x.org a\n", ADD,
	    "b@x.org", "b", NULL, NULL, "a\xc2\x9b" "b", false, AM_E_INVALID,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "note: UTF-8", AM_MAP_POSTMAP, "a@x.org a\n", ADD,
	    "b@x.org", "b", NULL, NULL, "d\xc3\xa9part", false, AM_OK,
	    AM_MAPEDIT_ADDED, "a@x.org a\n# d\xc3\xa9part\nb@x.org b\n", 3 },
	/* With SMTPUTF8 postmap would skip the line (found by fuzz_mapedit) */
	{ "key: invalid UTF-8", AM_MAP_POSTMAP, "a@x.org a\n", ADD,
	    "caf\xe9@x.org", "b", NULL, NULL, NULL, false, AM_E_INVALID,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	{ "value: invalid UTF-8", AM_MAP_ALIASES, "a: a\n", ADD, "b",
	    "caf\xe9", NULL, NULL, NULL, false, AM_E_INVALID,
	    AM_MAPEDIT_UNCHANGED, NULL, 0 },
	/* The last line's text stays the same (found by fuzz_mapedit) */
	{ "CRLF, no final newline: the last line gets a bare LF",
	    AM_MAP_ALIASES, "a: b\r\nc: \"x y", ADD, "d", "e", NULL, NULL,
	    NULL, false, AM_OK, AM_MAPEDIT_ADDED,
	    "a: b\r\nc: \"x y\nd: e", 3 },
};

/* With the full index, and with the sparse index of the one key. */
static void
run_case(const struct edit_case *c, bool sparse)
{
	struct am_mapedit ed;
	struct am_mapedit_change ch;
	struct am_mapedit_add add;
	struct am_error err;
	int rc;

	am_error_clear(&err);
	if (sparse)
		assert_int_equal(am_mapedit_from_text_key(&ed, "corpus",
		    c->input, strlen(c->input), c->kind, true, c->key, NULL,
		    NULL, &err), 0);
	else
		assert_int_equal(am_mapedit_from_text(&ed, "corpus", c->input,
		    strlen(c->input), c->kind, true, NULL, NULL, &err), 0);
	if (c->op == ADD) {
		memset(&add, 0, sizeof(add));
		add.key = c->key;
		add.value = c->value;
		add.category = c->category;
		add.new_category = c->new_category;
		add.note = c->note;
		add.replace = c->replace;
		add.no_categories = c->kind == AM_MAP_ALIASES;
		rc = am_mapedit_add(&ed, &add, &ch, &err);
	} else {
		rc = am_mapedit_remove(&ed, c->key, &ch, &err);
	}
	if (c->error != AM_OK) {
		if (rc != -1 || err.code != c->error)
			fail_msg("%s%s: expected error %s, got rc %d %s (%s)",
			    c->name, sparse ? " (sparse)" : "", am_error_code_name(c->error), rc,
			    am_error_code_name(err.code), err.message);
	} else {
		if (rc != 0)
			fail_msg("%s%s: %s", c->name, sparse ? " (sparse)" : "",
			    err.message);
		if (ch.result != c->result)
			fail_msg("%s%s: result %d, expected %d", c->name,
			    sparse ? " (sparse)" : "", ch.result, c->result);
		if (c->expect != NULL && (ch.text.len != strlen(c->expect) ||
		    memcmp(ch.text.data, c->expect, ch.text.len) != 0))
			fail_msg("%s%s: got\n%.*s\n--- expected\n%s", c->name,
			    sparse ? " (sparse)" : "", (int)ch.text.len, ch.text.data, c->expect);
		if (c->line > 0 && ch.line != c->line)
			fail_msg("%s: line %ld, expected %ld", c->name,
			    ch.line, c->line);
	}
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);
}

static void
test_corpus(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(&cases[i], false);
		run_case(&cases[i], true);
	}
}

static void
test_categories(void **state)
{
	struct am_mapedit ed;
	struct am_error err;
	struct am_buf list = AM_BUF_INIT;
	long i;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_mapedit_from_text(&ed, "users", USERS,
	    strlen(USERS), AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
	assert_int_equal(ed.ncategories, 3);
	assert_string_equal(ed.categories[0].name, "Developers");
	assert_true(ed.categories[0].sorted);
	assert_int_equal(ed.categories[0].count, 3);
	assert_string_equal(ed.categories[1].name, "Support staff");
	assert_false(ed.categories[1].sorted);
	assert_int_equal(ed.categories[1].line, 9);
	assert_string_equal(ed.categories[2].name, "Ex-staff forwards");
	assert_int_equal(ed.categories[2].count, 2);
	assert_int_equal(am_mapedit_find_category(&ed, "SUPPORT STAFF"), 1);
	assert_int_equal(am_mapedit_find_category(&ed, "support"), -1);
	assert_int_equal(am_mapedit_category_list(&ed, &list), 0);
	assert_string_equal(list.data,
	    "\"Developers\", \"Support staff\", \"Ex-staff forwards\"");
	/* mallory: continuation line joined, dated note attached. */
	i = am_mapedit_find(&ed, "MALLORY@ARCHLINUX.ORG", &err);
	assert_int_equal(i, 5);
	assert_string_equal(ed.entries[i].value,
	    "mallory@example.com,\tmallory@example.org");
	assert_int_equal(ed.entries[i].category, 2);
	assert_int_equal(ed.entries[i].line, 15);
	assert_true(ed.entries[i].above < ed.entries[i].start);
	assert_memory_equal(USERS + am_mapedit_note(&ed, &ed.entries[i]),
	    "# 2024-01-15", 12);
	assert_int_equal(am_mapedit_note(&ed, &ed.entries[0]),
	    ed.entries[0].start);
	assert_int_equal(am_mapedit_find(&ed, "nobody@x", &err), -1);
	am_buf_free(&list);
	am_mapedit_free(&ed);

	/* A file comment above the first header is not a category. */
	assert_int_equal(am_mapedit_from_text(&ed, "managed", MANAGED,
	    strlen(MANAGED), AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
	assert_int_equal(ed.ncategories, 1);
	assert_string_equal(ed.categories[0].name, "Service Desks");
	am_mapedit_free(&ed);
}

static void
test_utf8_key(void **state)
{
	static const char text[] = "# Staff\nJörg@archlinux.org joerg\n";
	struct am_mapedit ed;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_mapedit_from_text(&ed, "u", text,
	    strlen(text), AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
	assert_int_equal(am_mapedit_find(&ed, "JÖRG@ARCHLINUX.ORG", &err),
	    0);
	am_mapedit_free(&ed);
}

#define L_ONE "1\n2\n3\n4\n5\n"
#define L_TWO "1\n2\n3\nnew\n4\n5\n"

static void
test_diff(void **state)
{
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_diff_text(L_ONE, strlen(L_ONE), L_TWO,
	    strlen(L_TWO), "f", &out, &err), 0);
	assert_string_equal(out.data,
	    "--- f\n+++ f\n@@ -1,5 +1,6 @@\n"
	    " 1\n 2\n 3\n+new\n 4\n 5\n");
	am_buf_reset(&out);
	assert_int_equal(am_diff_text("a\nb", 3, "a\nb\nc", 5, "f", &out,
	    &err), 0);
	assert_string_equal(out.data,
	    "--- f\n+++ f\n@@ -1,2 +1,3 @@\n a\n-b\n"
	    "\\ No newline at end of file\n+b\n+c\n"
	    "\\ No newline at end of file\n");
	am_buf_reset(&out);
	assert_int_equal(am_diff_text("a\n", 2, "a\n", 2, "f", &out, &err),
	    0);
	assert_int_equal(out.len, 0);
	am_buf_free(&out);
}

static void
test_write_keeps_mode(void **state)
{
	char dir[] = "/tmp/test_am_mapedit.XXXXXX", path[64], back[64];
	struct am_mapedit ed;
	struct am_mapedit_change ch;
	struct am_mapedit_add add;
	struct am_error err;
	struct stat st;
	(void)state;
	FILE *fp;

	am_error_clear(&err);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("a@x.org a\n", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(am_mapedit_open(&ed, path, AM_MAP_POSTMAP, true,
	    NULL, NULL, &err), 0);
	memset(&add, 0, sizeof(add));
	add.key = "b@x.org";
	add.value = "b";
	assert_int_equal(am_mapedit_add(&ed, &add, &ch, &err), 0);
	assert_int_equal(am_mapedit_write(&ed, &ch, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(back, sizeof(back), fp));
	assert_non_null(fgets(back, sizeof(back), fp));
	assert_string_equal(back, "b@x.org b\n");
	fclose(fp);
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);

	/* Sparse index, pieces only: the same bytes a full text gives. */
	assert_int_equal(am_mapedit_open_key(&ed, path, AM_MAP_POSTMAP, true,
	    "A@X.ORG", NULL, NULL, &err), 0);
	assert_int_equal(ed.nentries, 1);
	ed.no_text = true;
	add.key = "a@x.org";
	add.value = "aa";
	add.replace = true;
	assert_int_equal(am_mapedit_add(&ed, &add, &ch, &err), 0);
	assert_int_equal(ch.result, AM_MAPEDIT_REPLACED);
	assert_int_equal(ch.text.len, 0);
	assert_int_equal(am_mapedit_write(&ed, &ch, &err), 0);
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);
	assert_non_null(fp = fopen(path, "r"));
	assert_int_equal(fread(back, 1, sizeof(back) - 1, fp), 21);
	back[21] = '\0';
	assert_string_equal(back, "a@x.org aa\nb@x.org b\n");
	fclose(fp);
	unlink(path);
	rmdir(dir);
}

static void
test_split(void **state)
{
	char **v = NULL;
	size_t n;

	(void)state;
	n = am_mapedit_split_value(" a,b ,\tc  d,", &v);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[3], "d");
	am_mapedit_free_split(v, n);
}

/*
 * An empty map (a new sender map, a file truncated by hand) takes its
 * first entry like any other: the line alone, with a newline, at line 1;
 * removing it again gives the empty text back.  relay's sender map goes
 * through here with no special case for an empty file.
 */
/*
 * A stray line that starts with whitespace under an empty category's
 * header: an entry added there would take it as its continuation
 * (fuzz_mapedit); refused, naming that line.
 */
static void
test_add_above_stray_continuation(void **state)
{
	static const char text[] = "# top\n\n# Empty\n\n \"stray\n\n"
	    "# Staff\nb@x b\nc@x c\n";
	struct am_mapedit ed;
	struct am_mapedit_add add;
	struct am_mapedit_change ch;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_mapedit_from_text(&ed, "users", text,
	    strlen(text), AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
	assert_true(am_mapedit_find_category(&ed, "Empty") >= 0);
	memset(&add, 0, sizeof(add));
	add.key = "k@x";
	add.value = "k";
	add.category = "Empty";
	assert_int_equal(am_mapedit_add(&ed, &add, &ch, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_non_null(strstr(err.message, "users, line 5: this line starts "
	    "with whitespace"));
	am_mapedit_change_free(&ch);
	/* Into Staff (a line that starts text follows): added. */
	add.category = "Staff";
	assert_int_equal(am_mapedit_add(&ed, &add, &ch, &err), 0);
	assert_int_equal(ch.result, AM_MAPEDIT_ADDED);
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);
}

static void
test_add_to_empty(void **state)
{
	struct am_mapedit ed, ed2;
	struct am_mapedit_add add;
	struct am_mapedit_change ch, ch2;
	struct am_error err;

	(void)state;
	am_error_clear(&err);
	assert_int_equal(am_mapedit_from_text(&ed, "sender", "", 0,
	    AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
	assert_int_equal(ed.nentries, 0);
	memset(&add, 0, sizeof(add));
	add.key = "@relay.example.org";
	add.value = "relay";
	add.no_categories = true;
	assert_int_equal(am_mapedit_add(&ed, &add, &ch, &err), 0);
	assert_int_equal(ch.result, AM_MAPEDIT_ADDED);
	assert_int_equal(ch.line, 1);
	assert_non_null(ch.text.data);
	assert_string_equal(ch.text.data, "@relay.example.org relay\n");
	/*
	 * Without categories a new category is ignored, never written as a
	 * header (fuzz_mapedit: a name with a newline became an alias line).
	 */
	am_mapedit_change_free(&ch);
	add.new_category = "x\nnot: a header";
	assert_int_equal(am_mapedit_add(&ed, &add, &ch, &err), 0);
	assert_string_equal(ch.text.data, "@relay.example.org relay\n");
	add.new_category = NULL;
	/* And without no_categories: an empty file has no categories. */
	am_mapedit_change_free(&ch);
	add.no_categories = false;
	assert_int_equal(am_mapedit_add(&ed, &add, &ch, &err), 0);
	assert_string_equal(ch.text.data, "@relay.example.org relay\n");
	assert_int_equal(am_mapedit_from_text(&ed2, "sender", ch.text.data,
	    ch.text.len, AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
	assert_int_equal(am_mapedit_remove(&ed2, "@relay.example.org", &ch2,
	    &err), 0);
	assert_int_equal(ch2.result, AM_MAPEDIT_REMOVED);
	assert_int_equal(ch2.text.len, 0);
	am_mapedit_change_free(&ch2);
	am_mapedit_free(&ed2);
	am_mapedit_change_free(&ch);
	am_mapedit_free(&ed);
}

/*
 * The three ways to index a file agree: the full index, the sparse index
 * of one key read by the key alone from lines given in place (no warning
 * callback: what users add does on a big file), and the sparse index
 * that parses every line (a callback).  Same categories (with the place
 * a key sorts into), same entries of the key, and the same add and
 * remove, line number included.
 */
static const char *const DIFF_TEXTS[] = {
	USERS, CRLF, MANAGED,
	"# Staff\nB@X b\na@x a\nc@x c",
	"# A\na@x a\nb@x b\n\n# Empty",
	"# A\na@x a\n\n# B\nc@x c\nd@x d\n# Last",
	"# Q\n\"a b\"@x v\nback\\ slash@x v\nk\\\n\"open@x v\nz@x z\n",
	"# U\nJörg@x j\nÄrger@x a\nzed@x z\nALPHA@x a\n",
	"# Unsorted\nm@x m\nb@x b\nz@x z\n\n# Sorted\na@x a\nc@x c\n",
	"# S\n stray\n\na@x a\n  indented@x no\nb@x b\n\tcont\nc@x c\n",
	"a@x a\nnovalue\n\"unbalanced@x v\nb@x b\n",
	"## Twelve\nkey-of-8@x v\nkey-of-sixteen@x v\nkey\"q q\"@x v\n"
	    "longer-key-than-a-word-or-two@x v\nz@x\tv\n",
	"",
	"# only a header",
};

static const char *const DIFF_KEYS[] = {
	"a@x", "A@X", "b@x", "c@x", "aa@x", "zz@x", "m@x", "jörg@x",
	"key-of-8@x", "key-of-9@x", "alice@archlinux.org",
	"MALLORY@archlinux.org", "dave@archlinux.org", "zed@archlinux.org",
	"privacy@archlinux.org", "new@x",
};

static void
same_change(const char *what, int rc, const struct am_error *err,
    const struct am_mapedit_change *ch, int rc2,
    const struct am_error *err2, const struct am_mapedit_change *ch2)
{
	if (rc != rc2 || err->code != err2->code ||
	    strcmp(err->message, err2->message) != 0)
		fail_msg("%s: rc %d/%d, \"%s\" / \"%s\"", what, rc, rc2,
		    err->message, err2->message);
	if (rc < 0)
		return;
	if (ch->result != ch2->result || ch->line != ch2->line ||
	    ch->text.len != ch2->text.len || (ch->text.len > 0 &&
	    memcmp(ch->text.data, ch2->text.data, ch->text.len) != 0) ||
	    ch->category != ch2->category)
		fail_msg("%s: result %d/%d, line %ld/%ld, text \"%s\" / \"%s\"",
		    what, ch->result, ch2->result, ch->line, ch2->line,
		    ch->text.data ? ch->text.data : "",
		    ch2->text.data ? ch2->text.data : "");
}

/* The line ch->line of the new text starts with key. */
static void
line_holds_key(const char *what, const struct am_mapedit_change *ch,
    const char *key)
{
	const char *p = ch->text.data, *e;
	long n;

	if (ch->result != AM_MAPEDIT_ADDED)
		return;
	if (p == NULL)
		fail_msg("%s: an added entry but no new text", what);
	e = p + ch->text.len;
	for (n = 1; n < ch->line && p != NULL; n++)
		if ((p = memchr(p, '\n', (size_t)(e - p))) != NULL)
			p++;
	if (p == NULL || strncmp(p, key, strlen(key)) != 0)
		fail_msg("%s: line %ld is not the new entry", what, ch->line);
}

static void
same_index(const char *what, const struct am_mapedit *full,
    const struct am_mapedit *sp, const struct am_mapedit *sp2,
    const char *fkey)
{
	const struct am_mapedit_category *a, *b, *c;
	const struct am_mapedit_entry *f, *e;
	size_t i, n = 0;

	if (sp->ncategories != full->ncategories ||
	    sp2->ncategories != full->ncategories)
		fail_msg("%s: categories", what);
	for (i = 0; i < full->ncategories; i++) {
		a = &full->categories[i];
		b = &sp->categories[i];
		c = &sp2->categories[i];
		if (strcmp(a->name, b->name) != 0 || a->line != b->line ||
		    a->header_end != b->header_end || a->count != b->count ||
		    a->last_end != b->last_end || a->sorted != b->sorted ||
		    b->key_above != c->key_above || b->sorted != c->sorted ||
		    b->last_end != c->last_end || b->count != c->count)
			fail_msg("%s: category %zu", what, i);
	}
	for (i = 0; i < full->nentries; i++) {
		f = &full->entries[i];
		if (strcmp(f->fkey, fkey) != 0)
			continue;
		if (n >= sp->nentries || n >= sp2->nentries)
			fail_msg("%s: entries", what);
		e = &sp->entries[n];
		if (e->start != f->start || e->end != f->end ||
		    e->line != f->line || e->above != f->above ||
		    e->category != f->category || strcmp(e->key, f->key) ||
		    strcmp(e->fkey, f->fkey) || strcmp(e->value, f->value))
			fail_msg("%s: entry at line %ld", what, f->line);
		e = &sp2->entries[n];
		if (e->start != f->start || e->end != f->end ||
		    strcmp(e->value, f->value) != 0)
			fail_msg("%s: entry at line %ld (parsed)", what, f->line);
		n++;
	}
	if (n != sp->nentries || n != sp2->nentries)
		fail_msg("%s: %zu entries, sparse %zu and %zu", what, n,
		    sp->nentries, sp2->nentries);
}

static void
quiet(void *ctx, const struct am_error *w)
{
	(void)ctx;
	(void)w;
}

static void
diff_one(const char *text, const char *key, const char *category)
{
	struct am_mapedit full, sp, sp2;
	struct am_mapedit_change ch, ch2;
	struct am_mapedit_add add;
	struct am_error err, err2;
	struct am_buf fk = AM_BUF_INIT;
	char what[200];
	size_t len = strlen(text);
	char *exact;
	int rc, rc2, k;

	snprintf(what, sizeof(what), "\"%.20s...\" key %s category %s",
	    text, key, category ? category : "(none)");
	am_error_clear(&err);
	/* Exactly the text's bytes: a read past them is a sanitizer error. */
	assert_non_null(exact = malloc(len + 1));
	memcpy(exact, text, len);
	assert_int_equal(am_mapedit_from_text(&full, "t", exact, len,
	    AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
	assert_int_equal(am_mapedit_from_text_key(&sp, "t", exact, len,
	    AM_MAP_POSTMAP, true, key, NULL, NULL, &err), 0);
	assert_int_equal(am_mapedit_from_text_key(&sp2, "t", exact, len,
	    AM_MAP_POSTMAP, true, key, quiet, NULL, &err), 0);
	same_index(what, &full, &sp, &sp2, sp.only_fkey);
	memset(&add, 0, sizeof(add));
	add.key = key;
	add.value = "v";
	add.category = category;
	for (k = 0; k < 2; k++) {
		add.replace = k == 1;
		am_error_clear(&err);
		rc = am_mapedit_add(&full, &add, &ch, &err);
		am_error_clear(&err2);
		rc2 = am_mapedit_add(&sp, &add, &ch2, &err2);
		same_change(what, rc, &err, &ch, rc2, &err2, &ch2);
		if (rc == 0)
			line_holds_key(what, &ch, key);
		am_mapedit_change_free(&ch2);
		am_error_clear(&err2);
		rc2 = am_mapedit_add(&sp2, &add, &ch2, &err2);
		same_change(what, rc, &err, &ch, rc2, &err2, &ch2);
		am_mapedit_change_free(&ch);
		am_mapedit_change_free(&ch2);
	}
	am_error_clear(&err);
	am_error_clear(&err2);
	rc = am_mapedit_remove(&full, key, &ch, &err);
	rc2 = am_mapedit_remove(&sp, key, &ch2, &err2);
	same_change(what, rc, &err, &ch, rc2, &err2, &ch2);
	am_mapedit_change_free(&ch);
	am_mapedit_change_free(&ch2);
	am_mapedit_free(&full);
	am_mapedit_free(&sp);
	am_mapedit_free(&sp2);
	am_buf_free(&fk);
	free(exact);
}

static void
test_sparse_index_agrees(void **state)
{
	struct am_mapedit full;
	struct am_error err;
	size_t t, k, c;
	const char *text;

	(void)state;
	for (t = 0; t < sizeof(DIFF_TEXTS) / sizeof(DIFF_TEXTS[0]); t++) {
		text = DIFF_TEXTS[t];
		am_error_clear(&err);
		assert_int_equal(am_mapedit_from_text(&full, "t", text,
		    strlen(text), AM_MAP_POSTMAP, true, NULL, NULL, &err), 0);
		for (k = 0; k < sizeof(DIFF_KEYS) / sizeof(DIFF_KEYS[0]); k++) {
			diff_one(text, DIFF_KEYS[k], NULL);
			for (c = 0; c < full.ncategories; c++)
				diff_one(text, DIFF_KEYS[k],
				    full.categories[c].name);
		}
		am_mapedit_free(&full);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_utf8_key),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_write_keeps_mode),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_add_to_empty),
		cmocka_unit_test(test_add_above_stray_continuation),
		cmocka_unit_test(test_sparse_index_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
