/* archmail relay apply (relay_apply.c). */
#ifndef ARCHMAIL_RELAY_APPLY_H
#define ARCHMAIL_RELAY_APPLY_H

#include "archmail.h"

/* argv: apply [options] FILE|-; the exit status. */
int relay_apply(struct am_cli *cli, int argc, char *argv[]);

#endif
