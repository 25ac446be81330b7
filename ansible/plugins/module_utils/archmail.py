# -*- coding: utf-8 -*-
# Copyright: archmail contributors
"""The one way every archmail.mailhost module runs archmail.

A module describes a command (group, subcommand, options, operands); this
runner adds the common options (--json, --root, --config,
--lock-timeout), --dry-run in check mode, runs the binary named by the
module's ``archmail`` option, and reads the one JSON object archmail prints
(archmail(8), RESULTS).  Human output is never parsed: a run without a
JSON result is a failure.  Secrets reach archmail on stdin, never in
argv.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.common.text.converters import to_native

# The options every module takes (documented once, in the doc fragment
# archmail.mailhost.common).
COMMON_ARGS = dict(
    root=dict(type='path'),
    config=dict(type='path'),
    archmail=dict(type='str', default='archmail'),
    lock_timeout=dict(type='int'),
)


def common_argument_spec(**spec):
    """The module's own options plus the common ones."""
    merged = dict(COMMON_ARGS)
    merged.update(spec)
    return merged


def unified_to_ansible_diff(text):
    """A list of Ansible diff dicts (before/after per file) from archmail's
    unified diff.  Only the hunks are known, so before and after hold the
    lines of the hunks: the unchanged context and the changed lines."""
    diffs = []
    cur = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if (line.startswith('--- ') and i + 1 < len(lines) and
                lines[i + 1].startswith('+++ ')):
            cur = dict(before_header=line[4:], after_header=lines[i + 1][4:],
                       before=[], after=[])
            diffs.append(cur)
            i += 2
            continue
        i += 1
        if cur is None or line.startswith('@@') or line.startswith('\\'):
            continue
        tag, body = line[:1], line[1:]
        if tag == '-':
            cur['before'].append(body)
        elif tag == '+':
            cur['after'].append(body)
        else:
            cur['before'].append(body)
            cur['after'].append(body)
    for d in diffs:
        for side in ('before', 'after'):
            d[side] = '\n'.join(d[side]) + '\n' if d[side] else ''
    return diffs


class Archmail(object):
    """Runs archmail for one module invocation and collects the result."""

    def __init__(self, module):
        self.module = module
        # What archmail's "stdin" stands for in an error (a batch's option).
        self.stdin_name = None
        self.binary = self._find_binary(module.params['archmail'])

    def _find_binary(self, name):
        if os.sep in name:
            return name
        return self.module.get_bin_path(name, required=True)

    def argv(self, words, options=None, operands=None, dry_run=False):
        """The full command line: archmail's global options, the command
        words, its options, --dry-run when asked, then the operands after
        "--" (so that no operand is ever read as an option)."""
        p = self.module.params
        cmd = [self.binary, '--json']
        if p.get('root') is not None:
            cmd += ['--root', p['root']]
        if p.get('config') is not None:
            cmd += ['--config', p['config']]
        if p.get('lock_timeout') is not None:
            cmd += ['--lock-timeout', str(p['lock_timeout'])]
        cmd += list(words)
        cmd += [to_native(o) for o in (options or [])]
        if dry_run:
            cmd.append('--dry-run')
        if operands:
            cmd.append('--')
            cmd += [to_native(o) for o in operands]
        return cmd

    def run(self, words, options=None, operands=None, dry_run=False,
            data=None, fail=True):
        """Run one archmail command; return its JSON result.  A failure
        (exit status other than 0, or ok false) ends the module with
        archmail's own message and exit status unless FAIL is false."""
        cmd = self.argv(words, options, operands, dry_run)
        rc, out, err = self.module.run_command(
            cmd, data=data, binary_data=True, check_rc=False,
            environ_update=dict(LC_ALL='C.UTF-8'))
        try:
            result = json.loads(out)
            if not isinstance(result, dict):
                raise ValueError('not an object')
        except ValueError:
            self.module.fail_json(
                msg='archmail printed no JSON result (exit %d): %s' %
                (rc, (err or out).strip()), rc=rc, cmd=self._shown(cmd),
                stderr=err)
        # A batch may repeat a warning per entry: each is shown once.
        seen = set()
        for w in result.get('warnings') or []:
            if w not in seen:
                seen.add(w)
                self.module.warn('archmail: %s' % w)
        result['rc'] = rc
        if fail and (rc != 0 or not result.get('ok')):
            self.fail(result, cmd)
        return result

    def _shown(self, cmd):
        return ' '.join(cmd)

    def fail(self, result, cmd=None):
        error = result.get('error') or {}
        msg = error.get('message') or 'archmail failed (exit %d)' % result['rc']
        # Where archmail found the problem, in its own diagnostics' form
        # ("FILE, line N: text"); a batch on stdin is the entries option.
        if error.get('file') and error.get('line'):
            if error['file'] == 'stdin' and self.stdin_name:
                msg = '%s, item %d: %s' % (self.stdin_name, error['line'], msg)
            else:
                msg = '%s, line %d: %s' % (error['file'], error['line'], msg)
        extra = dict(rc=result['rc'], error=error)
        if cmd is not None:
            extra['cmd'] = self._shown(cmd)
        self.module.fail_json(msg=msg, **extra)

    def change(self, words, options=None, operands=None, data=None):
        """A modifying command, honouring check and diff modes: check mode
        runs it with --dry-run and predicts changed from would_change;
        diff mode first runs --dry-run for the diff, then (when something
        would change) the command itself.  Returns (changed, result,
        diff) where diff is a list of before/after dicts or None."""
        m = self.module
        diff = None
        if m.check_mode or m._diff:
            plan = self.run(words, options, operands, dry_run=True, data=data)
            if m._diff:
                diff = unified_to_ansible_diff(plan.get('diff') or '')
            if m.check_mode or not plan.get('would_change'):
                return bool(plan.get('would_change')), plan, diff
        result = self.run(words, options, operands, data=data)
        return bool(result.get('changed')), result, diff

    def exit(self, changed, result, diff=None, **extra):
        """End the module with archmail's result members (minus the ones
        Ansible sets itself) and the module's own return values."""
        ret = dict(changed=changed)
        for k in ('files', 'entry', 'entries', 'result'):
            if k in result:
                ret[k] = result[k]
        # A batch's entries are returned once, as entries (a thousand of
        # them twice would double what the controller reads).
        ret['archmail'] = dict((k, v) for k, v in result.items()
                               if k not in ('diff', 'warnings', 'rc', 'entries'))
        if diff is not None:
            ret['diff'] = diff
        ret.update(extra)
        self.module.exit_json(**ret)


def jsonl(entries):
    """One JSON object per line, archmail's batch input (apply FILE|-)."""
    return ''.join(json.dumps(e, ensure_ascii=False, sort_keys=True) + '\n'
                   for e in entries)
