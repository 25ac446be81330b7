# -*- coding: utf-8 -*-
# A stdout callback for the tests of the archmail.mailhost collection: the
# whole run as one JSON document (plays, tasks, per-host results, stats),
# shaped like ansible.posix's json callback, which Debian's ansible-core
# does not ship.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
name: archmail_json
type: stdout
short_description: the run as one JSON document (archmail's tests)
description:
  - Plays, tasks, per-host results (with the seconds each took) and stats as one JSON document.
'''

import json
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'archmail_json'

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display)
        self.plays = []

    def v2_playbook_on_play_start(self, play):
        self.plays.append({'play': {'name': play.get_name()}, 'tasks': []})

    def _task_start(self, task, **kwargs):
        self.started = time.time()
        self.plays[-1]['tasks'].append(
            {'task': {'name': task.get_name()}, 'hosts': {}})

    v2_playbook_on_task_start = _task_start
    v2_playbook_on_handler_task_start = _task_start

    def _result(self, result, **extra):
        r = dict(result._result)
        r.update(extra)
        # Seconds from the task's start to this host's result.
        r['archmail_test_duration'] = time.time() - self.started
        self.plays[-1]['tasks'][-1]['hosts'][result._host.get_name()] = r

    def v2_runner_on_ok(self, result, **kwargs):
        self._result(result)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._result(result, failed=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._result(result, skipped=True)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._result(result, unreachable=True, failed=True)

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for h in sorted(stats.processed.keys()):
            hosts[h] = stats.summarize(h)
        self._display.display(json.dumps(
            {'plays': self.plays, 'stats': hosts}, indent=1, sort_keys=True,
            default=str))
