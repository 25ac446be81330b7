/*
 * Differential test of am_edit_batch_plan(): random mixed batches (adds
 * in several categories, new categories, removes, replaces with and
 * without a move, re-adds, notes) planned as one batch must give
 * byte for byte the text that the same requests give one at a time
 * through am_edit_plan() and am_edit_commit(), with the same per-entry
 * result, and a request that fails alone must fail the batch at its
 * input line with nothing written.  Several starting files: categories
 * (sorted, unsorted, "##", empty, notes), CRLF, no final newline, none.
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

#include "am_edit.h"
#include "unit_helpers.h"

#define NOPS	40
#define ROUNDS	60

struct fx {
	char root[128];
	char users[256];
	struct am_conf conf;
	struct am_host host;
	struct am_postfix_settings ps;
	struct am_error err;
};

static const char *const STARTS[] = {
	"# Developers\n"
	"alice@archlinux.org\talice@example.org\n"
	"carol@archlinux.org\tcarol@example.org\n"
	"k03@archlinux.org\tk@example.org\n"
	"\n"
	"# Staff\n"
	"zed@archlinux.org\tz@example.org\n"
	"abe@archlinux.org\ta@example.org, b@example.org\n"
	"\n"
	"# Forwards\n"
	"# 2024-01-15 left the team\n"
	"mallory@archlinux.org\tmallory@example.com\n"
	"\n"
	"# Empty\n"
	"\n"
	"## Support\n"
	"# a comment\n"
	"k07@archlinux.org\tsupport@example.org\n"
	"k09@archlinux.org\tsupport@example.org\n",

	"# Developers\r\n"
	"alice@archlinux.org alice@example.org\r\n"
	"k05@archlinux.org k@example.org\r\n"
	"\r\n"
	"# Staff\r\n"
	"zed@archlinux.org z@example.org\r\n",

	"# Developers\n"
	"alice@archlinux.org\talice@example.org\n"
	"\n"
	"# Staff\n"
	"k02@archlinux.org\tk@example.org",

	/* Parenthesised: clang's -Wstring-concatenation takes a
	 * two-literal element for a missing comma. */
	("alice@archlinux.org\talice@example.org\n"
	 "k04@archlinux.org\tk@example.org\n"),
};

static const char *const CATS[] = {
	"Developers", "Staff", "Forwards", "Empty", "Support", "Nope",
};
static const char *const NEWCATS[] = { "Robots", "Staff", "## Late " };
static const char *const NOTES[] = {
	"2026-11-27 batch", "2026-11-28 again", "plain note",
};
static const char *const DESTS[] = {
	"x@example.org", "y@example.org", "bob@example.net",
};

/* A small generator of its own: the same rounds on every machine. */
static uint32_t
rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

struct op {
	struct am_edit_req req;
	char key[64];
	const char *dests[2];
};

/*
 * The batches am_edit_batch_plan() plans in one pass: adds of keys
 * mostly new (a few already in the file or twice in the batch, which
 * send the batch one by one), no note, no new category, now and then a
 * list or a value with a comma, into one category per round or several.
 */
static bool new_keys_mode;
static int round_cat;

static void
make_new_key_op(struct op *o, uint32_t *s, size_t ncats)
{
	static const char *const old_keys[] = {
		"alice@archlinux.org", "Zed@archlinux.org", "k03@archlinux.org",
	};
	uint32_t k = rnd(s) % 20000;

	memset(o, 0, sizeof(*o));
	if (rnd(s) % 300 == 0)
		snprintf(o->key, sizeof(o->key), "%s", old_keys[k % 3]);
	else
		snprintf(o->key, sizeof(o->key), "%c%03u@archlinux.org",
		    "abkmnzAK"[k % 8], (unsigned)k / 8);
	o->req.key = o->key;
	o->req.no_compile = true;
	o->req.op = AM_EDIT_ADD;
	o->dests[0] = DESTS[rnd(s) % 3];
	o->dests[1] = rnd(s) % 200 == 0 ? "p,q@example.org" :
	    DESTS[rnd(s) % 3];
	o->req.dests = o->dests;
	o->req.ndests = 1 + (o->dests[0] != o->dests[1] &&
	    (o->dests[1][0] == 'p' || rnd(s) % 9 == 0));
	if (ncats > 0)
		o->req.category = CATS[round_cat >= 0 ? (size_t)round_cat :
		    rnd(s) % ncats];
	o->req.replace = rnd(s) % 5 == 0;
}

static void
make_op(struct op *o, uint32_t *s, size_t ncats)
{
	static const char *const fixed[] = {
		"alice@archlinux.org", "carol@archlinux.org",
		"zed@archlinux.org", "abe@archlinux.org",
		"mallory@archlinux.org", "Alice@ArchLinux.org",
	};
	uint32_t k, what;

	if (new_keys_mode) {
		make_new_key_op(o, s, ncats);
		return;
	}
	k = rnd(s) % 18;
	what = rnd(s) % 10;
	memset(o, 0, sizeof(*o));
	if (k < 6)
		snprintf(o->key, sizeof(o->key), "%s", fixed[k]);
	else
		snprintf(o->key, sizeof(o->key), "k%02u@archlinux.org",
		    (unsigned)(k - 6));
	o->req.key = o->key;
	o->req.no_compile = true;
	if (what < 3) {
		o->req.op = AM_EDIT_REMOVE;
		return;
	}
	o->req.op = AM_EDIT_ADD;
	o->dests[0] = DESTS[rnd(s) % 3];
	o->dests[1] = DESTS[rnd(s) % 3];
	o->req.dests = o->dests;
	o->req.ndests = 1 + (o->dests[0] != o->dests[1] && rnd(s) % 3 == 0);
	if (ncats > 0 && rnd(s) % 8 != 0)
		o->req.category = CATS[rnd(s) % ncats];
	if (rnd(s) % 7 == 0) {
		o->req.category = NULL;
		o->req.new_category = NEWCATS[rnd(s) % 3];
	}
	if (rnd(s) % 4 == 0)
		o->req.note = NOTES[rnd(s) % 3];
	o->req.replace = what >= 6;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char p[256];

	assert_non_null(f);
	assert_int_equal(unit_tmpdir_create(f->root, sizeof(f->root),
	    "editbatch"), 0);
	snprintf(p, sizeof(p), "%s/etc", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/postfix", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(f->users, sizeof(f->users), "%s/etc/postfix/users", f->root);
	assert_int_equal(am_conf_init(&f->conf, &f->err), 0);
	f->host = (struct am_host)AM_HOST_INIT;
	f->host.root = f->root;
	f->host.conf = &f->conf;
	f->host.lock_timeout_ms = 0;
	f->ps.utf8 = true;
	f->ps.myhostname = (char *)"test.example.org";
	am_error_clear(&f->err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	am_conf_free(&f->conf);
	unit_tmpdir_remove(f->root);
	free(f);
	return 0;
}

static void
put(const struct fx *f, const char *text)
{
	assert_int_equal(unit_write_file(f->users, text, strlen(text), 0644),
	    0);
}

/*
 * One round: the requests one at a time (those that fail dropped, the
 * first one that fails remembered), then the kept ones as one batch on
 * the starting text, then the kept ones with the failing one among them.
 */
static size_t one_pass_rounds;

static void
round_of(struct fx *f, uint32_t seed, const char *start, size_t ncats)
{
	struct op ops[NOPS];
	struct am_edit_batch_item items[NOPS];
	enum am_mapedit_result want_res[NOPS];
	bool want_changed[NOPS];
	struct am_edit e;
	struct am_edit_plan plan;
	struct am_edit_batch b;
	struct am_error err;
	uint32_t s = seed;
	size_t i, n = 0, bad = NOPS, bad_at = 0;
	char *seq, *now;
	const char *got;
	size_t gotlen;

	put(f, start);
	assert_int_equal(am_edit_open(&e, &f->host, AM_MAP_POSTMAP, &f->ps,
	    &f->err), 0);
	for (i = 0; i < 4 * NOPS; i++) {
		make_op(&ops[n], &s, ncats);
		memset(&plan, 0, sizeof(plan));
		plan.lockfd = -1;
		am_error_clear(&err);
		if (am_edit_plan(&e, &ops[n].req, &plan, &err) < 0) {
			am_edit_plan_free(&plan);
			if (bad == NOPS) {
				/* Kept aside: the batch with it must fail. */
				ops[NOPS - 1] = ops[n];
				ops[NOPS - 1].req.key = ops[NOPS - 1].key;
				ops[NOPS - 1].req.dests = ops[NOPS - 1].dests;
				bad = NOPS - 1;
				bad_at = n;
			}
			continue;
		}
		want_res[n] = plan.text_changed ? plan.result :
		    AM_MAPEDIT_UNCHANGED;
		want_changed[n] = plan.text_changed;
		if (am_edit_commit(&plan, &err) != 0)
			fail_msg("seed %u: commit: %s", seed, err.message);
		am_edit_plan_free(&plan);
		n++;
		if (n == NOPS - 1)
			break;
	}
	seq = unit_read_file(f->users, NULL);
	assert_non_null(seq);

	/* The same requests as one batch, on the starting text. */
	put(f, start);
	memset(items, 0, sizeof(items));
	for (i = 0; i < n; i++) {
		items[i].req = ops[i].req;
		items[i].input_line = (long)i + 1;
	}
	am_error_clear(&err);
	if (am_edit_batch_plan(&e, items, n, true, true, &b, &err) != 0)
		fail_msg("seed %u: batch failed at line %ld: %s", seed,
		    err.line, err.message);
	one_pass_rounds += b.one_pass;
	got = b.text_changed ? b.text.data : start;
	gotlen = b.text_changed ? b.text.len : strlen(start);
	if (gotlen != strlen(seq) || memcmp(got, seq, gotlen) != 0)
		fail_msg("seed %u: batch text differs from %zu single edits:"
		    "\n--- batch\n%.*s\n--- single\n%s", seed, n, (int)gotlen,
		    got, seq);
	for (i = 0; i < n; i++) {
		if (items[i].result != want_res[i] ||
		    items[i].changed != want_changed[i])
			fail_msg("seed %u: request %zu (%s): batch result %d "
			    "changed %d, single %d changed %d", seed, i + 1,
			    items[i].req.key, items[i].result,
			    items[i].changed, want_res[i], want_changed[i]);
	}
	am_edit_batch_free(&b);

	/* With the failing request where it failed: nothing, at its line. */
	if (bad < NOPS) {
		memset(items, 0, sizeof(items));
		for (i = 0; i < bad_at; i++)
			items[i].req = ops[i].req;
		items[bad_at].req = ops[bad].req;
		for (i = 0; i <= bad_at; i++)
			items[i].input_line = (long)i + 1;
		am_error_clear(&err);
		if (am_edit_batch_plan(&e, items, bad_at + 1, false, true, &b,
		    &err) == 0)
			fail_msg("seed %u: request %zu failed alone but not "
			    "in the batch", seed, bad_at + 1);
		assert_int_equal(err.line, (long)bad_at + 1);
		am_edit_batch_free(&b);
		now = unit_read_file(f->users, NULL);
		assert_non_null(now);
		assert_string_equal(now, start);
		free(now);
	}
	free(seq);
	am_edit_free(&e);
}

static void
test_batch_equals_single_edits(void **state)
{
	struct fx *f = *state;
	uint32_t seed;
	size_t which;

	for (seed = 1; seed <= ROUNDS; seed++) {
		which = seed % (sizeof(STARTS) / sizeof(STARTS[0]));
		/* The flat file has no categories to name. */
		round_of(f, seed, STARTS[which], which == 3 ? 0 :
		    sizeof(CATS) / sizeof(CATS[0]));
	}
}

/*
 * The same with batches of new keys, most of them planned in one pass:
 * the one-pass text must equal the single edits' as well.
 */
static void
test_new_key_batches_equal_single_edits(void **state)
{
	struct fx *f = *state;
	const size_t ncats = sizeof(CATS) / sizeof(CATS[0]) - 1; /* no Nope */
	uint32_t seed, s;
	size_t which, rounds = 0;

	new_keys_mode = true;
	one_pass_rounds = 0;
	for (seed = 1; seed <= 4 * ROUNDS; seed++) {
		which = seed % (sizeof(STARTS) / sizeof(STARTS[0]));
		s = seed * 2654435761u;
		/* Mostly the two categories a one-pass plan can take. */
		round_cat = rnd(&s) % 4 == 0 ? -1 : rnd(&s) % 3 == 0 ?
		    (int)(rnd(&s) % ncats) : (int)(rnd(&s) % 2);
		round_of(f, seed, STARTS[which], which == 3 ? 0 : ncats);
		rounds++;
	}
	new_keys_mode = false;
	/* The test is about the one-pass plan: it has to have run. */
	if (one_pass_rounds * 4 < rounds)
		fail_msg("only %zu of %zu rounds planned in one pass",
		    one_pass_rounds, rounds);
	print_message("%zu of %zu rounds planned in one pass\n",
	    one_pass_rounds, rounds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_equals_single_edits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_new_key_batches_equal_single_edits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
