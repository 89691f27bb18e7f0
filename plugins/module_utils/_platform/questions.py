# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Asking a platform question and reading all its answers (wire facts: docs/wire-format.md,
"Platform questions").

parse -> choose the one candidate that is the question asked -> fill in sensor parameters -> ask ->
poll result_info until enough endpoints answered (or the wait runs out) -> read the rows (up to
max_rows), all within wait_timeout (waiting.TaskDeadline).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import as_list, same_page_again
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    InvalidInput,
    NotFoundError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TimedOut


def parse(client, text):
    """The server's reading of `text`: the one candidate whose question text is `text`.

    The server may offer several readings, or one that is not what was asked; asking a guess would
    answer another question, so anything but an exact reading is refused, naming the candidates.
    """
    # Parsing creates nothing on the server: safe to send again.
    candidates = [c for c in as_list(client.request("POST", wire.PARSE_QUESTION, json_body={"text": text}))
                  if isinstance(c, dict)]
    exact = [c for c in candidates if _normalized(c.get("question_text")) == _normalized(text)]
    if len(exact) == 1:
        return exact[0]
    offered = "; ".join(repr(c.get("question_text")) for c in candidates) or "none"
    raise InvalidInput(f"text: the server does not read {text!r} as one question; write it as one of the "
                       f"readings it offers: {offered}")


def _normalized(text):
    return re.sub(r"\s+", " ", re.sub(r"[\"']", "", str(text or ""))).strip().lower()


def with_parameters(client, candidate):
    """The candidate with parameterised sensors' selects rewritten to carry their parameter values.

    The parse answer lists the values (`parameter_values`, in text order); which sensor takes
    which key comes from each sensor's `parameter_definition` (a JSON string).
    """
    values = list(candidate.get("parameter_values") or [])
    if not values:
        return candidate
    selects = []
    for select in candidate.get("selects") or []:
        sensor = select.get("sensor") or {}
        keys = _parameter_keys(client, sensor.get("name"))
        if keys:
            if len(values) < len(keys):
                raise InvalidInput(f"text: sensor {sensor.get('name')!r} takes {len(keys)} parameter(s)")
            parameters = [{"key": wire.PARAMETER_KEY.format(key=key), "value": values.pop(0)} for key in keys]
            select = dict(select, sensor={"source_hash": sensor.get("hash"), "name": sensor.get("name"),
                                          "parameters": parameters})
        selects.append(select)
    return dict(candidate, selects=selects)


def _parameter_keys(client, name):
    sensor = client.get(wire.SENSOR_BY_NAME.format(name=quote(str(name), safe="")))
    definition = (as_list(sensor)[0] if sensor else {}).get("parameter_definition")
    if not definition:
        return []
    try:
        return [p["key"] for p in json.loads(definition).get("parameters", [])]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ApiError("GET", wire.SENSOR_BY_NAME.format(name=name), 200,
                       "the sensor's parameter_definition is not the expected JSON") from None


def ask(client, candidate, expire_seconds):
    """Ask the parsed question; returns its id. A duplicate question costs nothing, so a retry is safe."""
    answer = client.request("POST", wire.QUESTIONS, json_body=dict(candidate, expire_seconds=expire_seconds))
    question_id = (as_list(answer)[0] if answer else {}).get("id")
    if not isinstance(question_id, int):
        raise ApiError("POST", wire.QUESTIONS, 200, "the answer holds no question id")
    return question_id


def saved_question(client, name, refresh):
    """(saved question id, id of the question to read) of the saved question with that name.

    With `refresh`, reading the saved question's result info makes the server ask it again; the
    saved question then names the new question.
    """
    path = wire.SAVED_QUESTION_BY_NAME.format(name=quote(name, safe=""))
    try:
        saved = _one(client.get(path), path)
    except NotFoundError:
        raise InvalidInput(f"saved_question: the server has no saved question named {name!r}") from None
    if refresh:
        client.get(wire.SAVED_QUESTION_REASK.format(saved_id=saved["id"]))
        saved = _one(client.get(path), path)
    question_id = (saved.get("question") or {}).get("id")
    if not isinstance(question_id, int):
        raise ApiError("GET", path, 200, "the saved question names no question id")
    return saved["id"], question_id


def _one(value, path):
    """A by-name answer: a dict, or a list of one."""
    items = as_list(value)
    if not items or not isinstance(items[0], dict) or "id" not in items[0]:
        raise NotFoundError("GET", path, 200, "the answer holds no saved question")
    return items[0]


def wait_for_answers(task, question_id, complete_percent, sleep):
    """Poll result_info until `complete_percent` of the estimated endpoints answered.

    Returns (info, complete). While the server's estimate is still 0, it has not counted the
    endpoints yet: keep polling. `task` is the module's TaskDeadline: the last poll is at least
    `sleep` seconds before its end, the time kept to read the rows; then the last info returns with
    complete False (TimedOut when not one poll was answered in time).
    """
    path = wire.RESULT_INFO.format(question_id=question_id)

    def finished(info):
        estimated, tested = info.get("estimated_total") or 0, info.get("mr_tested") or 0
        return estimated > 0 and tested * 100 >= complete_percent * estimated

    def read():
        return _first(task.client.get(path), "result_infos", path)

    try:
        return task.poll(f"waiting for the answers to question {question_id}", read, finished, sleep, spare=sleep), True
    except TimedOut as timed_out:
        if timed_out.last is None:
            raise  # not one answer came back in time: nothing to return
        return timed_out.last, False


def read_answers(task, question_id, retry_sleep, max_rows, page_rows=wire.RESULT_PAGE_ROWS):
    """(columns, rows, row_count): at most `max_rows` rows of the answer, and how many it holds.

    Page by page with the tanium-options header, each page a step of `task` (the module's
    TaskDeadline). A slow sensor's result_data can answer 404 for a moment: each page is tried once
    more after `retry_sleep` seconds. A server that answers the same rows again (it ignores
    `row_start`) is an error, not a reason to ask forever.
    """
    path = wire.RESULT_DATA.format(question_id=question_id)
    rows, columns, cache_id, total, page = [], [], None, None, None
    while total is None or len(rows) < min(total, max_rows):
        options = {"row_start": len(rows), "row_count": min(page_rows, max_rows - len(rows))}
        if cache_id is not None:
            options["cache_id"] = cache_id  # the same snapshot as the first page
        previous = page
        doing = f"reading the answers to question {question_id} ({len(rows)} rows read)"
        with task.step(doing):
            result_set = _first(_read_page(task, path, options, retry_sleep, doing), "result_sets", path)
        page = result_set.get("rows") or []
        if same_page_again(previous, page):
            raise ApiError("GET", path, 200, f"the server answered the same rows again for row_start {len(rows)} "
                           f"(it does not page this answer; max_rows {page_rows} or less reads its first page only)")
        rows.extend(page[:max_rows - len(rows)])
        columns = [c.get("name") for c in result_set.get("columns") or []]
        cache_id, total = result_set.get("cache_id", cache_id), result_set.get("row_count") or 0
        if not page:
            break  # a server that stops short must not be asked forever
    return columns, rows, max(total or 0, len(rows))


def _read_page(task, path, options, retry_sleep, doing):
    headers = {wire.RESULT_PAGING_HEADER: json.dumps(options)}
    try:
        return task.client.request("GET", path, headers=headers)
    except NotFoundError:
        task.pause(retry_sleep, doing)
        return task.client.request("GET", path, headers=headers)


def _first(answer, key, path):
    items = (answer or {}).get(key) if isinstance(answer, dict) else None
    if not items or not isinstance(items[0], dict):
        raise ApiError("GET", path, 200, f"the answer holds no {key}")
    return items[0]


def sort_rows(columns, raw_rows):
    """(rows, unavailable, errors): each a list of dicts column -> list of values.

    `[no results]` values are dropped (a row left empty goes too). A row with a value the endpoint
    could not give yet goes to `unavailable`, one with a `TSE-Error:` value to `errors`; neither
    is mixed into `rows`.
    """
    rows, unavailable, errors = [], [], []
    for raw in raw_rows:
        row = {}
        for column, cell in zip(columns, raw.get("data") or []):
            row[column] = [str(entry.get("text", "")) for entry in cell or [] if entry.get("text") != wire.NO_RESULTS]
        values = [value for cell in row.values() for value in cell]
        if any(value.startswith(wire.ERROR_PREFIX) for value in values):
            errors.append(row)
        elif any(value.lower() in wire.UNAVAILABLE_VALUES for value in values):
            unavailable.append(row)
        elif values:
            rows.append(row)
    return rows, unavailable, errors
