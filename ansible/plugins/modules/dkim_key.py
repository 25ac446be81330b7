#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: dkim_key
short_description: A DKIM private key and its DNS record (archmail dkim keygen/record)
description:
  - Makes sure the private key file I(path) exists; when it does not, creates
    it with C(archmail dkim keygen) (atomically, with I(mode) and I(group)),
    optionally encrypted in Ansible Vault format so that the plaintext key
    never touches the disk.
  - Returns the DNS record of the key, new or existing (C(archmail dkim record)),
    as the TXT value and as the line of the Arch Terraform files.
  - An existing key is never replaced unless I(force); its mode and group are
    set to I(mode) and I(group) when given.
version_added: 0.1.0
author: archmail contributors
extends_documentation_fragment:
  - archmail.mailhost.common
options:
  path:
    description: The private key file (used as given, not under I(root)).
    type: path
    required: true
  selector:
    description: The DKIM selector.
    type: str
    required: true
  domain:
    description: The signing domain.
    type: str
    required: true
  type:
    description: The key type.
    type: str
    choices: [rsa, ed25519]
    default: rsa
  bits:
    description: RSA key size (1024 to 8192, a multiple of 8); ignored for ed25519.
    type: int
  key_format:
    description:
      - The key file's format; C(rspamd) is ed25519 only (for rspamd before 3.13.2).
    type: str
    choices: [pem, pkcs1, der, rspamd]
  vault_password_file:
    description:
      - Write (and read) the key in Ansible Vault format 1.1, encrypted with the
        password of this file, read as Ansible reads it (an executable file is run).
    type: path
  vault_id:
    description:
      - Like I(vault_password_file), as C(LABEL@FILE) (Ansible Vault format 1.2).
    type: str
  mode:
    description: The key file's mode, in octal (archmail's default is C(0600)).
    type: str
  group:
    description: The key file's group, for a signer running as another user (C(_rspamd)).
    type: str
  force:
    description: Replace an existing key with a new one (every run then changes).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: The ed25519 key of archlinux.org, straight into the vault
  archmail.mailhost.dkim_key:
    path: roles/rspamd/files/archlinux.org.dkim-ed25519.key.vault
    selector: dkim-ed25519
    domain: archlinux.org
    type: ed25519
    vault_password_file: ~/.vault-password
  delegate_to: localhost
  register: dkim

- name: What to add to the Terraform files
  ansible.builtin.debug:
    msg: "{{ dkim.terraform }}"

- name: An RSA key for rspamd on the mail host
  archmail.mailhost.dkim_key:
    path: /var/lib/rspamd/dkim/archlinux.org.dkim-rsa.key
    selector: dkim-rsa
    domain: archlinux.org
    bits: 4096
    mode: "0640"
    group: _rspamd
'''

RETURN = r'''
record:
  description: The DNS record as archmail describes it (selector, domain, name, type, bits, public key, value, strings, fingerprint).
  returned: unless check mode creates the key
  type: dict
value:
  description: The TXT record's value, unsplit.
  returned: unless check mode creates the key
  type: str
  sample: "v=DKIM1; k=ed25519; p=541UfJbcotsxYg+zuOUEg0e9APFAheY+wz2v45N0ISQ="
terraform:
  description: The Arch Terraform line of the record.
  returned: unless check mode creates the key
  type: str
  sample: '"dkim-ed25519._domainkey" = { value = "v=DKIM1; k=ed25519; p=541UfJbcotsxYg+zuOUEg0e9APFAheY+wz2v45N0ISQ=" }'
key:
  description: The key file (path, type, bits, format).
  returned: always
  type: dict
files:
  description: Every file archmail wrote or checked, with C(changed) exact.
  returned: always
  type: list
  elements: dict
archmail:
  description: archmail's whole JSON result (never holds the private key).
  returned: always
  type: dict
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.archmail.mailhost.plugins.module_utils.archmail import (
    Archmail, common_argument_spec)


def terraform_line(record):
    return '"%s._domainkey" = { value = "%s" }' % (record['selector'], record['value'])


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            path=dict(type='path', required=True),
            selector=dict(type='str', required=True),
            domain=dict(type='str', required=True),
            type=dict(type='str', choices=['rsa', 'ed25519'], default='rsa'),
            bits=dict(type='int'),
            key_format=dict(type='str', choices=['pem', 'pkcs1', 'der', 'rspamd']),
            # A path, not a secret (Ansible would warn about the name).
            vault_password_file=dict(type='path', no_log=False),
            vault_id=dict(type='str'),
            mode=dict(type='str'),
            group=dict(type='str'),
            force=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('vault_password_file', 'vault_id')],
        supports_check_mode=True,
    )
    p = module.params
    am = Archmail(module)
    vault = []
    if p['vault_password_file'] is not None:
        vault = ['--vault-password-file', p['vault_password_file']]
    elif p['vault_id'] is not None:
        vault = ['--vault-id', p['vault_id']]
    names = ['-s', p['selector'], '-d', p['domain']]
    path = p['path']

    diff = None
    if os.path.lexists(path) and not p['force']:
        result = am.run(['dkim', 'record'], ['-k', path] + names + vault)
        changed = False
        if p['mode'] is not None:
            changed = module.set_mode_if_different(path, p['mode'], changed)
        if p['group'] is not None:
            changed = module.set_group_if_different(path, p['group'], changed)
    else:
        opts = names + ['-t', p['type'], '-k', path]
        if p['bits'] is not None and p['type'] == 'rsa':
            opts += ['-b', str(p['bits'])]
        if p['key_format'] is not None:
            opts += ['--key-format', p['key_format']]
        if p['mode'] is not None:
            opts += ['--mode', p['mode']]
        if p['group'] is not None:
            opts += ['--group', p['group']]
        if p['force']:
            opts.append('-f')
        changed, result, diff = am.change(['dkim', 'keygen'], opts + vault)

    extra = dict(key=result.get('key'))
    record = result.get('record')
    if record:
        extra.update(record=record, value=record.get('value'),
                     terraform=terraform_line(record))
    am.exit(changed, result, diff, **extra)


if __name__ == '__main__':
    main()
