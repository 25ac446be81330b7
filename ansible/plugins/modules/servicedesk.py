#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: archmail contributors

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: servicedesk
short_description: A GitLab Service Desk alias (archmail alias servicedesk)
description:
  - Adds the alias that forwards NAME to the GitLab Service Desk address of a
    project (C(gitlab+GROUP-PROJECT-ID-issue-@DOMAIN), with C(/) in the group
    path turned into C(-)) and rebuilds the aliases table, with
    C(archmail alias servicedesk); removes the alias with C(archmail alias remove).
version_added: 0.1.0
author: archmail contributors
extends_documentation_fragment:
  - archmail.mailhost.common
options:
  name:
    description: The alias name (local part).
    type: str
    required: true
  group:
    description: The GitLab group path of the project, for example C(archlinux/legal).
    type: str
  project:
    description: The GitLab project's path name.
    type: str
  project_id:
    description: The GitLab project's numeric id.
    type: int
  replace:
    description: Replace an existing alias of I(name) that points elsewhere.
    type: bool
    default: false
  state:
    description: Whether the alias should exist.
    type: str
    choices: [present, absent]
    default: present
'''

EXAMPLES = r'''
- name: privacy@ opens issues in archlinux/legal/privacy-requests
  archmail.mailhost.servicedesk:
    name: privacy
    group: archlinux/legal
    project: privacy-requests
    project_id: 19621
'''

RETURN = r'''
result:
  description: archmail's verdict (added, replaced, unchanged, removed, not present).
  returned: always
  type: str
entry:
  description: The alias as archmail sees it (key, destinations, line).
  returned: when the alias exists before or after
  type: dict
  sample: {key: privacy, destinations: [gitlab+archlinux-legal-privacy-requests-19621-issue-@archlinux.org], line: 7}
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
            name=dict(type='str', required=True),
            group=dict(type='str'),
            project=dict(type='str'),
            project_id=dict(type='int'),
            replace=dict(type='bool', default=False),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        required_if=[('state', 'present', ('group', 'project', 'project_id'))],
        supports_check_mode=True,
    )
    p = module.params
    am = Archmail(module)
    if p['state'] == 'absent':
        changed, result, diff = am.change(['alias', 'remove'], operands=[p['name']])
        am.exit(changed, result, diff)
    opts = ['--group', p['group'], '--project', p['project'],
            '--project-id', str(p['project_id'])]
    if p['replace']:
        opts.append('--replace')
    changed, result, diff = am.change(['alias', 'servicedesk'], opts, [p['name']])
    am.exit(changed, result, diff)


if __name__ == '__main__':
    main()
