#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: question_info
short_description: Ask a Tanium platform question and read all its answers
version_added: 0.1.0
description:
  - Asks a platform question (its text, or a saved question by name) on the same server and with the same
    credentials as Threat Response, waits until enough endpoints have answered, and returns every answer row.
  - The text is parsed by the server first. When the server does not read the text as exactly that question
    (it offers other readings, or several), the task fails listing the readings, and asks nothing.
  - Sensors with parameters work, written as in the Tanium console, for example
    C(Get Folder Contents[c:\\] from all machines).
  - Asking a question changes nothing on the endpoints, so the task reports no change and runs in check mode too.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  text:
    description:
      - The question, for example C(Get Computer Name and Detected Threats Path from all machines with
        Detected Threats Status contains unresolved).
      - Exactly one of O(text) and O(saved_question) is required.
    type: str
  saved_question:
    description:
      - Name of a saved question to read instead.
    type: str
  refresh:
    description:
      - With O(saved_question), ask it again and read the fresh answers. When false, read the answers the
        server holds, which may be old.
    type: bool
    default: true
  complete_percent:
    description:
      - The answer is complete when this percentage of the endpoints the server expects to answer have
        answered.
    type: int
    default: 99
  expire_seconds:
    description:
      - Seconds the server keeps asking the question's endpoints.
    type: int
    default: 600
  max_rows:
    description:
      - Read at most this many answer rows (before C([no results]) rows are dropped and the rest sorted into
        RV(rows), RV(unavailable) and RV(errors)). When the answer holds more, the task returns the first ones
        with RV(truncated=true) and warns.
      - The rows are read in pages of 500, each request asking only for what is still missing.
    type: int
    default: 10000
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.wait.poll
  - tanium.threat_response.attributes.INFO_MODULE
notes:
  - O(wait_timeout) covers parsing and asking the question, waiting for the answers and reading the rows. The
    last progress read is at least O(wait_sleep) seconds before its end, the time kept to read the rows.
  - When O(wait_timeout) passes before the answer is complete, the task returns the rows that came back with
    RV(complete=false); it does not fail. Rows that cannot be read in the time left fail the task naming
    O(wait_timeout).
  - A C(result_data) request that answers HTTP 404 is tried once more after O(wait_sleep) seconds (slow sensors
    are known to cause this).
  - A server that answers the same rows again for the next page (it ignores C(row_start)) fails the task
    instead of being asked forever.
seealso:
  - module: tanium.threat_response.endpoint_info
"""

EXAMPLES = r"""
- name: Endpoints whose AV reports an unresolved file, and its path
  tanium.threat_response.question_info:
    text: Get Computer Name and Detected Threats Path from all machines with Detected Threats Status contains unresolved
    wait_timeout: 120
  register: threats

- name: One line per endpoint and path
  ansible.builtin.debug:
    msg: "{{ item['Computer Name'][0] }}: {{ item['Detected Threats Path'] | join(', ') }}"
  loop: "{{ threats.rows }}"

- name: Files in one folder of every endpoint (a sensor with a parameter)
  tanium.threat_response.question_info:
    text: Get Folder Contents[c:\Users\Public] from all machines

- name: The answers a saved question holds now, without asking it again
  tanium.threat_response.question_info:
    saved_question: Unresolved threats
    refresh: false
"""

RETURN = r"""
question_id:
  description: Id of the question whose answers these are.
  returned: always
  type: int
  sample: 4711
saved_question_id:
  description: Id of the saved question, with O(saved_question); null otherwise.
  returned: always
  type: int
  sample: 12
question_text:
  description: The question as the server reads it, with O(text); null with O(saved_question).
  returned: always
  type: str
  sample: Get Computer Name from all machines
columns:
  description: Names of the answer's columns, in order.
  returned: always
  type: list
  elements: str
  sample: [Computer Name, Detected Threats Path]
rows:
  description:
    - The answer rows, each a dict of column name to the list of values in that cell.
    - C([no results]) values are left out, and a row left with no value at all is dropped.
  returned: always
  type: list
  elements: dict
  sample: [{"Computer Name": ["WIN-HR-03"], "Detected Threats Path": ["C:\\Users\\mlee\\Downloads\\invoice.exe"]}]
row_count:
  description: How many rows the server holds for the answer; more than were read when RV(truncated) is true.
  returned: always
  type: int
  sample: 4
truncated:
  description: Whether the answer holds more rows than O(max_rows), so that only the first O(max_rows) were read.
  returned: always
  type: bool
  sample: false
complete:
  description: Whether O(complete_percent) of the expected endpoints answered before O(wait_timeout) passed.
  returned: always
  type: bool
  sample: true
tested:
  description: How many endpoints had answered at the last poll.
  returned: always
  type: int
  sample: 9
estimated_total:
  description: How many endpoints the server expected to answer at the last poll (0 while it does not know yet).
  returned: always
  type: int
  sample: 9
unavailable:
  description: Rows with a value the endpoint could not give yet (C([current result unavailable]) and its variants).
  returned: always
  type: list
  elements: dict
  sample: [{"Computer Name": ["WIN-KIOSK-06"], "Detected Threats Path": ["[current result unavailable]"]}]
errors:
  description: Rows with a sensor error (a value that begins C(TSE-Error:)).
  returned: always
  type: list
  elements: dict
  sample: [{"Computer Name": ["lnx-build-02"], "Detected Threats Path": ["TSE-Error: no Linux implementation"]}]
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._platform import questions
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._module import (
    ThreatResponseModule,
    wait_argument_spec,
)


def question(module):
    client, params = module.client, module.params
    if not 1 <= params["complete_percent"] <= 100:
        raise InvalidInput("complete_percent must be between 1 and 100")
    if params["expire_seconds"] < 1:
        raise InvalidInput("expire_seconds must be at least 1")
    if params["max_rows"] < 1:
        raise InvalidInput("max_rows must be at least 1")
    # wait_timeout bounds the whole task, from the parse request to the last row read.
    task = TaskDeadline(client, params["wait_timeout"])
    saved_id = question_text = None
    if params["text"] is not None:
        with task.step("asking the question"):
            candidate = questions.with_parameters(client, questions.parse(client, params["text"]))
            question_text = candidate.get("question_text")
            question_id = questions.ask(client, candidate, params["expire_seconds"])
    else:
        with task.step(f"looking up saved question {params['saved_question']!r}"):
            saved_id, question_id = questions.saved_question(client, params["saved_question"], params["refresh"])
    info, complete = questions.wait_for_answers(task, question_id, params["complete_percent"], params["wait_sleep"])
    columns, raw_rows, row_count = questions.read_answers(task, question_id, params["wait_sleep"], params["max_rows"])
    truncated = len(raw_rows) >= params["max_rows"] and row_count > len(raw_rows)
    if truncated:
        module.warn(f"question {question_id}: the answer holds {row_count} rows; only the first {len(raw_rows)} "
                    "were read (max_rows)")
    rows, unavailable, errors = questions.sort_rows(columns, raw_rows)
    return dict(changed=False, question_id=question_id, saved_question_id=saved_id, question_text=question_text,
                columns=columns, rows=rows, row_count=row_count, truncated=truncated, complete=complete,
                tested=info.get("mr_tested") or 0, estimated_total=info.get("estimated_total") or 0,
                unavailable=unavailable, errors=errors)


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            text=dict(type="str"),
            saved_question=dict(type="str"),
            refresh=dict(type="bool", default=True),
            complete_percent=dict(type="int", default=99),
            expire_seconds=dict(type="int", default=600),
            max_rows=dict(type="int", default=10000),
            # Documented by the wait.poll fragment, with these defaults.
            **wait_argument_spec(timeout=600, sleep=5),
        ),
        exactly_one_of=[("text", "saved_question")],
    )
    module.run(question)


if __name__ == "__main__":
    main()
