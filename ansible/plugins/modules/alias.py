#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: alias
short_description: An alias of the aliases file (archmail alias add/remove)
description:
  - Adds, replaces or removes one alias of the aliases(5) file (C(aliases_map)
    of archmail.conf, default C(/etc/postfix/aliases)) and rebuilds its table,
    with C(archmail alias add) or C(archmail alias remove).
  - With I(entries), applies a list of such changes as one batch
    (C(archmail alias apply -)) with one lock, one write, one rebuild, all or nothing.
version_added: 0.1.0
author: archmail contributors
extends_documentation_fragment:
  - archmail.mailhost.common
options:
  name:
    description:
      - The alias name (local, no C(@)). Required unless I(entries) is given.
    type: str
  value:
    description:
      - Addresses, local names, C(/file), C(|command) or C(:include:/file)
        (the last three give a warning). Required with I(state=present).
    type: list
    elements: str
  replace:
    description:
      - Replace an existing alias with another value; without it such an alias
        is an error (C(EXISTS_DIFFERENT), exit 65).
    type: bool
    default: false
  state:
    description: Whether the alias should exist.
    type: str
    choices: [present, absent]
    default: present
  entries:
    description:
      - A batch of changes applied at once, instead of I(name). Each item takes
        the keys I(name), I(value), I(replace) and I(state) of this module.
    type: list
    elements: dict
'''

EXAMPLES = r'''
- name: abuse reaches the postmaster
  archmail.mailhost.alias:
    name: abuse
    value: [postmaster]

- name: No more list-owner alias
  archmail.mailhost.alias:
    name: list-owner
    state: absent

- name: Several aliases in one batch
  archmail.mailhost.alias:
    entries:
      - {name: hostmaster, value: [root]}
      - {name: webmaster, value: [root, alice@archlinux.org]}
'''

RETURN = r'''
result:
  description: archmail's verdict for the single alias (added, replaced, unchanged, removed, not present).
  returned: without entries
  type: str
  sample: added
entry:
  description: The alias as archmail sees it (key, destinations, line).
  returned: when the alias exists before or after
  type: dict
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
    if not e.get('name'):
        module.fail_json(msg='entries: every entry needs a name')
    if state == 'absent':
        return {'action': 'remove', 'name': e['name']}
    value = e.get('value')
    if not value:
        module.fail_json(msg='entries: %s: value is required' % e['name'])
    if not isinstance(value, list):
        value = [value]
    line = {'action': 'add', 'name': e['name'], 'value': [str(v) for v in value]}
    if e.get('replace') is not None:
        line['replace'] = module.boolean(e['replace'])
    return line


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            name=dict(type='str'),
            value=dict(type='list', elements='str'),
            replace=dict(type='bool', default=False),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            entries=dict(type='list', elements='dict'),
        ),
        required_one_of=[('name', 'entries')],
        mutually_exclusive=[('name', 'entries')],
        required_if=[('state', 'present', ('value', 'entries'), True)],
        supports_check_mode=True,
    )
    p = module.params
    am = Archmail(module)
    if p['entries'] is not None:
        data = jsonl(batch_line(module, e) for e in p['entries'])
        am.stdin_name = 'entries'
        changed, result, diff = am.change(['alias', 'apply'], operands=['-'], data=data)
        am.exit(changed, result, diff)
    if p['state'] == 'absent':
        changed, result, diff = am.change(['alias', 'remove'], operands=[p['name']])
        am.exit(changed, result, diff)
    opts = ['--replace'] if p['replace'] else []
    changed, result, diff = am.change(
        ['alias', 'add'], opts, [p['name'], ','.join(p['value'])])
    am.exit(changed, result, diff)


if __name__ == '__main__':
    main()
