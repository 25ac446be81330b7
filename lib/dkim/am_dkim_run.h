/*
 * am_dkim_run - the programs archmail dkim asks for a fact: a vault
 * password script (am_vault.h) and the installed rspamd's version.
 *
 * A program is run directly (execv, never a shell), with standard input
 * from /dev/null and standard error inherited, and its standard output
 * is captured up to a limit.  A program that does not finish in time is
 * killed.
 */
#ifndef AM_DKIM_RUN_H
#define AM_DKIM_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "am_buf.h"
#include "am_error.h"

/*
 * Run argv[0] with argv; its output into out (reset first; flags as
 * am_file's AM_FILE_WIPE: 0 or AM_DKIM_RUN_SECRET), at most max bytes.
 * *status is the exit status (0-255), or -1 when it was killed by a
 * signal or took longer than timeout_ms.  -1 with err when it could not
 * be started (AM_E_NOINPUT: no such program) or said too much.
 */
#define AM_DKIM_RUN_SECRET 0x1
int am_dkim_run(char *const argv[], unsigned int flags, size_t max,
    int timeout_ms, struct am_buf *out, int *status, struct am_error *err);

/*
 * The version of ROOT's rspamd: the first "rspamd" that is an executable
 * file in ROOT's /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin,
 * /sbin or /bin (root NULL or "/": the machine's), asked with --version.
 * *found false (and 0) when there is none or it gives no version; its
 * path goes to path (size bytes).
 */
int am_dkim_rspamd_version(const char *root, unsigned int version[3],
    bool *found, char *path, size_t size, struct am_error *err);

/*
 * rspamd 3.13.2 was the first to load Ed25519 keys in PKCS#8 (PEM or
 * DER); before it only its own base64 form.
 */
bool am_dkim_rspamd_loads_pkcs8_ed25519(const unsigned int version[3]);

#endif
