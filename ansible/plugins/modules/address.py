#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: address
short_description: An address of the virtual user map (archmail users add/remove)
description:
  - Adds, replaces or removes one address of the Postfix virtual user map
    (C(users_map) of archmail.conf, default C(/etc/postfix/users)) and
    rebuilds its table, with C(archmail users add) or C(archmail users remove).
  - With I(entries), applies a list of such changes as one batch
    (C(archmail users apply -)) with one lock, one write of the file, one table
    rebuild, all or nothing.
  - Everything outside the changed entry stays byte for byte.
version_added: 0.1.0
author: archmail contributors
extends_documentation_fragment:
  - archmail.mailhost.common
options:
  address:
    description:
      - The address, C(local@domain) or C(@domain); its domain must be one of
        archmail's C(domains) unless I(any_domain).
      - Required unless I(entries) is given.
    type: str
  destination:
    description:
      - Local login names or addresses the address delivers to.
      - Required with I(state=present).
    type: list
    elements: str
    aliases: [dest]
  category:
    description:
      - The category (comment header of the users file) a new address goes
        into; required when the file has categories.
    type: str
  note:
    description: A comment line written above a new (or, with I(replace), replaced) entry.
    type: str
  date:
    description: Start the note with today's date (UTC).
    type: bool
    default: false
  replace:
    description:
      - Replace an existing entry with other destinations; without it such an
        entry is an error (C(EXISTS_DIFFERENT), exit 65).
    type: bool
    default: false
  any_domain:
    description: Accept a domain outside archmail's C(domains).
    type: bool
    default: false
  state:
    description: Whether the address should exist.
    type: str
    choices: [present, absent]
    default: present
  entries:
    description:
      - A batch of changes applied at once, instead of I(address). Each item
        takes the keys I(address), I(destination), I(category), I(note),
        I(replace) and I(state) of this module.
    type: list
    elements: dict
'''

EXAMPLES = r'''
- name: A developer's address
  archmail.mailhost.address:
    address: alice@archlinux.org
    destination: alice
    category: Developers

- name: A departed staff member's forward
  archmail.mailhost.address:
    address: bob@archlinux.org
    destination: bob@example.org
    note: forward until 2027-06
    date: true
    replace: true

- name: Gone
  archmail.mailhost.address:
    address: carol@archlinux.org
    state: absent

- name: Many at once (one lock, one rebuild)
  archmail.mailhost.address:
    entries:
      - {address: dave@archlinux.org, destination: dave, category: Developers}
      - {address: erin@archlinux.org, state: absent}
'''

RETURN = r'''
result:
  description: archmail's verdict for the single address (added, replaced, unchanged, removed, not present).
  returned: without entries
  type: str
  sample: added
entry:
  description: The entry as archmail sees it (key, destinations, category, line).
  returned: when the address exists before or after
  type: dict
  sample: {key: alice@archlinux.org, destinations: [alice], category: Developers, line: 12}
entries:
  description: With I(entries), archmail's per-entry results, each with its own C(changed).
  returned: with entries
  type: list
  elements: dict
files:
  description: Every file archmail wrote or checked, with C(changed) exact.
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/postfix/users, changed: true}, {path: /etc/postfix/users.lmdb, changed: true}]
archmail:
  description: archmail's whole JSON result, but for the per-entry results of a batch (see I(entries)).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.archmail.mailhost.plugins.module_utils.archmail import (
    Archmail, common_argument_spec, jsonl)


def batch_line(module, e):
    state = e.get('state') or 'present'
    if state not in ('present', 'absent'):
        module.fail_json(msg='entries: state must be present or absent, not %r' % state)
    if not e.get('address'):
        module.fail_json(msg='entries: every entry needs an address')
    if state == 'absent':
        return {'action': 'remove', 'address': e['address']}
    dest = e.get('destination', e.get('dest'))
    if not dest:
        module.fail_json(msg='entries: %s: destination is required' % e['address'])
    if isinstance(dest, list):
        dest = ','.join(dest)
    line = {'action': 'add', 'address': e['address'], 'destination': dest}
    for k in ('category', 'note'):
        if e.get(k) is not None:
            line[k] = e[k]
    if e.get('replace') is not None:
        line['replace'] = module.boolean(e['replace'])
    return line


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            address=dict(type='str'),
            destination=dict(type='list', elements='str', aliases=['dest']),
            category=dict(type='str'),
            note=dict(type='str'),
            date=dict(type='bool', default=False),
            replace=dict(type='bool', default=False),
            any_domain=dict(type='bool', default=False),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            entries=dict(type='list', elements='dict'),
        ),
        required_one_of=[('address', 'entries')],
        mutually_exclusive=[('address', 'entries')],
        required_if=[('state', 'present', ('destination', 'entries'), True)],
        supports_check_mode=True,
    )
    p = module.params
    am = Archmail(module)
    if p['entries'] is not None:
        data = jsonl(batch_line(module, e) for e in p['entries'])
        am.stdin_name = 'entries'
        changed, result, diff = am.change(['users', 'apply'], operands=['-'], data=data)
        am.exit(changed, result, diff)
    if p['state'] == 'absent':
        changed, result, diff = am.change(['users', 'remove'], operands=[p['address']])
        am.exit(changed, result, diff)
    opts = []
    if p['category'] is not None:
        opts += ['--category', p['category']]
    if p['note'] is not None:
        opts += ['--note', p['note']]
    if p['date']:
        opts.append('--date')
    if p['replace']:
        opts.append('--replace')
    if p['any_domain']:
        opts.append('--any-domain')
    changed, result, diff = am.change(
        ['users', 'add'], opts, [p['address'], ','.join(p['destination'])])
    am.exit(changed, result, diff)


if __name__ == '__main__':
    main()
