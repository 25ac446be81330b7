/*
 * Unit tests for am_vault: known answers made by ansible-core 2.14
 * (Debian 12) — VaultAES256.encrypt() with a fixed salt for the exact
 * bytes of encryption, and files written by the real "ansible-vault
 * encrypt" (random salts) for decryption; round trips; refusals (wrong
 * password, altered ciphertext, bad header, unsupported cipher); and the
 * password file rules of Ansible (whole file less surrounding
 * whitespace, scripts run, client scripts given --vault-id).
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

#include "am_vault.h"
#include "unit_helpers.h"

/*
 * VaultAES256.encrypt(b"hello vault\n", VaultSecret(b"hunter2"),
 * salt=bytes(range(32))) through format_vaulttext_envelope().
 */
static const char kat_11[] =
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "30303031303230333034303530363037303830393061306230633064306530663130313131323133\n"
    "3134313531363137313831393161316231633164316531660a656566646364666539306262323761\n"
    "38326435303163383833383233396638313639666435323862333764363863316530386161306131\n"
    "3533373631333530650a303038313762653165656463316633643733303738316335356365396234\n"
    "3164\n";

/* The same with b"" and vault_id="prod": format 1.2, a full pad block. */
static const char kat_12_empty[] =
    "$ANSIBLE_VAULT;1.2;AES256;prod\n"
    "30303031303230333034303530363037303830393061306230633064306530663130313131323133\n"
    "3134313531363137313831393161316231633164316531660a386335373063316262316364353165\n"
    "37386563663737376437396533633032303132623766393736653266383134336438393861303061\n"
    "3337373064383931320a373866343037396439316563373934633136376265356466343866646130\n"
    "3039\n";

/* ansible-vault encrypt --vault-password-file pw (pw: "hunter2\n"). */
static const char real_11[] =
    "$ANSIBLE_VAULT;1.1;AES256\n"
    "62353334636464346436653266386338663233366339333231663832343739656261613436386433\n"
    "3939366166663439376634616262343565653362643630650a633761353930616166623865383464\n"
    "64343339663735333666343538336331363261393132323261343563616663336136663734323034\n"
    "3365613963383930650a373932366362636137653164353236653439633861376336323334316632\n"
    "3764\n";

/* ansible-vault encrypt --vault-id prod@pw of "sixteen bytes!!!". */
static const char real_12[] =
    "$ANSIBLE_VAULT;1.2;AES256;prod\n"
    "38623664613436666238386435616533313065626266323833336533333137613263616661353236\n"
    "3032623133626232323362353537636136646261666337300a653965666338363539356238623635\n"
    "64646665373638356265353939616538633536663535643732376238383834356333396236363536\n"
    "6264306133613037360a346532323137316166616338336563633238303534313262663137333338\n"
    "34646638396461363264353162386433346233616537326534346536653537353562\n";

static unsigned char salt[AM_VAULT_SALT_LEN];

static int
setup_salt(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (unsigned char)i;
	return 0;
}

static void
test_encrypt_known_answers(void **state)
{
	struct am_buf out = AM_BUF_INIT;
	struct am_error err;

	(void)state;
	assert_int_equal(am_vault_encrypt("hello vault\n", 12, "hunter2", 7,
	    NULL, salt, &out, &err), 0);
	assert_string_equal(out.data, kat_11);
	am_buf_free(&out);
	/* "default" is Ansible's unnamed vault ID: a 1.1 header. */
	assert_int_equal(am_vault_encrypt("hello vault\n", 12, "hunter2", 7,
	    "default", salt, &out, &err), 0);
	assert_string_equal(out.data, kat_11);
	am_buf_free(&out);
	assert_int_equal(am_vault_encrypt("", 0, "hunter2", 7, "prod", salt,
	    &out, &err), 0);
	assert_string_equal(out.data, kat_12_empty);
	am_buf_free(&out);
}

static void
check_decrypt(const char *vault, const char *pw, const char *want,
    const char *want_label)
{
	struct am_buf plain = AM_BUF_INIT;
	struct am_error err;
	char label[64];

	assert_true(am_vault_is_vault(vault, strlen(vault)));
	if (am_vault_decrypt(vault, strlen(vault), pw, strlen(pw), &plain,
	    label, sizeof(label), &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(plain.len, strlen(want));
	assert_memory_equal(plain.data, want, plain.len);
	assert_string_equal(label, want_label);
	am_buf_wipe(&plain);
}

static void
test_decrypt_known_answers(void **state)
{
	(void)state;
	check_decrypt(kat_11, "hunter2", "hello vault\n", "");
	check_decrypt(kat_12_empty, "hunter2", "", "prod");
	check_decrypt(real_11, "hunter2", "hello vault\n", "");
	check_decrypt(real_12, "hunter2", "sixteen bytes!!!", "prod");
}

static void
test_round_trip(void **state)
{
	struct am_buf v = AM_BUF_INIT, v2 = AM_BUF_INIT, p = AM_BUF_INIT;
	struct am_error err;
	unsigned char data[300];
	size_t len, i;
	char *line, *save = NULL;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	for (len = 0; len <= sizeof(data); len += 37) {
		am_buf_free(&v);
		assert_int_equal(am_vault_encrypt(data, len, "pw", 2, "lbl",
		    NULL, &v, &err), 0);
		assert_int_equal(am_vault_decrypt(v.data, v.len, "pw", 2, &p,
		    NULL, 0, &err), 0);
		assert_int_equal(p.len, len);
		if (len > 0)
			assert_memory_equal(p.data, data, len);
		am_buf_wipe(&p);
	}
	/* Random salts: two encryptions of the same text differ. */
	assert_int_equal(am_vault_encrypt(data, 10, "pw", 2, NULL, NULL, &v2,
	    &err), 0);
	am_buf_free(&v);
	assert_int_equal(am_vault_encrypt(data, 10, "pw", 2, NULL, NULL, &v,
	    &err), 0);
	assert_string_not_equal(v.data, v2.data);
	/* Lines of 80 hex digits after the header, a final newline. */
	assert_int_equal(v.data[v.len - 1], '\n');
	for (line = strtok_r(v.data, "\n", &save), i = 0; line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++)
		if (i > 0)
			assert_true(strlen(line) <= 80);
	am_buf_free(&v);
	am_buf_free(&v2);
}

static void
test_refusals(void **state)
{
	struct am_buf p = AM_BUF_INIT, v = AM_BUF_INIT;
	struct am_error err;
	char *bad;
	size_t at;

	(void)state;
	assert_int_equal(am_vault_decrypt(kat_11, strlen(kat_11), "hunter3",
	    7, &p, NULL, 0, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	assert_non_null(strstr(err.message, "wrong vault password"));
	assert_int_equal(p.len, 0);
	/* The last ciphertext digit "d" made "e": the HMAC catches it. */
	bad = strdup(kat_11);
	at = strlen(bad) - 2;
	assert_int_equal(bad[at], '4');
	bad[at] = '5';
	assert_int_equal(am_vault_decrypt(bad, strlen(bad), "hunter2", 7, &p,
	    NULL, 0, &err), -1);
	assert_non_null(strstr(err.message, "wrong vault password"));
	free(bad);
	/* Headers. */
	assert_false(am_vault_is_vault("-----BEGIN PRIVATE KEY-----", 27));
	assert_int_equal(am_vault_decrypt("$ANSIBLE_VAULT;1.1;AES\n3030\n", 27,
	    "x", 1, &p, NULL, 0, &err), -1);
	assert_non_null(strstr(err.message, "cipher AES"));
	assert_int_equal(am_vault_decrypt("$ANSIBLE_VAULT;9.9;AES256\n30\n",
	    28, "x", 1, &p, NULL, 0, &err), -1);
	assert_non_null(strstr(err.message, "format 9.9"));
	assert_int_equal(am_vault_decrypt("$ANSIBLE_VAULT;1.1;AES256\nzz\n",
	    28, "x", 1, &p, NULL, 0, &err), -1);
	assert_int_equal(err.code, AM_E_INVALID);
	/* Labels that would break the header; empty passwords. */
	assert_int_equal(am_vault_encrypt("a", 1, "pw", 2, "a;b", NULL, &v,
	    &err), -1);
	assert_int_equal(am_vault_encrypt("a", 1, "pw", 2, "a b", NULL, &v,
	    &err), -1);
	assert_int_equal(am_vault_encrypt("a", 1, "", 0, NULL, NULL, &v,
	    &err), -1);
	assert_int_equal(v.len, 0);
}

static char dir[128];

static int
setup_dir(void **state)
{
	(void)state;
	return unit_tmpdir_create(dir, sizeof(dir), "vault");
}

static int
teardown_dir(void **state)
{
	(void)state;
	unit_tmpdir_remove(dir);
	return 0;
}

static void
expect_password(const char *name, const char *content, mode_t mode,
    const char *vault_id, const char *want)
{
	struct am_buf pw = AM_BUF_INIT;
	struct am_error err;
	char path[256];

	unit_path(path, sizeof(path), dir, name);
	assert_int_equal(unit_write_file(path, content, strlen(content), mode),
	    0);
	if (want == NULL) {
		assert_int_equal(am_vault_password_read(path, vault_id, &pw,
		    &err), -1);
		assert_int_equal(pw.len, 0);
		return;
	}
	if (am_vault_password_read(path, vault_id, &pw, &err) < 0)
		fail_msg("%s: %s", name, err.message);
	assert_int_equal(pw.len, strlen(want));
	assert_memory_equal(pw.data, want, pw.len);
	am_buf_wipe(&pw);
}

static void
test_password_files(void **state)
{
	struct am_buf pw = AM_BUF_INIT;
	struct am_error err;
	char path[256];

	(void)state;
	/* Ansible: f.read().strip(), the whole file, not the first line. */
	expect_password("a", "hunter2\n", 0600, NULL, "hunter2");
	expect_password("b", "  hunter2 \r\n\n", 0600, NULL, "hunter2");
	expect_password("c", "two\nlines\n", 0600, NULL, "two\nlines");
	expect_password("d", "\n \t\n", 0600, NULL, NULL);
	expect_password("e", kat_11, 0600, NULL, NULL);
	/* Scripts: stdout less surrounding CR and LF, blanks kept. */
	expect_password("s.sh", "#!/bin/sh\nprintf ' sec ret \\n'\n", 0700,
	    NULL, " sec ret ");
	expect_password("f.sh", "#!/bin/sh\necho x; exit 3\n", 0700, NULL,
	    NULL);
	/* A client script is told the vault ID. */
	expect_password("v-client.sh", "#!/bin/sh\n[ \"$1\" = --vault-id ] "
	    "|| exit 1\necho \"pw-$2\"\n", 0700, "prod", "pw-prod");
	expect_password("w-client", "#!/bin/sh\necho \"pw-$2\"\n", 0700, NULL,
	    "pw-default");
	expect_password("u-client.sh", "#!/bin/sh\nexit 2\n", 0700, "x", NULL);
	/* A missing file. */
	unit_path(path, sizeof(path), dir, "missing");
	assert_int_equal(am_vault_password_read(path, NULL, &pw, &err), -1);
	assert_int_equal(err.code, AM_E_NOINPUT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encrypt_known_answers),
		cmocka_unit_test(test_decrypt_known_answers),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test_setup_teardown(test_password_files,
		    setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, setup_salt, NULL);
}
