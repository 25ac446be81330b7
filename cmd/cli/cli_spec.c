/*
 * What every command and subcommand accepts: the tables cli_parse() reads,
 * help and completion print, and the man pages' SYNOPSIS sections match
 * (tests/cli/commands.sh).  A new option is added here, with its line of
 * help, and then handled in the command's option loop.
 */
#include "archmail.h"


#define END { 0, NULL, NULL, NULL }
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* users */

static const struct cli_opt users_list_opts[] = {
	{ 0, "category", "NAME", "only the entries of this category" },
	END,
};
static const struct cli_opt users_add_opts[] = {
	{ 0, "category", "NAME", "add to this existing category" },
	{ 0, "new-category", "NAME", "add to a new category of this name" },
	{ 0, "note", "TEXT", "a comment line above the entry" },
	{ 0, "date", NULL, "start the note with today's date (YYYY-MM-DD)" },
	{ 0, "replace", NULL, "replace an existing entry of ADDRESS" },
	{ 0, "any-domain", NULL, "allow a domain outside \"domains\"" },
	{ 0, "no-compile", NULL, "edit the text only; leave the table" },
	END,
};
static const struct cli_opt no_opts[] = { END };
static const struct cli_opt apply_opts[] = {
	{ 0, "no-compile", NULL, "edit the text only; leave the table" },
	END,
};
static const struct cli_opt users_forward_opts[] = {
	{ 0, "clear", NULL, "remove the .forward file" },
	{ 0, "keep-copy", NULL, "also deliver to the local mailbox" },
	END,
};

static const struct cli_opt users_onboard_opts[] = {
	{ 0, "name", "TEXT", "the person's full name (GECOS field)" },
	{ 0, "category", "NAME", "the users file category of the address" },
	{ 0, "address", "LOCAL", "local part of the address (default LOGIN)" },
	{ 0, "forward", "DEST", "deliver to DEST instead of the account" },
	{ 0, "groups", "G,...", "supplementary groups (must exist)" },
	{ 0, "allow-nullok", NULL, "warn instead of refusing on PAM nullok" },
	END,
};
static const struct cli_opt users_offboard_opts[] = {
	{ 0, "address", "LOCAL", "local part of the address (default LOGIN)" },
	{ 0, "forward", "DEST", "forward the address to DEST (else remove)" },
	{ 0, "note", "TEXT", "a comment line above the forward" },
	{ 0, "date", NULL, "start the note with today's date (YYYY-MM-DD)" },
	{ 0, "delete", NULL, "remove the account and its home" },
	END,
};

static const struct cli_sub users_subs[] = {
	{ "list", "archmail users list [--category NAME]",
	    "Print the entries of the virtual user map.", users_list_opts, 0,
	    0, 0 },
	{ "categories", "archmail users categories",
	    "Print the categories of the virtual user map.", no_opts, 0, 0,
	    0 },
	{ "add", "archmail users add ADDRESS DEST[,DEST...] "
	    "[--category NAME | --new-category NAME] [--note TEXT] [--date] "
	    "[--replace] [--any-domain] [--no-compile] "
	    "[--dry-run | --check]",
	    "Add an address to the virtual user map and rebuild the table.",
	    users_add_opts, 2, 2, CLI_SUB_MODIFIES },
	{ "remove", "archmail users remove ADDRESS [--dry-run | --check]",
	    "Remove an address from the virtual user map and rebuild the "
	    "table.", no_opts, 1, 1, CLI_SUB_MODIFIES },
	{ "apply", "archmail users apply FILE|- [--no-compile] "
	    "[--dry-run | --check]",
	    "Apply JSON Lines of adds and removes as one edit.",
	    apply_opts, 1, 1, CLI_SUB_MODIFIES },
	{ "forward", "archmail users forward USER [DEST...] [--clear] "
	    "[--keep-copy] [--dry-run | --check]",
	    "Set or clear a user's ~/.forward.", users_forward_opts, 1,
	    -1, CLI_SUB_MODIFIES },
	{ "onboard", "archmail users onboard LOGIN --name TEXT --category NAME "
	    "[--address LOCAL] [--forward DEST] [--groups G,...] "
	    "[--allow-nullok] [--dry-run | --check]",
	    "Create a staff member's account and home, add the address, "
	    "empty and expire the password.", users_onboard_opts, 1, 1,
	    CLI_SUB_MODIFIES },
	{ "offboard", "archmail users offboard LOGIN [--address LOCAL] "
	    "[--forward DEST [--note TEXT] [--date]] [--delete] "
	    "[--dry-run | --check]",
	    "Forward or remove the address and lock (or delete) the "
	    "account.", users_offboard_opts, 1, 1, CLI_SUB_MODIFIES },
};

/* alias */

static const struct cli_opt alias_add_opts[] = {
	{ 0, "replace", NULL, "replace an existing alias of NAME" },
	{ 0, "no-compile", NULL, "edit the text only; leave the table" },
	END,
};
static const struct cli_opt alias_servicedesk_opts[] = {
	{ 0, "group", "GROUP", "the GitLab group of the project" },
	{ 0, "project", "PROJECT", "the GitLab project's path name" },
	{ 0, "project-id", "N", "the GitLab project's numeric id" },
	{ 0, "replace", NULL, "replace an existing alias of NAME" },
	END,
};

static const struct cli_sub alias_subs[] = {
	{ "list", "archmail alias list", "Print the aliases.", no_opts, 0, 0,
	    0 },
	{ "add", "archmail alias add NAME VALUE[,VALUE...] [--replace] "
	    "[--no-compile] [--dry-run | --check]",
	    "Add an alias and rebuild the table.", alias_add_opts, 2, 2,
	    CLI_SUB_MODIFIES },
	{ "remove", "archmail alias remove NAME [--dry-run | --check]",
	    "Remove an alias and rebuild the table.", no_opts, 1, 1,
	    CLI_SUB_MODIFIES },
	{ "apply", "archmail alias apply FILE|- [--no-compile] "
	    "[--dry-run | --check]",
	    "Apply JSON Lines of adds and removes as one edit.",
	    apply_opts, 1, 1, CLI_SUB_MODIFIES },
	{ "servicedesk", "archmail alias servicedesk NAME --group GROUP "
	    "--project PROJECT --project-id N [--replace] "
	    "[--dry-run | --check]",
	    "Add a GitLab Service Desk alias and rebuild the table.",
	    alias_servicedesk_opts, 1, 1, CLI_SUB_MODIFIES },
};

/* check */

static const struct cli_opt check_opts[] = {
	{ 0, "dkim-dir", "DIR", "the DKIM keys to check (default: rspamd's "
	    "path settings)" },
	{ 0, "record-file", "FILE", "a published DKIM record, as dig prints "
	    "it" },
	{ 0, "zone", "FILE", "a zone file (or dig output) with the DKIM "
	    "records" },
	END,
};

static const struct cli_sub check_subs[] = {
	{ NULL, "archmail check [AREA...] [--dkim-dir DIR] "
	    "[--record-file FILE] [--zone FILE]",
	    "Check the host's consistency (read-only); AREA: tables, users, "
	    "aliases, forwards, relay, postfwd, passwd, dkim, postfix.",
	    check_opts, 0, -1, 0 },
};

/* dkim */

static const struct cli_opt dkim_keygen_opts[] = {
	{ 's', "selector", "selector", "the DKIM selector (default dkim)" },
	{ 'd', "domain", "domain", "the signing domain" },
	{ 't', "type", "rsa|ed25519", "key type (default rsa)" },
	{ 'b', "bits", "bits", "RSA key size (ignored for ed25519)" },
	{ 'k', "privkey", "keyfile", "write the private key here (default: "
	    "stdout)" },
	{ 'o', "output", "FORMAT", "the record's form: zone (or dns), "
	    "dnskey, plain, txt, strings, terraform, json" },
	{ 'f', "force", NULL, "replace an existing key file" },
	{ 0, "key-format", "pem|pkcs1|der|rspamd", "the key file's format" },
	{ 0, "priv-output", "pem|der", "rspamadm's name for --key-format" },
	{ 0, "ttl", "N", "the record's TTL" },
	{ 0, "fqdn", NULL, "print the record's owner as a full name" },
	{ 0, "mode", "MODE", "the key file's mode (default 0600)" },
	{ 0, "group", "GROUP", "the key file's group" },
	{ 0, "vault-password-file", "PWFILE", "write the key into an Ansible "
	    "Vault of this password" },
	{ 0, "vault-id", "LABEL@PWFILE", "the same, with a vault ID label" },
	END,
};
static const struct cli_opt dkim_record_opts[] = {
	{ 'k', "privkey", "keyfile", "the private key (- for stdin)" },
	{ 's', "selector", "selector", "the DKIM selector" },
	{ 'd', "domain", "domain", "the signing domain" },
	{ 'o', "output", "FORMAT", "the record's form" },
	{ 0, "ttl", "N", "the record's TTL" },
	{ 0, "fqdn", NULL, "print the record's owner as a full name" },
	{ 0, "vault-password-file", "PWFILE", "the key's Ansible Vault password "
	    "(a file, or a script to run)" },
	{ 0, "vault-id", "LABEL@PWFILE", "the same, with a vault ID label" },
	END,
};
static const struct cli_opt dkim_convert_opts[] = {
	{ 'k', "privkey", "keyfile", "the private key to read" },
	{ 0, "key-format", "FORMAT", "the format to write" },
	{ 'O', NULL, "outfile", "the file to write" },
	{ 'f', "force", NULL, "replace an existing file" },
	{ 0, "mode", "MODE", "the new file's mode (default 0600)" },
	{ 0, "group", "GROUP", "the new file's group" },
	{ 0, "vault-password-file", "PWFILE", "read and write Ansible Vaults "
	    "of this password" },
	{ 0, "vault-id", "LABEL@PWFILE", "the same, with a vault ID label" },
	{ 0, "decrypt", NULL, "write the key out of the vault, unencrypted" },
	END,
};
static const struct cli_opt dkim_check_opts[] = {
	{ 'k', "privkey", "keyfile", "the private key" },
	{ 's', "selector", "selector", "the DKIM selector" },
	{ 'd', "domain", "domain", "the signing domain" },
	{ 0, "record", "TEXT", "the published record" },
	{ 0, "record-file", "FILE", "the published record, from a file "
	    "(as dig prints it)" },
	{ 0, "vault-password-file", "PWFILE", "the key's Ansible Vault password "
	    "(a file, or a script to run)" },
	{ 0, "vault-id", "LABEL@PWFILE", "the same, with a vault ID label" },
	END,
};

static const struct cli_sub dkim_subs[] = {
	{ "keygen", "archmail dkim keygen [-s selector] [-d domain] "
	    "[-t rsa|ed25519] [-b bits] [-k keyfile] "
	    "[-o zone|dnskey|plain|txt|strings|terraform|json] [-f] "
	    "[--key-format pem|pkcs1|der|rspamd] [--priv-output pem|der] "
	    "[--ttl N] [--fqdn] [--mode MODE] [--group GROUP] "
	    "[--vault-password-file PWFILE | --vault-id LABEL@PWFILE] "
	    "[--dry-run | --check]",
	    "Generate a DKIM key and print its DNS record.", dkim_keygen_opts,
	    0, 0, CLI_SUB_MODIFIES | CLI_SUB_CRYPTO },
	{ "record", "archmail dkim record -k keyfile [-s selector] "
	    "[-d domain] [-o FORMAT] [--ttl N] [--fqdn] "
	    "[--vault-password-file PWFILE | --vault-id LABEL@PWFILE]",
	    "Print the DNS record of an existing key.", dkim_record_opts, 0, 0,
	    CLI_SUB_CRYPTO },
	{ "convert", "archmail dkim convert -k keyfile --key-format FORMAT "
	    "-O outfile [-f] [--mode MODE] [--group GROUP] "
	    "[--vault-password-file PWFILE | --vault-id LABEL@PWFILE] "
	    "[--decrypt] [--dry-run | --check]",
	    "Write a key in another format.", dkim_convert_opts, 0, 0,
	    CLI_SUB_MODIFIES | CLI_SUB_CRYPTO },
	{ "check", "archmail dkim check -k keyfile -s selector -d domain "
	    "(--record TEXT | --record-file FILE) "
	    "[--vault-password-file PWFILE | --vault-id LABEL@PWFILE]",
	    "Check a published record against a key.", dkim_check_opts, 0, 0,
	    CLI_SUB_CRYPTO },
};

/* passwd */

static const struct cli_opt passwd_clear_opts[] = {
	{ 0, "allow-nullok", NULL, "warn instead of refusing when PAM would "
	    "accept an empty password" },
	{ 0, "system", NULL, "also for a system account (UID below UID_MIN, "
	    "no login shell, locked)" },
	{ 0, "no-expire", NULL, "last change today, not expired (plain "
	    "passwd -d): any nullok refuses" },
	END,
};
static const struct cli_opt passwd_set_opts[] = {
	{ 0, "password-stdin", NULL, "read the password from stdin" },
	{ 0, "password-fd", "N", "read the password from descriptor N" },
	{ 0, "generate", NULL, "generate a password and print it (text "
	    "mode only)" },
	{ 0, "expire", NULL, "expire it: the owner must change it at the "
	    "next login" },
	{ 0, "scheme", "yescrypt|sha512", "the hash (default: "
	    "password_scheme)" },
	{ 0, "cost", "N", "yescrypt cost" },
	{ 0, "rounds", "N", "sha512 rounds" },
	END,
};

static const struct cli_sub passwd_subs[] = {
	{ "clear", "archmail passwd clear USER [--no-expire] "
	    "[--allow-nullok] [--system] [--dry-run | --check]",
	    "Empty and expire a password for onboarding, refused where PAM "
	    "would let anyone in.", passwd_clear_opts, 1, 1,
	    CLI_SUB_MODIFIES },
	{ "set", "archmail passwd set USER (--password-stdin | "
	    "--password-fd N | --generate) [--expire] "
	    "[--scheme yescrypt|sha512] [--cost N] [--rounds N] "
	    "[--dry-run | --check]",
	    "Set a password (nothing written when it is already set).",
	    passwd_set_opts, 1, 1, CLI_SUB_MODIFIES | CLI_SUB_CRYPTO },
	{ "status", "archmail passwd status USER",
	    "Print the password state, as passwd -S.", no_opts, 1, 1, 0 },
};

/* postfwd */

static const struct cli_opt postfwd_sync_opts[] = {
	{ 0, "init", NULL, "take over an unmarked definition of the macro" },
	END,
};

static const struct cli_sub postfwd_subs[] = {
	{ "sync", "archmail postfwd sync [--init] [--dry-run | --check]",
	    "Rewrite the managed relay-host block of postfwd.cf.",
	    postfwd_sync_opts, 0, 0, CLI_SUB_MODIFIES },
};

/* relay */

static const struct cli_opt relay_add_opts[] = {
	{ 0, "password-stdin", NULL, "read the password from stdin" },
	{ 0, "password-fd", "N", "read the password from descriptor N" },
	{ 0, "generate", NULL, "generate a password" },
	{ 0, "scheme", "yescrypt|sha512", "the hash (default: "
	    "password_scheme)" },
	{ 0, "cost", "N", "yescrypt cost" },
	{ 0, "rounds", "N", "sha512 rounds" },
	{ 0, "client-file", "FILE", "write the relay host's client line "
	    "here (mode 0600)" },
	{ 0, "no-postfwd", NULL, "leave postfwd.cf alone" },
	{ 0, "no-sender-map", NULL, "leave the sender map alone" },
	{ 0, "update-password", NULL, "replace the password of an existing "
	    "account with a different one" },
	{ 0, "any-domain", NULL, "allow a host outside the configured "
	    "domains" },
	END,
};
static const struct cli_opt relay_rotate_opts[] = {
	{ 0, "password-stdin", NULL, "read the password from stdin" },
	{ 0, "password-fd", "N", "read the password from descriptor N" },
	{ 0, "generate", NULL, "generate a password" },
	{ 0, "client-file", "FILE", "write the relay host's client line "
	    "here (mode 0600)" },
	END,
};
static const struct cli_opt relay_remove_opts[] = {
	{ 0, "delete", NULL, "delete the account and its home instead of "
	    "locking it" },
	END,
};

static const struct cli_sub relay_subs[] = {
	{ "add", "archmail relay add HOST (--password-stdin | "
	    "--password-fd N | --generate) [--scheme yescrypt|sha512] "
	    "[--cost N] [--rounds N] [--client-file FILE] [--no-postfwd] "
	    "[--no-sender-map] [--update-password] [--any-domain] "
	    "[--dry-run | --check]",
	    "Create (or verify) the relay account of HOST.", relay_add_opts,
	    1, 1, CLI_SUB_MODIFIES | CLI_SUB_CRYPTO },
	{ "rotate", "archmail relay rotate HOST (--password-stdin | "
	    "--password-fd N | --generate) [--client-file FILE] "
	    "[--dry-run | --check]",
	    "Give a relay account a new password.", relay_rotate_opts, 1, 1,
	    CLI_SUB_MODIFIES | CLI_SUB_CRYPTO },
	{ "remove", "archmail relay remove HOST [--delete] "
	    "[--dry-run | --check]",
	    "Lock (or delete) a relay account.", relay_remove_opts, 1, 1,
	    CLI_SUB_MODIFIES },
	{ "list", "archmail relay list", "Print the relay accounts.",
	    no_opts, 0, 0, 0 },
	{ "apply", "archmail relay apply FILE|- [--dry-run | --check]",
	    "Apply JSON Lines of relay adds and removes as one change.",
	    no_opts, 1, 1, CLI_SUB_MODIFIES | CLI_SUB_CRYPTO },
};

/* help, completion */

static const struct cli_sub help_subs[] = {
	{ NULL, "archmail help [COMMAND [SUBCOMMAND]]",
	    "Show the commands, or the help of one command.", no_opts, 0, 2,
	    0 },
};
static const struct cli_sub completion_subs[] = {
	{ NULL, "archmail completion bash",
	    "Print the bash completion script.", no_opts, 1, 1, 0 },
};

/* Postfix's tools parse their own options (Postfix's rules). */

static const struct cli_sub newaliases_subs[] = {
	{ NULL, "archmail newaliases [-c config_dir] [--strict]",
	    "Compile every table in main.cf's alias_database.", no_opts, 0, 0,
	    0 },
};
static const struct cli_sub postalias_subs[] = {
	{ NULL, "archmail postalias [-fimnNoprsuvw] [-c config_dir] "
	    "[-d key] [-q key] [--strict] [type:]file...",
	    "Compile, query or change aliases(5) tables, as postalias(1).",
	    no_opts, 0, -1, 0 },
};
static const struct cli_sub postmap_subs[] = {
	{ NULL, "archmail postmap [-fFinNoprsuvw] [-c config_dir] [-d key] "
	    "[-q key] [--strict] [type:]file...",
	    "Compile, query or change lookup tables, as postmap(1).",
	    no_opts, 0, -1, 0 },
};

/* Alphabetical.  The man page of each is archmail-NAME(8). */
const struct cli_command cli_commands[] = {
	{ "alias", cmd_alias, "Edit the aliases file and rebuild its table.",
	    0, alias_subs, N(alias_subs), "archmail-alias(8)" },
	{ "check", cmd_check, "Check the host's consistency (read-only).", 0,
	    check_subs, N(check_subs), "archmail-check(8)" },
	{ "completion", cmd_completion, "Print the bash completion script.",
	    CLI_NO_CONFIG, completion_subs, N(completion_subs), "archmail(8)" },
	{ "dkim", cmd_dkim, "Generate DKIM keys and their DNS records.", 0,
	    dkim_subs, N(dkim_subs), "archmail-dkim(8)" },
	{ "help", cmd_help, "Show the commands, or the usage of one command.",
	    CLI_NO_CONFIG, help_subs, N(help_subs), "archmail(8)" },
	{ "newaliases", cmd_newaliases,
	    "Compile every table in main.cf's alias_database.",
	    CLI_POSTFIX_EXIT, newaliases_subs, N(newaliases_subs),
	    "archmail-postmap(8)" },
	{ "passwd", cmd_passwd, "Reset or set a user's password, PAM-safely.",
	    0, passwd_subs, N(passwd_subs), "archmail-passwd(8)" },
	{ "postalias", cmd_postalias,
	    "Compile, query or change aliases(5) tables, as postalias(1).",
	    CLI_POSTFIX_EXIT, postalias_subs, N(postalias_subs),
	    "archmail-postmap(8)" },
	{ "postfwd", cmd_postfwd,
	    "Rewrite the managed relay-host block of postfwd.cf.", 0,
	    postfwd_subs, N(postfwd_subs), "archmail-postfwd(8)" },
	{ "postmap", cmd_postmap,
	    "Compile, query or change lookup tables, as postmap(1).",
	    CLI_POSTFIX_EXIT, postmap_subs, N(postmap_subs),
	    "archmail-postmap(8)" },
	{ "relay", cmd_relay, "Manage SMTP relay accounts of other hosts.", 0,
	    relay_subs, N(relay_subs), "archmail-relay(8)" },
	{ "users", cmd_users,
	    "Edit the virtual user map, forwards, and rebuild the table.", 0,
	    users_subs, N(users_subs), "archmail-users(8)" },
};
const size_t cli_ncommands = N(cli_commands);
