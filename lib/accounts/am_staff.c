/* Onboarding and offboarding in one plan (am_staff.h). */
#include "am_staff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "am_acct_diff.h"
#include "am_journal.h"
#include "am_passwd.h"

#define ALL_ACCOUNT_FILES (AM_ACCT_F_PASSWD | AM_ACCT_F_GROUP | \
	AM_ACCT_F_GSHADOW | AM_ACCT_F_SHADOW)

static int
begin(const struct am_host *h, const char *login, const char *local,
    bool onboard, bool dry_run, struct am_staff_plan *p,
    struct am_error *err)
{
	memset(p, 0, sizeof(*p));
	p->ep.lockfd = -1;
	p->onboard = onboard;
	p->dry_run = dry_run;
	if (am_acct_name_check(login, err) < 0)
		return -1;
	if ((p->login = strdup(login)) == NULL ||
	    asprintf(&p->address, "%s@%s", local != NULL ? local : login,
	    am_host_conf(h, AM_CONF_DOMAIN)) < 0) {
		p->address = NULL;
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	}
	if (am_edit_users_address(h, p->address, false, err) < 0)
		return -1;
	/*
	 * The users file is checked (present, a file, writable) before any
	 * lock is taken; then the account locks, then the file's lock.
	 */
	if (am_edit_open(&p->edit, h, AM_MAP_POSTMAP, NULL, err) < 0)
		return -1;
	p->edit_open = true;
	if (am_acct_db_open(&p->db, h->root, ALL_ACCOUNT_FILES, !dry_run,
	    h->lock_timeout_ms, err) < 0)
		return -1;
	p->db_open = true;
	am_acct_db_notes(h, &p->db);
	if (!dry_run)
		am_journal_sweep(p->edit.path);
	return 0;
}

/* Empty and expire the new account's password (passwd clear). */
static int
clear_password(const struct am_host *h, const struct am_staff_onboard_opts *o,
    struct am_staff_plan *p, struct am_error *err)
{
	struct am_passwd_opts po = AM_PASSWD_OPTS_INIT;
	struct am_acct_file *sh = &p->db.file[AM_ACCT_SHADOW];
	struct am_acct_entry e;
	long si;
	int rc = -1;

	po.user = o->login;
	po.allow_nullok = o->allow_nullok;
	if (am_passwd_clear_guard(h, &po, false, err) < 0)
		return -1;
	if ((si = am_acct_find(sh, o->login, err)) < 0 ||
	    am_acct_entry_get(sh, (size_t)si, &e, err) < 0)
		return -1;
	if (am_acct_entry_set_field(&e, 1, "", err) == 0 &&
	    am_acct_entry_set_field(&e, 2, "0", err) == 0 &&
	    am_acct_replace(sh, (size_t)si, &e, err) == 0)
		rc = 0;
	am_acct_entry_free(&e);
	if (rc == 0)
		p->password_cleared = true;
	return rc;
}

static bool
accounts_changed(const struct am_staff_plan *p)
{
	size_t k;

	for (k = 0; k < AM_ACCT_NKINDS; k++)
		if (p->db.file[k].changed)
			return true;
	return false;
}

int
am_staff_onboard_plan(const struct am_host *h,
    const struct am_staff_onboard_opts *o, struct am_staff_plan *p,
    struct am_error *err)
{
	struct am_useradd_opts uo = { .login = o->login, .gecos = o->name,
	    .groups = o->groups, .ngroups = o->ngroups };
	struct am_edit_list dests = { NULL, 0 };
	struct am_edit_req req;
	int rc = -1;

	if (begin(h, o->login, o->address, true, o->dry_run, p, err) < 0)
		return -1;
	if (o->category == NULL)
		return am_error_set(err, AM_E_USAGE, "onboarding needs the "
		    "category of the users file (--category)");
	/* LOGIN itself is checked above; its passwd line is planned below. */
	if (o->forward != NULL &&
	    am_edit_users_dests(h, o->forward, &dests, err) < 0)
		return -1;
	if (o->forward == NULL && am_edit_split(o->login, "login", &dests,
	    err) < 0)
		return -1;
	if (am_useradd_plan(h, &p->db, &uo, &p->ua, err) < 0)
		goto out;
	if (!p->ua.existed && clear_password(h, o, p, err) < 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.op = AM_EDIT_ADD;
	req.key = p->address;
	req.dests = (const char *const *)dests.v;
	req.ndests = dests.n;
	req.category = o->category;
	req.dry_run = o->dry_run;
	p->ep_open = true;
	if (am_edit_plan(&p->edit, &req, &p->ep, err) < 0)
		goto out;
	p->changed = accounts_changed(p) || p->ep.text_changed ||
	    p->ep.rebuild || (!p->ua.existed && !p->ua.home_exists);
	rc = 0;
out:
	am_edit_list_free(&dests);
	return rc;
}

/* The value the address has now; "" when it is not there. */
static const char *
current_value(const struct am_staff_plan *p)
{
	return p->ep.entry != NULL ? p->ep.entry->value : "";
}

/*
 * A forward is an edit that replaces the address; for an absent address
 * on a file with categories the edit fails for want of one, which would
 * hide the reason: there is nothing to forward.  Turns err into that when
 * the address is indeed absent; otherwise err stays.
 */
static void
forward_absent(struct am_staff_plan *p, struct am_error *err)
{
	struct am_mapedit med;
	struct am_error ignored;
	long i;

	am_error_clear(&ignored);
	if (am_edit_read(&p->edit, &med, &ignored) < 0)
		return;
	i = am_mapedit_find(&med, p->address, &ignored);
	am_mapedit_free(&med);
	if (i != -1)
		return;
	p->address_absent = true;
	am_error_set(err, AM_E_NOUSER, "%s is not in %s; nothing to forward",
	    p->address, p->edit.path);
}

int
am_staff_offboard_plan(const struct am_host *h,
    const struct am_staff_offboard_opts *o, struct am_staff_plan *p,
    struct am_error *err)
{
	struct am_userdel_opts uo = { .login = o->login,
	    .delete = o->delete };
	struct am_edit_list dests = { NULL, 0 };
	struct am_edit_req req;
	const char *now;
	int rc = -1;

	if (begin(h, o->login, o->address, false, o->dry_run, p, err) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.key = p->address;
	req.dry_run = o->dry_run;
	if (o->forward != NULL) {
		if (am_edit_users_dests(h, o->forward, &dests, err) < 0)
			goto out;
		req.op = AM_EDIT_ADD;
		req.dests = (const char *const *)dests.v;
		req.ndests = dests.n;
		req.note = o->note;
		req.replace = true;
	} else {
		req.op = AM_EDIT_REMOVE;
	}
	p->ep_open = true;
	if (am_edit_plan(&p->edit, &req, &p->ep, err) < 0) {
		if (o->forward != NULL && err->code == AM_E_USAGE)
			forward_absent(p, err);
		goto out;
	}
	now = current_value(p);
	/*
	 * Only the address of this person: LOGIN@domain is by its name
	 * (whatever it points at: the forward of an earlier offboarding,
	 * say); another address (--address) must point at LOGIN, or already
	 * at the forward (a re-run).  A forward never creates an address.
	 */
	if (p->ep.entry == NULL) {
		p->address_absent = true;
		if (o->forward != NULL) {
			am_error_set(err, AM_E_NOUSER, "%s is not in %s; "
			    "nothing to forward", p->address, p->edit.path);
			goto out;
		}
	} else if (o->address != NULL && strcmp(now, o->login) != 0 &&
	    (o->forward == NULL || p->ep.value == NULL ||
	    strcmp(now, p->ep.value) != 0)) {
		am_error_set_at(err, AM_E_EXISTS_DIFFERENT, p->edit.path,
		    p->ep.entry->line, "%s points at \"%s\", not at %s; not "
		    "changed", p->address, now, o->login);
		goto out;
	}
	if (am_userdel_plan(h, &p->db, &uo, &p->ud, err) < 0)
		goto out;
	p->changed = accounts_changed(p) || p->ep.text_changed ||
	    p->ep.rebuild;
	rc = 0;
out:
	am_edit_list_free(&dests);
	return rc;
}

int
am_staff_diff(const struct am_staff_plan *p, struct am_buf *out,
    struct am_error *err)
{
	size_t k;

	for (k = 0; k < AM_ACCT_NKINDS; k++)
		if (p->db.file[k].changed &&
		    am_acct_diff(&p->db.file[k], out, err) < 0)
			return -1;
	if (p->onboard && !p->ua.existed && !p->ua.home_exists &&
	    am_buf_printf(out, "--- /dev/null\n+++ %s/\n@@ -0,0 +1 @@\n"
	    "+directory %04o %lu:%lu, a copy of /etc/skel\n",
	    p->ua.home_path, (unsigned int)p->ua.home_mode,
	    (unsigned long)p->ua.uid, (unsigned long)p->ua.gid) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (!p->onboard && p->ud.deleted && p->ud.home_path != NULL &&
	    access(p->ud.home_path, F_OK) == 0 &&
	    am_buf_printf(out, "--- %s/\n+++ /dev/null\n@@ -1 +0,0 @@\n"
	    "-directory and everything in it\n", p->ud.home_path) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	if (p->ep.diff.len > 0 &&
	    am_buf_add(out, p->ep.diff.data, p->ep.diff.len) < 0)
		return am_error_set(err, AM_E_NOMEM, "out of memory");
	return 0;
}

int
am_staff_commit(const struct am_host *h, struct am_staff_plan *p,
    struct am_error *err)
{
	struct am_journal j;
	int rc = -1;

	if (p->dry_run || p->committed)
		return am_error_set(err, AM_E_INTERNAL, "am_staff_commit: %s "
		    "plan", p->dry_run ? "a dry-run" : "a committed");
	p->committed = true;
	if (am_journal_init(&j, h->root, err) < 0)
		return -1;
	if (am_acct_db_stage(&p->db, &j, err) < 0 ||
	    (p->onboard && am_useradd_stage_home(h, &p->ua, &j, err) < 0) ||
	    (!p->onboard && am_userdel_stage_home(&p->ud, &j, err) < 0) ||
	    am_edit_stage(&p->ep, &j, err) < 0)
		goto out;
	if (am_journal_commit(&j, err) < 0)
		goto out;
	/* The table last: derived from the file, rebuilt by any re-run. */
	rc = am_edit_rebuild(&p->ep, err);
out:
	am_journal_free(&j);
	return rc;
}

void
am_staff_plan_free(struct am_staff_plan *p)
{
	if (p == NULL)
		return;
	if (p->ep_open)
		am_edit_plan_free(&p->ep);
	if (p->db_open)
		am_acct_db_close(&p->db);
	if (p->edit_open)
		am_edit_free(&p->edit);
	am_useradd_free(&p->ua);
	am_userdel_free(&p->ud);
	free(p->login);
	free(p->address);
	memset(p, 0, sizeof(*p));
	p->ep.lockfd = -1;
}
