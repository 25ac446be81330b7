#include "am_pam.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "am_buf.h"

#define MAX_DEPTH 16
#define MAX_TOKENS 64

static int scan_file(const char *pam_dir, const char *name, int depth,
    struct am_pam_hit *hit, struct am_error *err);

/* Split at blanks; "[...]" is one token even with blanks inside. */
static size_t
tokenize(char *s, char **tok, size_t max)
{
	size_t n = 0;

	for (;;) {
		s += strspn(s, " \t\r\n");
		if (*s == '\0' || n == max)
			return n;
		tok[n++] = s;
		if (*s == '[') {
			char *close = strchr(s, ']');

			s = close != NULL ? close + 1 : s + strlen(s);
		} else {
			s += strcspn(s, " \t\r\n");
		}
		if (*s == '\0')
			return n;
		*s++ = '\0';
	}
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static int
scan_line(const char *pam_dir, const char *path, long lineno, char *text,
    int depth, struct am_pam_hit *hit, struct am_error *err)
{
	char *tok[MAX_TOKENS], *type;
	size_t n, i;

	n = tokenize(text, tok, MAX_TOKENS);
	if (n == 0)
		return 0;
	if (strcmp(tok[0], "@include") == 0)
		return n > 1 ? scan_file(pam_dir, base_name(tok[1]), depth + 1,
		    hit, err) : 0;
	type = tok[0][0] == '-' ? tok[0] + 1 : tok[0];
	if (strcasecmp(type, "auth") != 0 || n < 3)
		return 0;
	if (strcasecmp(tok[1], "include") == 0 ||
	    strcasecmp(tok[1], "substack") == 0)
		return scan_file(pam_dir, base_name(tok[2]), depth + 1, hit,
		    err);
	if (strcmp(base_name(tok[2]), "pam_unix.so") != 0)
		return 0;
	for (i = 3; i < n; i++) {
		if (strcmp(tok[i], "nullok") == 0) {
			hit->found = true;
			snprintf(hit->file, sizeof(hit->file), "%s", path);
			hit->line = lineno;
			return 0;
		}
	}
	return 0;
}

static int
scan_file(const char *pam_dir, const char *name, int depth,
    struct am_pam_hit *hit, struct am_error *err)
{
	struct am_buf logical = AM_BUF_INIT;
	char *path = NULL, *line = NULL, *hash;
	size_t cap = 0, len;
	long lineno = 0, first = 0;
	FILE *fp = NULL;
	ssize_t n;
	int rc = -1;

	if (depth > MAX_DEPTH)
		return am_error_set(err, AM_E_CONFIG, "PAM includes nested "
		    "more than %d deep at %s", MAX_DEPTH, name);
	if (asprintf(&path, "%s/%s", pam_dir, name) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			rc = 0;
			goto out;
		}
		am_error_set_errno(err, am_error_code_from_errno(errno), errno,
		    "open %s", path);
		goto out;
	}
	while (!hit->found && (n = getline(&line, &cap, fp)) > 0) {
		lineno++;
		len = (size_t)n;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (logical.len == 0)
			first = lineno;
		/* '\' at the end joins the next line. */
		if (len > 0 && line[len - 1] == '\\') {
			line[len - 1] = ' ';
			if (am_buf_add(&logical, line, len) < 0)
				goto nomem;
			continue;
		}
		if (am_buf_add(&logical, line, len) < 0)
			goto nomem;
		if ((hash = strchr(logical.data, '#')) != NULL)
			*hash = '\0';
		if (scan_line(pam_dir, path, first, logical.data, depth, hit,
		    err) < 0)
			goto out;
		am_buf_reset(&logical);
	}
	if (ferror(fp)) {
		am_error_set(err, AM_E_IO, "read %s", path);
		goto out;
	}
	if (!hit->found && logical.len > 0) {
		if ((hash = strchr(logical.data, '#')) != NULL)
			*hash = '\0';
		if (scan_line(pam_dir, path, first, logical.data, depth, hit,
		    err) < 0)
			goto out;
	}
	rc = 0;
	goto out;
nomem:
	am_error_set(err, AM_E_NOMEM, "out of memory");
out:
	if (fp != NULL)
		fclose(fp);
	free(line);
	free(path);
	am_buf_free(&logical);
	return rc;
}

int
am_pam_find_nullok(const char *pam_dir, const char *service,
    struct am_pam_hit *hit, struct am_error *err)
{
	memset(hit, 0, sizeof(*hit));
	return scan_file(pam_dir, service, 0, hit, err);
}
