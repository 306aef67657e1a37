# An ansible-playbook stdout callback that writes what hapb's --output json
# writes, one JSON object per line: play, task/handler, result (one per host,
# or one per loop item), recap. ansible-core has no JSON callback of its own
# (it lives in the ansible.posix collection, which Debian's ansible-core does
# not ship), and writing the events in hapb's shape keeps the Go harness to one
# parser. Only what the conformance suite compares is written.
from __future__ import annotations

import json
import sys

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: hapb_trace
    type: stdout
    short_description: JSON lines in the shape of hapb's --output json
    description: used by hapb's conformance suite (test/conformance)
'''


# hapb's --output json reports no event for these; the recap counts an
# include as ok in both tools, and that is compared. (The linear strategy
# also announces a meta task once per host, with no result.)
SILENT = {'meta', 'include_tasks', 'include_role',
          'ansible.builtin.meta', 'ansible.builtin.include_tasks', 'ansible.builtin.include_role'}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'hapb_trace'

    def _emit(self, ev):
        sys.stdout.write(json.dumps(ev, sort_keys=True, default=str) + '\n')
        sys.stdout.flush()

    def v2_playbook_on_play_start(self, play):
        self._emit({'event': 'play', 'name': play.get_name().strip(),
                    'check': bool(play.check_mode)})

    def v2_playbook_on_task_start(self, task, is_conditional):
        if task.action in SILENT:
            return
        self._emit({'event': 'task', 'name': task.get_name().strip()})

    def v2_playbook_on_handler_task_start(self, task):
        self._emit({'event': 'handler', 'name': task.get_name().strip()})

    def v2_playbook_on_no_hosts_matched(self):
        self._emit({'event': 'warning', 'msg': 'no hosts matched'})

    def _result(self, result, status, item=False, ignored=False):
        r = result._result
        if result._task.action in SILENT:
            return
        if not item and result._task.loop and status != 'failed' and (r.get('results') or r.get('censored')):
            # The items were written one by one already; as hapb, write the
            # loop's own result only when it failed.
            return
        ev = {'event': 'result', 'host': result._host.get_name(), 'status': status,
              'task': result._task.get_name().strip(),
              'result': {k: v for k, v in r.items() if not k.startswith('_ansible')}}
        if result._task.delegate_to and r.get('_ansible_delegated_vars'):
            ev['delegate'] = r['_ansible_delegated_vars'].get('ansible_host')
        if item:
            ev['item'] = self._get_item_label(r)
        if ignored:
            ev['ignored'] = True
        if r.get('_ansible_no_log') or r.get('censored'):
            ev['censored'] = True
            ev.pop('result')
        elif 'msg' in r:
            ev['msg'] = r['msg']
        self._emit(ev)

    def v2_runner_on_ok(self, result):
        self._result(result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed', ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')

    def v2_runner_item_on_ok(self, result):
        self._result(result, 'changed' if result._result.get('changed') else 'ok', item=True)

    def v2_runner_item_on_failed(self, result):
        self._result(result, 'failed', item=True)

    def v2_runner_item_on_skipped(self, result):
        self._result(result, 'skipped', item=True)

    def v2_runner_on_start(self, host, task):
        pass

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for h in sorted(stats.processed.keys()):
            s = stats.summarize(h)
            hosts[h] = {'ok': s['ok'], 'changed': s['changed'], 'unreachable': s['unreachable'],
                        'failed': s['failures'], 'skipped': s['skipped'],
                        'rescued': s['rescued'], 'ignored': s['ignored']}
        self._emit({'event': 'recap', 'hosts': hosts})
