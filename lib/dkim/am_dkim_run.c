#include "am_dkim_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: stdin from /dev/null, stdout into the pipe, then exec. */
static void
child(char *const argv[], int pfd[2], int errpipe)
{
	int devnull;

	if ((devnull = open("/dev/null", O_RDONLY)) < 0 ||
	    dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(pfd[1], STDOUT_FILENO) < 0)
		goto fail;
	execv(argv[0], argv);
fail:
	/* errno to the parent: "cannot run" is not "exited with 127". */
	(void)!write(errpipe, &errno, sizeof(errno));
	_exit(127);
}

int
am_dkim_run(char *const argv[], unsigned int flags, size_t max,
    int timeout_ms, struct am_buf *out, int *status, struct am_error *err)
{
	struct pollfd pfds[1];
	char buf[4096];
	int pfd[2] = { -1, -1 }, epfd[2] = { -1, -1 };
	int wstatus = 0, child_errno = 0, rc = -1;
	long deadline = now_ms() + timeout_ms, left;
	bool killed = false, too_much = false;
	ssize_t n;
	pid_t pid;

	am_buf_reset(out);
	*status = -1;
	if ((flags & AM_DKIM_RUN_SECRET) && am_buf_reserve(out, max) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (pipe2(pfd, O_CLOEXEC) < 0 || pipe2(epfd, O_CLOEXEC) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "pipe");
		goto out;
	}
	if ((pid = fork()) < 0) {
		am_error_set_errno(err, AM_E_IO, errno, "fork");
		goto out;
	}
	if (pid == 0)
		child(argv, pfd, epfd[1]);
	close(pfd[1]);
	close(epfd[1]);
	pfd[1] = epfd[1] = -1;
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			killed = true;
			break;
		}
		pfds[0].fd = pfd[0];
		pfds[0].events = POLLIN;
		if (poll(pfds, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			killed = true;
			break;
		}
		if (pfds[0].revents == 0)
			continue;
		if ((n = read(pfd[0], buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			killed = true;
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			too_much = true;
			killed = true;
			break;
		}
		if (am_buf_add(out, buf, (size_t)n) < 0) {
			killed = true;
			break;
		}
	}
	explicit_bzero(buf, sizeof(buf));
	if (killed)
		kill(pid, SIGKILL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (read(epfd[0], &child_errno, sizeof(child_errno)) ==
	    (ssize_t)sizeof(child_errno)) {
		am_error_set_errno(err, child_errno == ENOENT ? AM_E_NOINPUT :
		    child_errno == EACCES ? AM_E_PERM : AM_E_IO, child_errno,
		    "cannot run %s", argv[0]);
		goto out;
	}
	if (too_much) {
		am_error_set(err, AM_E_INVALID, "%s printed more than %zu "
		    "bytes", argv[0], max);
		goto out;
	}
	if (!killed && WIFEXITED(wstatus))
		*status = WEXITSTATUS(wstatus);
	rc = 0;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (epfd[0] >= 0)
		close(epfd[0]);
	if (epfd[1] >= 0)
		close(epfd[1]);
	if (rc < 0) {
		if (flags & AM_DKIM_RUN_SECRET)
			am_buf_wipe(out);
		else
			am_buf_reset(out);
	}
	return rc;
}

/* "... version 3.4 ..." or "3.13.2": the first dotted number. */
static bool
parse_version(const char *text, unsigned int v[3])
{
	const char *p = strcasestr(text, "version");
	unsigned long n;
	char *end;
	int i;

	if (p == NULL)
		p = text;
	for (; *p != '\0' && (*p < '0' || *p > '9'); p++)
		;
	for (i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			break;
		n = strtoul(p, &end, 10);
		v[i] = n > 100000 ? 100000 : (unsigned int)n;
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	return i >= 1;
}

int
am_dkim_rspamd_version(const char *root, unsigned int version[3],
    bool *found, char *path, size_t size, struct am_error *err)
{
	static const char *const dirs[] = { "/usr/local/sbin",
	    "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
	struct am_buf out = AM_BUF_INIT;
	struct stat st;
	char candidate[4096];
	char *argv[3];
	const char *r = root;
	size_t i, rlen;
	int status;

	*found = false;
	memset(version, 0, 3 * sizeof(version[0]));
	if (r == NULL || strcmp(r, "/") == 0)
		r = "";
	rlen = strlen(r);
	while (rlen > 0 && r[rlen - 1] == '/')
		rlen--;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(candidate, sizeof(candidate), "%.*s%s/rspamd",
		    (int)rlen, r, dirs[i]);
		if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111) != 0)
			break;
	}
	if (i == sizeof(dirs) / sizeof(dirs[0]))
		return 0;
	snprintf(path, size, "%s", candidate);
	argv[0] = candidate;
	argv[1] = "--version";
	argv[2] = NULL;
	/* A daemon that does not answer in time tells us nothing. */
	if (am_dkim_run(argv, 0, 64 * 1024, 10000, &out, &status, err) < 0)
		return -1;
	if (status == 0 && out.data != NULL &&
	    parse_version(out.data, version))
		*found = true;
	am_buf_free(&out);
	return 0;
}

bool
am_dkim_rspamd_loads_pkcs8_ed25519(const unsigned int v[3])
{
	static const unsigned int first[3] = { 3, 13, 2 };
	int i;

	for (i = 0; i < 3; i++)
		if (v[i] != first[i])
			return v[i] > first[i];
	return true;
}
