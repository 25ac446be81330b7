#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: onboard
short_description: A staff member's account and address (archmail users onboard/offboard)
description:
  - With I(state=present), C(archmail users onboard) creates the system
    account as C(useradd -m) would, adds the address in its category,
    rebuilds the users table and empties and expires the password (the user
    sets one at the first login), after checking that no mail service's PAM
    stack would accept the empty password.
  - With I(state=absent), C(archmail users offboard) forwards (I(forward)) or
    removes the address and locks (or, with I(delete), deletes) the account.
  - One lock, one plan, all or nothing; a run whose result already holds
    changes nothing.
version_added: 0.1.0
author: archmail contributors
extends_documentation_fragment:
  - archmail.mailhost.common
options:
  login:
    description: The account's login name.
    type: str
    required: true
  name:
    description: The person's full name (GECOS field). Required with I(state=present).
    type: str
  category:
    description: The users file category of the address. Required with I(state=present).
    type: str
  address:
    description: The local part of the address (default I(login)).
    type: str
  forward:
    description:
      - With I(state=present), deliver the address to this destination instead of the account.
      - With I(state=absent), forward the address here instead of removing it.
    type: str
  groups:
    description: Supplementary groups of the new account (they must exist).
    type: list
    elements: str
  allow_nullok:
    description: Warn instead of refusing when a mail service's PAM stack has C(nullok).
    type: bool
    default: false
  note:
    description: With I(state=absent) and I(forward), a comment above the forward.
    type: str
  date:
    description: With I(state=absent) and I(forward), start the note with today's date.
    type: bool
    default: false
  delete:
    description: With I(state=absent), delete the account instead of locking it.
    type: bool
    default: false
  state:
    description: C(present) onboards, C(absent) offboards.
    type: str
    choices: [present, absent]
    default: present
'''

EXAMPLES = r'''
- name: A new developer
  archmail.mailhost.onboard:
    login: carol
    name: Carol Example
    category: Developers

- name: Carol leaves; her mail goes to her new address for a while
  archmail.mailhost.onboard:
    login: carol
    state: absent
    forward: carol@example.org
    note: forward until 2027-06
    date: true
'''

RETURN = r'''
files:
  description: Every file archmail wrote or checked, with C(changed) exact.
  returned: always
  type: list
  elements: dict
archmail:
  description: archmail's whole JSON result (account, address, password state).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.archmail.mailhost.plugins.module_utils.archmail import (
    Archmail, common_argument_spec)


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            login=dict(type='str', required=True),
            name=dict(type='str'),
            category=dict(type='str'),
            address=dict(type='str'),
            forward=dict(type='str'),
            groups=dict(type='list', elements='str'),
            allow_nullok=dict(type='bool', default=False),
            note=dict(type='str'),
            date=dict(type='bool', default=False),
            delete=dict(type='bool', default=False),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        required_if=[('state', 'present', ('name', 'category'))],
        supports_check_mode=True,
    )
    p = module.params
    am = Archmail(module)
    opts = []
    if p['address'] is not None:
        opts += ['--address', p['address']]
    if p['forward'] is not None:
        opts += ['--forward', p['forward']]
    if p['state'] == 'absent':
        if p['note'] is not None:
            opts += ['--note', p['note']]
        if p['date']:
            opts.append('--date')
        if p['delete']:
            opts.append('--delete')
        changed, result, diff = am.change(['users', 'offboard'], opts, [p['login']])
        am.exit(changed, result, diff)
    opts += ['--name', p['name'], '--category', p['category']]
    if p['groups']:
        opts += ['--groups', ','.join(p['groups'])]
    if p['allow_nullok']:
        opts.append('--allow-nullok')
    changed, result, diff = am.change(['users', 'onboard'], opts, [p['login']])
    am.exit(changed, result, diff)


if __name__ == '__main__':
    main()
