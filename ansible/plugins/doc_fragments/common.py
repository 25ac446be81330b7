# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options of every archmail.mailhost module; set them once for a
    # play with module_defaults: {group/archmail.mailhost.all: {...}}.
    DOCUMENTATION = r'''
options:
  root:
    description:
      - Path prefix for every file archmail finds by itself (C(--root)).
      - Paths given in other options (a client file, a key file) are used as given.
    type: path
  config:
    description:
      - archmail's own configuration file (C(--config)); default C(ROOT/etc/archmail.conf).
    type: path
  archmail:
    description:
      - The archmail binary to run, a name looked up in C(PATH) or a path.
    type: str
    default: archmail
  lock_timeout:
    description:
      - Seconds to wait for a lock held by another process (C(--lock-timeout)); archmail's default is 10.
    type: int
attributes:
  check_mode:
    support: full
    description: Runs archmail with C(--dry-run); C(changed) is archmail's C(would_change).
  diff_mode:
    support: full
    description: The unified diff of archmail's plan, per file, as before/after (secrets redacted by archmail).
notes:
  - The module runs C(archmail --json) and reads only its JSON result, never its human output.
  - A failure reports archmail's own message as C(msg), its exit status as C(rc) and its error object as C(error).
  - Warnings of archmail are shown as Ansible warnings.
requirements:
  - archmail on the managed host
'''
