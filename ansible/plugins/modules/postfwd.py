#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: postfwd
short_description: The managed relay-host block of postfwd.cf (archmail postfwd sync)
description:
  - >-
    Rewrites the block of C(postfwd.cf) between the lines
    C(# archmail: begin relay hosts) and C(# archmail: end relay hosts) so that
    the macro (C(postfwd_macro), default C(SASL_WHITELIST)) lists every relay
    account and C(postfwd_extra_users), each as an exact C(sasl_username==NAME)
    match, with C(archmail postfwd sync). Everything outside the block is kept.
  - The file is checked with C(postfwd -C) before it replaces the old one when
    postfwd is installed. postfwd itself is not reloaded; the result's
    I(reload) names the command.
version_added: 0.1.0
author: archmail contributors
extends_documentation_fragment:
  - archmail.mailhost.common
options:
  init:
    description:
      - Take over an unmarked definition of the macro (or append the block).
        Without it a postfwd.cf without the markers is refused (exit 78).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: The rate-limit whitelist lists every relay host
  archmail.mailhost.postfwd:
    init: true
  notify: reload postfwd
'''

RETURN = r'''
users:
  description: The SASL user names of the managed block, in order.
  returned: always
  type: list
  elements: str
  sample: [devnull, aur, foobar]
reload:
  description: The command that makes a running postfwd read the new file.
  returned: always
  type: str
  sample: postfwd --reload --keep_rates
files:
  description: Every file archmail wrote or checked, with C(changed) exact.
  returned: always
  type: list
  elements: dict
archmail:
  description: archmail's whole JSON result.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.archmail.mailhost.plugins.module_utils.archmail import (
    Archmail, common_argument_spec)


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            init=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    am = Archmail(module)
    opts = ['--init'] if module.params['init'] else []
    changed, result, diff = am.change(['postfwd', 'sync'], opts)
    am.exit(changed, result, diff, users=result.get('users', []),
            reload=result.get('reload', 'postfwd --reload --keep_rates'))


if __name__ == '__main__':
    main()
