/*
 * The checks Postfix's postmap and postalias make at start-up that look
 * past main.cf's syntax, at the host: a value must name a syslog facility,
 * a log file under the allowed prefixes,
 * known protocols, local interfaces, existing unprivileged accounts, a
 * readable origin file, one mynetworks style, VERP delimiters the filter
 * allows (Postfix 3.7's mail_params_init(), in its order).  A main.cf
 * that Postfix refuses here is refused, with Postfix's words, naming the
 * line of the setting at fault.
 *
 * "The host" is the machine archmail runs on for interfaces (as for
 * Postfix), and the --root directory for files: its /etc/passwd and
 * /etc/group, and the myorigin file.  The account checks run only when
 * main.cf names an account (mail_owner, setgid_group or default_privs):
 * with Postfix's default names, tables can be built before the postfix
 * package made its accounts, and in sysroots without them (a deliberate
 * difference, archmail-postmap(8)).
 */
#include <ifaddrs.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "am_buf.h"
#include "am_conf.h"
#include "am_file.h"
#include "am_host.h"

/* Postfix's separators of list values (CHARS_COMMA_SP). */
#define LIST_SEPARATORS	", \t\r\n"

/* The syslog facilities glibc's <syslog.h> gives Postfix. */
static const char *const facilities[] = {
	"auth", "authpriv", "cron", "daemon", "ftp", "kern", "lpr", "mail",
	"news", "syslog", "user", "uucp", "local0", "local1", "local2",
	"local3", "local4", "local5", "local6", "local7",
};

/* main.cf's line of name, for messages (0 when only a default). */
static long
line_of(const struct am_postconf *pc, const char *name)
{
	size_t i;

	for (i = pc->count; i > 0; i--)
		if (strcmp(pc->param[i - 1].name, name) == 0)
			return pc->param[i - 1].line;
	return 0;
}

static bool
is_set(const struct am_postconf *pc, const char *name)
{
	return line_of(pc, name) != 0;
}

/* name's value as postmap reads it; "" for one without any. */
static int
value(const struct am_postconf *pc, const char *name, char **out,
    struct am_error *err)
{
	if (am_postconf_eval_read(pc, name, out, err) < 0)
		return -1;
	if (*out == NULL && (*out = strdup("")) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

static int
refuse(const struct am_postconf *pc, const char *name, struct am_error *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
refuse(const struct am_postconf *pc, const char *name, struct am_error *err,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return am_error_set_at(err, AM_E_CONFIG, pc->path, line_of(pc, name),
	    "%s", msg);
}

static int
check_syslog_facility(const struct am_postconf *pc, struct am_error *err)
{
	char *v;
	size_t i;
	int rc = -1;

	if (value(pc, "syslog_facility", &v, err) < 0)
		return -1;
	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(v, facilities[i]) == 0)
			rc = 0;
	if (rc < 0)
		refuse(pc, "syslog_facility", err, "parameter syslog_facility: "
		    "unrecognized value: %s", v);
	free(v);
	return rc;
}

/* maillog_file, when set: a path under one of maillog_file_prefixes. */
static int
check_maillog_file(const struct am_postconf *pc, struct am_error *err)
{
	char *file, *prefixes, *p;
	size_t len;
	int rc = -1;

	if (value(pc, "maillog_file", &file, err) < 0)
		return -1;
	if (*file == '\0') {
		free(file);
		return 0;
	}
	if (value(pc, "maillog_file_prefixes", &prefixes, err) < 0) {
		free(file);
		return -1;
	}
	for (p = prefixes; rc < 0; p += len) {
		p += strspn(p, LIST_SEPARATORS);
		if ((len = strcspn(p, LIST_SEPARATORS)) == 0)
			break;
		if (strncmp(file, p, len) == 0)
			rc = 0;
	}
	if (rc < 0)
		refuse(pc, "maillog_file", err, "maillog_file value '%s' does "
		    "not match any prefix in maillog_file_prefixes", file);
	free(file);
	free(prefixes);
	return rc;
}

/*
 * The words of a list setting, each one of names[] (case counts, as in
 * Postfix's name_mask()); *seen gets bit i for names[i].  context and
 * Postfix's message: unknown CONTEXT value "WORD" in "VALUE".
 */
static int
check_words(const struct am_postconf *pc, const char *name,
    const char *context, const char *const *names, size_t count,
    const char *v, unsigned *seen, struct am_error *err)
{
	const char *p = v;
	size_t len, i;

	*seen = 0;
	for (;;) {
		p += strspn(p, LIST_SEPARATORS);
		if ((len = strcspn(p, LIST_SEPARATORS)) == 0)
			return 0;
		for (i = 0; i < count; i++)
			if (strlen(names[i]) == len &&
			    memcmp(names[i], p, len) == 0)
				break;
		if (i == count)
			return refuse(pc, name, err, "unknown %s value \"%.*s\" "
			    "in \"%s\"", context, (int)len, p, v);
		*seen |= 1u << i;
		p += len;
	}
}

/* The protocols inet_protocols allows, as bits (none: 0). */
enum { PROTO_IPV4 = 1, PROTO_IPV6 = 2 };

static int
check_inet_protocols(const struct am_postconf *pc, unsigned *protocols,
    struct am_error *err)
{
	static const char *const names[] = { "ipv4", "ipv6", "all" };
	unsigned seen;
	char *v;
	int rc;

	if (value(pc, "inet_protocols", &v, err) < 0)
		return -1;
	rc = check_words(pc, "inet_protocols", "inet_protocols", names, 3, v,
	    &seen, err);
	free(v);
	*protocols = (seen & 4) ? PROTO_IPV4 | PROTO_IPV6 :
	    ((seen & 1) ? PROTO_IPV4 : 0) | ((seen & 2) ? PROTO_IPV6 : 0);
	return rc;
}

static bool
same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr,
		    sizeof(struct in_addr)) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr,
	    sizeof(struct in6_addr)) == 0;
}

/* Whether one of this machine's interfaces has the address sa. */
static bool
is_local(const struct ifaddrs *ifs, const struct sockaddr *sa)
{
	for (; ifs != NULL; ifs = ifs->ifa_next)
		if (ifs->ifa_addr != NULL && same_address(ifs->ifa_addr, sa))
			return true;
	return false;
}

/*
 * One host of inet_interfaces: a name or an address ([brackets] allowed)
 * of the protocols allowed, every address of it on a local interface.
 */
static int
check_interface(const struct am_postconf *pc, const struct ifaddrs *ifs,
    unsigned protocols, char *host, struct am_error *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char shown[NI_MAXHOST];
	size_t len = strlen(host);
	bool found = false;
	int rc = 0;

	if (len > 1 && host[0] == '[' && host[len - 1] == ']') {
		host[len - 1] = '\0';
		host++;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = protocols == PROTO_IPV4 ? AF_INET :
	    protocols == PROTO_IPV6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return refuse(pc, "inet_interfaces", err, "config variable "
		    "inet_interfaces: host not found: %s", host);
	for (ai = res; ai != NULL && rc == 0; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		found = true;
		if (is_local(ifs, ai->ai_addr))
			continue;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, shown,
		    sizeof(shown), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(shown, sizeof(shown), "%s", host);
		rc = refuse(pc, "inet_interfaces", err, "parameter "
		    "inet_interfaces: no local interface found for %s", shown);
	}
	freeaddrinfo(res);
	if (rc == 0 && !found)
		rc = refuse(pc, "inet_interfaces", err, "config variable "
		    "inet_interfaces: host not found: %s", host);
	return rc;
}

/*
 * inet_interfaces, when set: "all", "loopback-only" (the whole value), or
 * hosts that must be this machine's; nothing to check with no protocols.
 */
static int
check_inet_interfaces(const struct am_postconf *pc, unsigned protocols,
    struct am_error *err)
{
	struct ifaddrs *ifs = NULL;
	char *v, *p, *host;
	int rc = 0;

	if (!is_set(pc, "inet_interfaces") || protocols == 0)
		return 0;
	if (value(pc, "inet_interfaces", &v, err) < 0)
		return -1;
	if (strcmp(v, "all") == 0 || strcmp(v, "loopback-only") == 0) {
		free(v);
		return 0;
	}
	if (getifaddrs(&ifs) < 0)
		ifs = NULL;
	for (p = v; rc == 0 && (host = strsep(&p, " \t,")) != NULL;)
		if (*host != '\0')
			rc = check_interface(pc, ifs, protocols, host, err);
	if (ifs != NULL)
		freeifaddrs(ifs);
	free(v);
	return rc;
}

/*
 * myorigin naming a file (Debian's Postfix, e.g. /etc/mailname): its
 * first line, white space around it dropped, under the root; refused
 * when it cannot be read, is empty, or has more than one link.  Postfix
 * would hang on a FIFO there; archmail refuses anything but a file.
 */
static int
origin_from_file(const struct am_postconf *pc, char **origin,
    struct am_error *err)
{
	struct am_buf text = AM_BUF_INIT;
	struct am_error ferr;
	struct stat st;
	char none[1] = "", *path, *p, *end;

	if ((path = am_root_join(pc->root, *origin)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	am_error_clear(&ferr);
	if (am_file_read(path, AM_FILE_FOLLOW, 64 * 1024, &text, &st,
	    &ferr) < 0) {
		free(path);
		return refuse(pc, "myorigin", err, "%s: cannot open file: %s",
		    *origin, ferr.message);
	}
	free(path);
	if (st.st_nlink > 1) {
		am_buf_free(&text);
		return refuse(pc, "myorigin", err, "%s: file has %lu hard "
		    "links", *origin, (unsigned long)st.st_nlink);
	}
	/* An empty file may leave no buffer at all. */
	p = text.data != NULL ? text.data : none;
	p[strcspn(p, "\n")] = '\0';
	p += strspn(p, " \t\r\v\f");
	for (end = p + strlen(p); end > p && strchr(" \t\r\v\f", end[-1]);)
		*--end = '\0';
	if (*p == '\0') {
		am_buf_free(&text);
		return refuse(pc, "myorigin", err, "myorigin file %s is empty",
		    *origin);
	}
	free(*origin);
	*origin = strdup(p);
	am_buf_free(&text);
	if (*origin == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

static int
check_myorigin(const struct am_postconf *pc, struct am_error *err)
{
	char *v;
	int rc = 0;

	if (value(pc, "myorigin", &v, err) < 0)
		return -1;
	if (*v == '/')
		rc = origin_from_file(pc, &v, err);
	if (rc == 0 && v[strcspn(v, LIST_SEPARATORS)] != '\0')
		rc = refuse(pc, "myorigin", err, "myorigin parameter setting "
		    "must not contain multiple values: %s", v);
	free(v);
	return rc;
}

/* One entry of ROOT/etc/passwd or ROOT/etc/group. */
struct account {
	char name[256];
	long id;
	long gid;			/* passwd only */
};

/*
 * The first entry of the file named name (by_id false) or with id (by_id
 * true), as getpwnam()/getpwuid() find it in files; 0 when none.
 */
static int
find_account(const struct am_buf *db, bool by_id, const char *name, long id,
    struct account *out)
{
	const char *line = db->data, *next, *f[4];
	size_t i, n;
	char *end;

	for (; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : NULL;
		for (f[0] = line, i = 1; i < 4; i++) {
			f[i] = strchr(f[i - 1], ':');
			if (f[i] == NULL || (next != NULL && f[i] >= next))
				break;
			f[i]++;
		}
		if (i < 4)
			continue;
		n = (size_t)(f[1] - 1 - f[0]);
		if (n == 0 || n >= sizeof(out->name))
			continue;
		memcpy(out->name, f[0], n);
		out->name[n] = '\0';
		out->id = strtol(f[2], &end, 10);
		if (*end != ':')
			continue;
		out->gid = strtol(f[3], &end, 10);
		if (by_id ? out->id == id : strcmp(out->name, name) == 0)
			return 1;
	}
	return 0;
}

/* Postfix's checks of one user: known, not uid 0, not gid 0, not shared. */
static int
check_user(const struct am_postconf *pc, const struct am_buf *passwd,
    const char *param, const char *user, bool shared_check,
    struct account *out, struct am_error *err)
{
	struct account other;

	if (!find_account(passwd, false, user, 0, out))
		return refuse(pc, param, err, "parameter %s: unknown "
		    "user name value: %s", param, user);
	if (out->id == 0)
		return refuse(pc, param, err, "parameter %s: user %s "
		    "has privileged user ID", param, user);
	if (out->gid == 0)
		return refuse(pc, param, err, "parameter %s: user %s "
		    "has privileged group ID", param, user);
	if (shared_check && find_account(passwd, true, NULL, out->id,
	    &other) && strcmp(other.name, user) != 0)
		return refuse(pc, param, err, "parameter %s: user %s "
		    "has same user ID as %s", param, user,
		    other.name);
	return 0;
}

static int
check_group(const struct am_postconf *pc, const struct am_buf *group,
    const char *name, struct account *out, struct am_error *err)
{
	struct account other;

	if (!find_account(group, false, name, 0, out))
		return refuse(pc, "setgid_group", err, "parameter "
		    "setgid_group: unknown group name: %s", name);
	if (out->id == 0)
		return refuse(pc, "setgid_group", err, "parameter "
		    "setgid_group: group %s has privileged group ID", name);
	if (find_account(group, true, NULL, out->id, &other) &&
	    strcmp(other.name, name) != 0)
		return refuse(pc, "setgid_group", err, "parameter "
		    "setgid_group: group %s has same group ID as %s", name,
		    other.name);
	return 0;
}

/* Of two parameters at fault together, the one main.cf sets (for its line). */
static const char *
either(const struct am_postconf *pc, const char *a, const char *b)
{
	return is_set(pc, a) ? a : b;
}

/* Postfix's check_overlap(): three accounts, no ID in common. */
static int
check_overlap(const struct am_postconf *pc, const char *privs,
    const char *owner, const char *sgid, const struct account *p,
    const struct account *o, const struct account *g, struct am_error *err)
{
	const char *po = either(pc, "default_privs", "mail_owner");

	if (strcmp(privs, owner) == 0)
		return refuse(pc, po, err, "parameters default_privs and "
		    "mail_owner specify the same user %s", privs);
	if (p->id == o->id)
		return refuse(pc, po, err, "parameters default_privs and "
		    "mail_owner: users %s and %s have the same user ID: %ld",
		    privs, owner, o->id);
	if (p->gid == o->gid)
		return refuse(pc, po, err, "parameters default_privs and "
		    "mail_owner: users %s and %s have the same group ID: %ld",
		    privs, owner, o->gid);
	if (p->gid == g->id)
		return refuse(pc, either(pc, "default_privs", "setgid_group"),
		    err, "parameters default_privs and setgid_group: user %s "
		    "and group %s have the same group ID: %ld", privs, sgid,
		    g->id);
	if (o->gid == g->id)
		return refuse(pc, either(pc, "mail_owner", "setgid_group"),
		    err, "parameters mail_owner and setgid_group: user %s "
		    "and group %s have the same group ID: %ld", owner, sgid,
		    g->id);
	return 0;
}

static int
read_db(const struct am_postconf *pc, const char *file, struct am_buf *out,
    struct am_error *err)
{
	char *path;
	int rc;

	if ((path = am_root_join(pc->root, file)) == NULL)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	rc = am_file_read(path, AM_FILE_FOLLOW, 0, out, NULL, err);
	if (rc < 0)
		err->code = AM_E_CONFIG;
	free(path);
	return rc;
}

static int
check_accounts(const struct am_postconf *pc, struct am_error *err)
{
	struct am_buf passwd = AM_BUF_INIT, group = AM_BUF_INIT;
	struct account p, o, g;
	char *privs = NULL, *owner = NULL, *sgid = NULL;
	int rc = -1;

	if (!is_set(pc, "default_privs") && !is_set(pc, "mail_owner") &&
	    !is_set(pc, "setgid_group"))
		return 0;
	if (value(pc, "default_privs", &privs, err) < 0 ||
	    value(pc, "mail_owner", &owner, err) < 0 ||
	    value(pc, "setgid_group", &sgid, err) < 0 ||
	    read_db(pc, "/etc/passwd", &passwd, err) < 0 ||
	    read_db(pc, "/etc/group", &group, err) < 0)
		goto out;
	if (check_user(pc, &passwd, "default_privs", privs, false, &p,
	    err) < 0 ||
	    check_user(pc, &passwd, "mail_owner", owner, true, &o, err) < 0 ||
	    check_group(pc, &group, sgid, &g, err) < 0 ||
	    check_overlap(pc, privs, owner, sgid, &p, &o, &g, err) < 0)
		goto out;
	rc = 0;
out:
	am_buf_free(&passwd);
	am_buf_free(&group);
	free(privs);
	free(owner);
	free(sgid);
	return rc;
}

/*
 * mynetworks_style, when mynetworks is not set (Postfix computes its
 * default from it) and inet_protocols allows a protocol (Postfix skips
 * the computation otherwise): exactly one of class, subnet and host.
 */
static int
check_mynetworks_style(const struct am_postconf *pc, unsigned protocols,
    struct am_error *err)
{
	static const char *const names[] = { "class", "subnet", "host" };
	unsigned seen;
	char *v;
	int rc;

	if (is_set(pc, "mynetworks") || protocols == 0)
		return 0;
	if (value(pc, "mynetworks_style", &v, err) < 0)
		return -1;
	rc = check_words(pc, "mynetworks_style", "mynetworks mask style",
	    names, 3, v, &seen, err);
	if (rc == 0 && seen != 1 && seen != 2 && seen != 4)
		rc = refuse(pc, "mynetworks_style", err, "bad mynetworks_style "
		    "value: %s; specify exactly one value", v);
	free(v);
	return rc;
}

static int
check_verp(const struct am_postconf *pc, struct am_error *err)
{
	char *delims, *filter;
	const char *what = NULL;
	int rc = 0;

	if (value(pc, "default_verp_delimiters", &delims, err) < 0)
		return -1;
	if (value(pc, "verp_delimiter_filter", &filter, err) < 0) {
		free(delims);
		return -1;
	}
	/* Postfix's length limits made it two characters. */
	if (strlen(delims) != 2)
		what = "bad VERP delimiter character count";
	else if (strchr(filter, delims[0]) == NULL)
		what = "bad first VERP delimiter character";
	else if (strchr(filter, delims[1]) == NULL)
		what = "bad second VERP delimiter character";
	if (what != NULL)
		rc = refuse(pc, is_set(pc, "default_verp_delimiters") ?
		    "default_verp_delimiters" : "verp_delimiter_filter", err,
		    "parameters default_verp_delimiters and "
		    "verp_delimiter_filter: %s", what);
	free(delims);
	free(filter);
	return rc;
}

int
am_postconf_check_host(const struct am_postconf *pc, struct am_error *err)
{
	unsigned protocols;

	if (check_syslog_facility(pc, err) < 0 ||
	    check_maillog_file(pc, err) < 0 ||
	    check_inet_protocols(pc, &protocols, err) < 0 ||
	    check_myorigin(pc, err) < 0 ||
	    check_accounts(pc, err) < 0 ||
	    check_mynetworks_style(pc, protocols, err) < 0 ||
	    check_inet_interfaces(pc, protocols, err) < 0 ||
	    check_verp(pc, err) < 0)
		return -1;
	return 0;
}
