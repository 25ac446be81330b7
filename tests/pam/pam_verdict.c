/*
 * pam_verdict - the real-libpam oracle of tests/cli/pam_differential.sh.
 *
 * usage: pam_verdict [-a] CONFDIR USER SERVICE...
 *
 * For each SERVICE, runs pam_start_confdir() (CONFDIR "" means libpam's
 * own search, as pam_start()) and pam_authenticate() with a conversation
 * that answers every prompt with "wrong-password", and with -a then
 * pam_acct_mgmt() as Dovecot and saslauthd do, and prints
 * "SERVICE accept" (every call succeeded) or "SERVICE reject".  pam_unix reads /etc/passwd and
 * /etc/shadow: run it in a private mount namespace with scratch copies
 * bound over them, never against the real files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

static int
answer(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r;
	int i;

	(void)data;
	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		if ((msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON) &&
		    (r[i].resp = strdup("wrong-password")) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* pam_unix asks for a 2 s delay after a failure: not here. */
static void
no_delay(int retval, unsigned usec, void *data)
{
	(void)retval;
	(void)usec;
	(void)data;
}

int
main(int argc, char *argv[])
{
	struct pam_conv conv = { answer, NULL };
	pam_handle_t *pamh;
	const char *confdir;
	int i, rc, acct = 0;

	if (argc > 1 && strcmp(argv[1], "-a") == 0) {
		acct = 1;
		argc--;
		argv++;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: pam_verdict [-a] CONFDIR USER "
		    "SERVICE...\n");
		return 2;
	}
	confdir = argv[1][0] != '\0' ? argv[1] : NULL;
	for (i = 3; i < argc; i++) {
		pamh = NULL;
		rc = pam_start_confdir(argv[i], argv[2], &conv, confdir, &pamh);
		if (rc == PAM_SUCCESS) {
			(void)pam_set_item(pamh, PAM_FAIL_DELAY,
			    (const void *)no_delay);
			rc = pam_authenticate(pamh, 0);
		}
		if (rc == PAM_SUCCESS && acct)
			rc = pam_acct_mgmt(pamh, 0);
		printf("%s %s\n", argv[i], rc == PAM_SUCCESS ? "accept" :
		    "reject");
		if (pamh != NULL)
			pam_end(pamh, rc);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
