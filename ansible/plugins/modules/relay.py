#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: relay
short_description: The SMTP relay account of another host (archmail relay add/remove)
description:
  - Creates (or verifies) the relay account of a host on the mail host with
    C(archmail relay add), which also lists it in the postfwd block and adds
    C(@HOST USER) to the sender-login map; locks or deletes it with
    C(archmail relay remove).
  - The password reaches archmail on stdin (C(--password-stdin)), never on its
    command line. An existing account whose password already verifies is left
    alone (C(changed=false)).
version_added: 0.1.0
author: archmail contributors
extends_documentation_fragment:
  - archmail.mailhost.common
options:
  host:
    description: The relay host's name, for example C(foobar.archlinux.org); the account is its first label.
    type: str
    required: true
  state:
    description: C(present) creates the account, C(absent) locks it (or deletes it with I(delete)).
    type: str
    choices: [present, absent]
    default: present
  password:
    description: The account's password.
    type: str
  generate:
    description:
      - Generate a password. Needs I(client_file), the only place the generated
        password is written (archmail never puts a secret in its JSON result);
        a client file whose password verifies makes a re-run unchanged.
    type: bool
    default: false
  client_file:
    description:
      - Write the relay host's client line C(MAIL_HOST USER:PASSWORD) to this
        file on the managed host (mode 0600, atomically).
    type: path
  update_password:
    description:
      - C(always) replaces the password of an existing account with a different one (C(--update-password)).
      - C(on_create) sets the password only when the account is created; an
        existing account that is already in the postfwd block and the sender
        map is left as it is, whatever its password.
    type: str
    choices: [always, on_create]
    default: always
  scheme:
    description: The password hash (default archmail's C(password_scheme)).
    type: str
    choices: [yescrypt, sha512]
  postfwd:
    description: List the account in postfwd's managed block.
    type: bool
    default: true
  sender_map:
    description: Add C(@HOST USER) to the sender-login map.
    type: bool
    default: true
  any_domain:
    description: Accept a host outside archmail's C(domains).
    type: bool
    default: false
  delete:
    description: With I(state=absent), delete the account and its home instead of locking it.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Relay account of the new host, password generated into its client file
  archmail.mailhost.relay:
    host: foobar.archlinux.org
    generate: true
    client_file: /root/relay-clients/foobar.archlinux.org
  delegate_to: mail.archlinux.org

- name: Relay account with a password from the vault
  archmail.mailhost.relay:
    host: aur.archlinux.org
    password: "{{ vault_aur_relay_password }}"
    update_password: on_create

- name: Lock the account of a retired host
  archmail.mailhost.relay:
    host: oldhost.archlinux.org
    state: absent
'''

RETURN = r'''
user:
  description: The relay account's login.
  returned: success
  type: str
  sample: foobar
uid:
  description: The account's UID.
  returned: success
  type: int
  sample: 1001
created:
  description: Whether the account is (or, in check mode, would be) new.
  returned: success
  type: bool
reload:
  description: The command that makes a running postfwd read its new file, when it changed.
  returned: when postfwd.cf changed
  type: str
  sample: postfwd --reload --keep_rates
files:
  description: Every file archmail wrote or checked, with C(changed) exact.
  returned: always
  type: list
  elements: dict
archmail:
  description: archmail's whole JSON result (never holds a password).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.archmail.mailhost.plugins.module_utils.archmail import (
    Archmail, common_argument_spec)


def listed(am, host):
    """archmail's record of HOST's relay account, or None."""
    result = am.run(['relay', 'list'])
    for r in result.get('relays') or []:
        if r.get('host', '').lower() == host.lower():
            return r
    return None


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            host=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            password=dict(type='str', no_log=True),
            generate=dict(type='bool', default=False),
            client_file=dict(type='path'),
            # Not a secret (Ansible would warn about the name otherwise).
            update_password=dict(type='str', choices=['always', 'on_create'],
                                 default='always', no_log=False),
            scheme=dict(type='str', choices=['yescrypt', 'sha512']),
            postfwd=dict(type='bool', default=True),
            sender_map=dict(type='bool', default=True),
            any_domain=dict(type='bool', default=False),
            delete=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('password', 'generate')],
        required_if=[('state', 'present', ('password', 'generate'), True),
                     ('generate', True, ('client_file',))],
        supports_check_mode=True,
    )
    p = module.params
    am = Archmail(module)
    host = p['host']
    if p['state'] == 'absent':
        opts = ['--delete'] if p['delete'] else []
        changed, result, diff = am.change(['relay', 'remove'], opts, [host])
        am.exit(changed, result, diff, user=result.get('user'), uid=result.get('uid'))

    if p['update_password'] == 'on_create':
        r = listed(am, host)
        if (r is not None and r.get('state') != 'L' and
                (r.get('postfwd') or not p['postfwd']) and
                (r.get('sender_map') or not p['sender_map'])):
            module.exit_json(changed=False, user=r.get('user'), uid=r.get('uid'),
                             created=False, files=[], archmail=r)

    opts = []
    data = None
    if p['generate']:
        opts.append('--generate')
    else:
        opts.append('--password-stdin')
        data = p['password']
    if p['client_file'] is not None:
        opts += ['--client-file', p['client_file']]
    if p['scheme'] is not None:
        opts += ['--scheme', p['scheme']]
    if not p['postfwd']:
        opts.append('--no-postfwd')
    if not p['sender_map']:
        opts.append('--no-sender-map')
    if p['any_domain']:
        opts.append('--any-domain')
    if p['update_password'] == 'always' and not p['generate']:
        opts.append('--update-password')
    changed, result, diff = am.change(['relay', 'add'], opts, [host], data=data)
    extra = dict(user=result.get('user'), uid=result.get('uid'),
                 created=result.get('created'))
    if 'reload' in result:
        extra['reload'] = result['reload']
    am.exit(changed, result, diff, **extra)


if __name__ == '__main__':
    main()
