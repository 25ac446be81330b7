/*
 * floor_load - the practical floor for compiling a Postfix lmdb: table.
 *
 * usage: floor_load [-t] SOURCE OUTPUT.lmdb
 *
 * Does the least work that still produces the records real postmap writes
 * for a plain "key whitespace value" source: keys ASCII-lowercased, key and
 * value each followed by one NUL byte, first occurrence of a key wins.
 * Blank lines and "#" comment lines are skipped; so is any line that starts
 * with whitespace (continuation lines are not supported: the benchmark
 * data has none).  Quoting, UTF-8 folding and warnings are left out on
 * purpose; they are cheap next to sorting and writing.
 *
 * How: one read() of the whole source, parse in place (the NULs overwrite
 * the separators), stable MSD radix sort of the record array by key bytes
 * (LMDB's default order: memcmp, then shorter first), then a single write
 * transaction on a fresh file (MDB_NOSUBDIR|MDB_NOLOCK) filled with
 * MDB_APPEND, commit (LMDB syncs the data and meta page), fsync, rename
 * over OUTPUT and fsync the directory.  The map size comes from the input,
 * so there is never an MDB_MAP_FULL restart.
 *
 * -t prints the time of each phase on stderr.
 *
 * Build: cc -O2 -o floor_load floor_load.c -llmdb
 */

#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rec {
	unsigned char	*key;
	unsigned char	*val;
	uint32_t	 klen;	/* including the trailing NUL */
	uint32_t	 vlen;	/* including the trailing NUL */
};

/* Below this many records a bucket is finished by insertion sort. */
#define SMALL_BUCKET	24

static int	 tflag;
static struct timespec t_last;

static void
phase(const char *name)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tflag && name != NULL)
		fprintf(stderr, "floor_load: %-8s %.3f s\n", name,
		    (now.tv_sec - t_last.tv_sec) +
		    (now.tv_nsec - t_last.tv_nsec) / 1e9);
	t_last = now;
}

/* Postfix's whitespace set for source lines (see reference (b1)). */
static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static unsigned char *
read_all(const char *path, size_t *lenp)
{
	struct stat st;
	unsigned char *buf;
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		err(1, "open %s", path);
	if (fstat(fd, &st) == -1)
		err(1, "fstat %s", path);
	/* One spare byte so the last value can be NUL-terminated in place. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		err(1, "malloc");
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(1, "read %s", path);
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	*lenp = off;
	return buf;
}

static struct rec *
parse(unsigned char *buf, size_t len, size_t *nrecp)
{
	unsigned char *p = buf, *end = buf + len;
	unsigned char *eol, *nl, *k, *kend, *q, *v, *e;
	struct rec *recs = NULL;
	size_t nrec = 0, cap = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		eol = nl != NULL ? nl : end;
		k = p;
		p = nl != NULL ? nl + 1 : end;

		/* Blank, comment or (unsupported) continuation line. */
		if (k == eol || is_space(*k) || *k == '#')
			continue;

		for (q = k; q < eol && !is_space(*q); q++)
			if (*q >= 'A' && *q <= 'Z')
				*q += 'a' - 'A';
		if (q == eol)
			continue;		/* key without value */
		kend = q;
		*q++ = '\0';
		while (q < eol && is_space(*q))
			q++;
		if (q == eol)
			continue;
		v = q;
		for (e = eol; e > v && is_space(e[-1]); e--)
			;
		*e = '\0';

		if (nrec == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			recs = realloc(recs, cap * sizeof(*recs));
			if (recs == NULL)
				err(1, "realloc");
		}
		recs[nrec].key = k;
		recs[nrec].klen = (uint32_t)(kend - k) + 1;
		recs[nrec].val = v;
		recs[nrec].vlen = (uint32_t)(e - v) + 1;
		nrec++;
	}
	*nrecp = nrec;
	return recs;
}

/* Compare two keys already known to be equal in their first d bytes. */
static int
key_cmp_from(const struct rec *a, const struct rec *b, size_t d)
{
	size_t la = a->klen - d, lb = b->klen - d;
	int c;

	c = memcmp(a->key + d, b->key + d, la < lb ? la : lb);
	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

static void
insertion_sort(struct rec *a, size_t n, size_t d)
{
	struct rec t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = a[i];
		/* Strictly greater only, so equal keys keep input order. */
		for (j = i; j > 0 && key_cmp_from(&a[j - 1], &t, d) > 0; j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

/* Bucket 0 = key exhausted at depth d, so shorter keys sort first. */
static inline unsigned
bucket(const struct rec *r, size_t d)
{
	return d < r->klen ? (unsigned)r->key[d] + 1 : 0;
}

/*
 * Stable MSD radix sort: counting-sort distribution keeps equal keys in
 * input order, which is what lets the writer keep the first duplicate.
 */
static void
radix_sort(struct rec *a, struct rec *tmp, size_t n, size_t d)
{
	size_t count[257], i, b, start;

	for (;;) {
		if (n < SMALL_BUCKET) {
			insertion_sort(a, n, d);
			return;
		}
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[bucket(&a[i], d)]++;
		b = bucket(&a[0], d);
		if (count[b] != n)
			break;
		/* A shared prefix byte: nothing to move, look one further. */
		if (b == 0)
			return;		/* all keys equal */
		d++;
	}

	for (b = 0, start = 0; b < 257; b++) {
		size_t c = count[b];

		count[b] = start;
		start += c;
	}
	for (i = 0; i < n; i++)
		tmp[count[bucket(&a[i], d)]++] = a[i];
	memcpy(a, tmp, n * sizeof(*a));

	/* count[b] is now the end of bucket b; bucket 0 holds equal keys. */
	for (b = 1, start = count[0]; b < 257; b++) {
		if (count[b] - start > 1)
			radix_sort(a + start, tmp + start, count[b] - start,
			    d + 1);
		start = count[b];
	}
}

static void
lmdb_check(int rc, const char *what)
{
	if (rc != 0)
		errx(1, "%s: %s", what, mdb_strerror(rc));
}

/*
 * Every record costs a node header (8 bytes) and a 2-byte slot, padded to
 * an even size; leaves filled by MDB_APPEND are nearly full and branches
 * add a few percent.  Twice that plus slack covers it without a restart;
 * the unused part of the map costs nothing (no MDB_WRITEMAP).
 */
static size_t
map_size(const struct rec *r, size_t n)
{
	size_t i, bytes = 0;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	for (i = 0; i < n; i++)
		bytes += ((size_t)r[i].klen + r[i].vlen + 8 + 1 + 2) & ~(size_t)1;
	bytes = 2 * bytes + (4u << 20);
	/* LMDB wants a whole number of pages. */
	return (bytes + pg - 1) / pg * pg;
}

static void
write_lmdb(const char *out, struct rec *r, size_t n)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	char tmp[4096], dir[4096];
	size_t i, nput = 0;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", out, (long)getpid()) >=
	    (int)sizeof(tmp))
		errx(1, "output name too long");
	(void)unlink(tmp);

	lmdb_check(mdb_env_create(&env), "mdb_env_create");
	lmdb_check(mdb_env_set_mapsize(env, map_size(r, n)),
	    "mdb_env_set_mapsize");
	lmdb_check(mdb_env_open(env, tmp, MDB_NOSUBDIR | MDB_NOLOCK, 0644),
	    tmp);
	lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	lmdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");

	for (i = 0; i < n; i++) {
		/* Sorted and stable: a duplicate directly follows its first. */
		if (i > 0 && r[i].klen == r[i - 1].klen &&
		    memcmp(r[i].key, r[i - 1].key, r[i].klen) == 0)
			continue;
		k.mv_data = r[i].key;
		k.mv_size = r[i].klen;
		v.mv_data = r[i].val;
		v.mv_size = r[i].vlen;
		if ((rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND)) != 0) {
			mdb_txn_abort(txn);
			mdb_env_close(env);
			(void)unlink(tmp);
			errx(1, "mdb_put: line key \"%s\": %s", r[i].key,
			    mdb_strerror(rc));
		}
		nput++;
	}
	phase("put");

	if ((rc = mdb_txn_commit(txn)) != 0) {
		mdb_env_close(env);
		(void)unlink(tmp);
		errx(1, "mdb_txn_commit: %s", mdb_strerror(rc));
	}
	/* The commit already synced; this also covers the file metadata. */
	lmdb_check(mdb_env_get_fd(env, &fd), "mdb_env_get_fd");
	if (fsync(fd) == -1)
		err(1, "fsync %s", tmp);
	mdb_env_close(env);
	if (rename(tmp, out) == -1)
		err(1, "rename %s to %s", tmp, out);

	/* Make the rename itself durable. */
	snprintf(dir, sizeof(dir), "%s", out);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) == -1)
		err(1, "open directory of %s", out);
	if (fsync(fd) == -1)
		err(1, "fsync directory of %s", out);
	close(fd);
	phase("commit");
	if (tflag)
		fprintf(stderr, "floor_load: %zu records written\n", nput);
}

int
main(int argc, char *argv[])
{
	unsigned char *buf;
	struct rec *recs, *tmp;
	size_t len, nrec;
	int ch;

	while ((ch = getopt(argc, argv, "t")) != -1) {
		switch (ch) {
		case 't':
			tflag = 1;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		goto usage;

	phase(NULL);
	buf = read_all(argv[0], &len);
	phase("read");
	recs = parse(buf, len, &nrec);
	phase("parse");
	if ((tmp = malloc((nrec ? nrec : 1) * sizeof(*tmp))) == NULL)
		err(1, "malloc");
	radix_sort(recs, tmp, nrec, 0);
	free(tmp);
	phase("sort");
	write_lmdb(argv[1], recs, nrec);
	free(recs);
	free(buf);
	return 0;

usage:
	fprintf(stderr, "usage: floor_load [-t] SOURCE OUTPUT.lmdb\n");
	return 2;
}
