/*
 * am_acct_diff - the --dry-run diff of an account file (passwd, shadow,
 * group, gshadow) as a workflow changed it in memory, with every password
 * hash of shadow and gshadow hidden: "<hash>" on a line as read,
 * "<new hash>" on a line the run wrote, so that a new hash still shows as
 * a changed line without showing the hash.
 */
#ifndef AM_ACCT_DIFF_H
#define AM_ACCT_DIFF_H

#include "am_acct.h"
#include "am_buf.h"
#include "am_error.h"

/* Append f's unified diff (nothing when unchanged) to out. */
int am_acct_diff(const struct am_acct_file *f, struct am_buf *out,
    struct am_error *err);

#endif
