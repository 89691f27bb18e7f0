"""Platform questions over the fleet: parsing text, asking, answers that arrive over time, saved questions.

Grammar (a small part of Tanium's): `Get <sensor>[ and <sensor>...] from all machines
[with <sensor> contains|equals <value>]`; a sensor may carry a parameter, `Folder Contents[c:\\]`.
Endpoints answer one after another over `question_delay` seconds; during its first quarter the
server does not know yet how many will answer (`estimated_total` 0), as real servers report.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
import time

from .clock import iso
from .sensors import Sensor, answer, is_special, sensor_named, SENSORS

_QUESTION = re.compile(r"\s*get\s+(?P<selects>.+?)\s+from\s+all\s+machines(?:\s+with\s+(?P<filter>.+?))?\s*$",
                       re.IGNORECASE | re.DOTALL)
_FILTER = re.compile(r"(?P<sensor>.+?)\s+(?P<op>contains|equals)\s+(?P<value>.+)", re.IGNORECASE)
_PARAMETER = re.compile(r"(?P<name>[^\[]+?)\s*\[(?P<value>[^\]]*)\]\s*$")
OPERATORS = {"contains": "RegexMatch", "equals": "Equal"}
DEFAULT_EXPIRE_SECONDS = 600
DATA_KEPT_AFTER_EXPIRY = 300  # AX: answers stay readable about 5 minutes after expiry
# Saved questions the emulator starts with (name -> text); asked once when the server starts.
SAVED_QUESTIONS = {
    "Unresolved threats": "Get Computer Name and Detected Threats Path from all machines "
                          "with Detected Threats Status contains unresolved",
}


class ParseError(ValueError):
    pass


@dataclasses.dataclass
class Select:
    sensor: Sensor
    parameters: dict  # key (without the ||) -> value

    def text(self) -> str:
        values = ",".join(self.parameters[key] for key in self.sensor.parameters)
        return self.sensor.name + (f"[{values}]" if self.sensor.parameters else "")


@dataclasses.dataclass
class Filter:
    sensor: Sensor
    operator: str  # "RegexMatch" or "Equal"
    value: str  # the plain value the text named

    def passes(self, values: list) -> bool:
        wanted = self.value.lower()
        if self.operator == "Equal":
            return any(value.lower() == wanted for value in values)
        return any(wanted in value.lower() for value in values)


@dataclasses.dataclass
class Question:
    id: int
    selects: list
    filter: Filter | None
    asked_at: float
    expire_seconds: int
    snapshots: dict = dataclasses.field(default_factory=dict)  # cache_id -> rows

    def text(self) -> str:
        text = "Get " + " and ".join(s.text() for s in self.selects) + " from all machines"
        if self.filter:
            verb = "contains" if self.filter.operator == "RegexMatch" else "equals"
            text += f' with {self.filter.sensor.name} {verb} "{self.filter.value}"'
        return text


class QuestionBook:
    def __init__(self, fleet, delay):
        self.fleet = fleet
        self._delay = delay  # () -> seconds over which the endpoints answer
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._cache_ids = itertools.count(1)
        self.questions: dict[int, Question] = {}
        self.saved: dict[int, dict] = {}
        for saved_id, (name, text) in enumerate(SAVED_QUESTIONS.items(), start=1):
            question = self.ask(*parse_exact(text))
            self.saved[saved_id] = {"id": saved_id, "name": name, "query_text": text, "question_id": question.id}

    # --- asking ---
    def ask(self, selects, question_filter, expire_seconds=DEFAULT_EXPIRE_SECONDS) -> Question:
        with self._lock:
            question = Question(next(self._ids), selects, question_filter, time.time(), expire_seconds)
            self.questions[question.id] = question
            return question

    def next_question_id(self) -> int:
        """An id for a question the server asks on its own behalf (a quick scan's)."""
        with self._lock:
            return next(self._ids)

    def reask_saved(self, saved_id: int) -> Question:
        saved = self.saved[saved_id]
        question = self.ask(*parse_exact(saved["query_text"]))
        saved["question_id"] = question.id
        return question

    def get(self, question_id: int) -> Question | None:
        question = self.questions.get(question_id)
        if question is None:
            return None
        if time.time() > question.asked_at + question.expire_seconds + DATA_KEPT_AFTER_EXPIRY:
            return None
        return question

    # --- answers ---
    def progress(self, question: Question) -> tuple[int, list]:
        """(estimated_total, endpoints that have answered so far)."""
        endpoints = self.fleet.endpoints
        delay = self._delay()
        elapsed = time.time() - question.asked_at
        if delay <= 0:
            return len(endpoints), list(endpoints)
        estimate = len(endpoints) if elapsed >= delay / 4 else 0
        answered = [e for index, e in enumerate(endpoints) if elapsed >= delay * (index + 1) / len(endpoints)]
        return estimate, answered

    def rows(self, question: Question, answered: list) -> list:
        rows = []
        for endpoint in answered:
            if question.filter is not None:
                values = answer(endpoint, question.filter.sensor, {})
                if not question.filter.passes(values) and not any(is_special(v) for v in values):
                    continue
            cells = [[{"text": value} for value in answer(endpoint, s.sensor, s.parameters)]
                     for s in question.selects]
            rows.append({"id": endpoint["client_id"], "cid": endpoint["client_id"], "data": cells})
        return rows

    def snapshot(self, question: Question, cache_id: str | None) -> tuple[str, list]:
        """Rows frozen under a cache id, so paging reads one consistent answer."""
        with self._lock:
            if cache_id is not None and cache_id in question.snapshots:
                return cache_id, question.snapshots[cache_id]
        rows = self.rows(question, self.progress(question)[1])
        with self._lock:
            cache_id = f"{next(self._cache_ids):08x}"
            question.snapshots[cache_id] = rows
        return cache_id, rows

    def result_info(self, question: Question) -> dict:
        estimate, answered = self.progress(question)
        passed = len(self.rows(question, answered))
        return {"id": question.id, "question_id": question.id, "estimated_total": estimate,
                "mr_tested": len(answered), "mr_passed": passed, "tested": len(answered), "passed": passed,
                "row_count": passed, "error_count": 0, "age": 0, "expire_seconds": question.expire_seconds}

    def render(self, question: Question) -> dict:
        return {"id": question.id, "query_text": question.text(), "expire_seconds": question.expire_seconds,
                "expiration": iso(question.asked_at + question.expire_seconds),
                "selects": [select_wire(s) for s in question.selects]}


# --- parsing ---
def parse_exact(text: str):
    """(selects, filter) of a text every sensor of which is known; ParseError otherwise."""
    candidates = parse_candidates(text)
    if len(candidates) != 1 or candidates[0][2]:
        raise ParseError(f"the question {text!r} does not name known sensors")
    return candidates[0][0], candidates[0][1]


def parse_candidates(text: str) -> list:
    """[(selects, filter, guessed)]: one exact reading, or one guess per sensor a name could mean."""
    match = _QUESTION.match(text or "")
    if not match:
        raise ParseError(f"cannot parse {text!r}: expected 'Get <sensors> from all machines [with ...]'")
    options = [_select_options(part) for part in re.split(r"\s+and\s+", match["selects"], flags=re.IGNORECASE)]
    question_filter = _filter(match["filter"]) if match["filter"] else None
    guessed = any(len(opts) != 1 or opts[0][1] for opts in options)
    readings = []
    for combination in itertools.product(*options):
        readings.append(([option[0] for option in combination], question_filter, guessed))
    return readings


def _select_options(part: str) -> list:
    """[(Select, guessed)] for one select of the text."""
    parameter = _PARAMETER.match(part)
    name, value = (parameter["name"], parameter["value"]) if parameter else (part, None)
    sensor = sensor_named(name)
    if sensor is not None:
        if bool(sensor.parameters) != (value is not None):
            raise ParseError(f"sensor {sensor.name!r} {'needs' if sensor.parameters else 'takes no'} parameters")
        parameters = {sensor.parameters[0]: value} if sensor.parameters else {}
        return [(Select(sensor, parameters), False)]
    words = set(name.lower().split())
    guesses = [s for s in SENSORS.values() if not s.parameters and words & set(s.name.lower().split())]
    if not guesses:
        raise ParseError(f"no sensor is named {name.strip()!r}")
    return [(Select(s, {}), True) for s in guesses]


def _filter(text: str) -> Filter:
    match = _FILTER.match(text)
    sensor = sensor_named(match["sensor"]) if match else None
    if sensor is None or sensor.parameters:
        raise ParseError(f"cannot parse the filter {text!r}: expected '<sensor> contains|equals <value>'")
    return Filter(sensor, OPERATORS[match["op"].lower()], match["value"].strip().strip("\"'"))


# --- wire forms ---
def sensor_ref(sensor: Sensor) -> dict:
    return {"hash": sensor.hash, "name": sensor.name, "id": sensor.id}


def select_wire(select: Select) -> dict:
    return {"sensor": sensor_ref(select.sensor)}


def candidate_wire(selects, question_filter, text: str) -> dict:
    question = Question(0, selects, question_filter, 0.0, DEFAULT_EXPIRE_SECONDS)
    candidate = {"question_text": question.text(), "from_canonical_text": 0,
                 "selects": [select_wire(s) for s in selects],
                 "sensor_references": [{"name": s.sensor.name, "start_char": str(text.lower().find(s.sensor.name.lower()))}
                                       for s in selects],
                 "group": None}
    if question_filter is not None:
        value = question_filter.value
        candidate["group"] = {"and_flag": True, "filters": [{
            "sensor": sensor_ref(question_filter.sensor), "operator": question_filter.operator,
            "value": f".*{re.escape(value)}.*" if question_filter.operator == "RegexMatch" else value,
            "ignore_case_flag": True}]}
    parameters = [s.parameters[key] for s in selects for key in s.sensor.parameters]
    if parameters:
        candidate["parameter_values"] = parameters
    return candidate


def question_from_wire(body: dict):
    """(selects, filter) of a POST /api/v2/questions body that is a parsed candidate.

    A parameterised sensor must come with its parameters in the select (`source_hash`, `name`,
    `parameters: [{"key": "||key||", "value": ...}]`), as clients build them from
    GET sensors/by-name; a select naming it plainly would ask it with no parameter.
    """
    selects = []
    for entry in body.get("selects") or []:
        wire = (entry or {}).get("sensor") or {}
        sensor = sensor_named(str(wire.get("name", "")))
        if sensor is None:
            raise ParseError(f"unknown sensor in selects: {wire.get('name')!r}")
        parameters = {}
        if sensor.parameters:
            given = {str(p.get("key", "")).strip("|"): p.get("value") for p in wire.get("parameters") or []
                     if isinstance(p, dict)}
            if wire.get("source_hash") != sensor.hash or any(not isinstance(given.get(k), str) for k in sensor.parameters):
                raise ParseError(f"sensor {sensor.name!r} takes parameters: send source_hash and "
                                 f"parameters [{{key: '||{sensor.parameters[0]}||', value}}] in the select")
            parameters = {key: given[key] for key in sensor.parameters}
        selects.append(Select(sensor, parameters))
    if not selects:
        raise ParseError("a question needs at least one select")
    filters = ((body.get("group") or {}).get("filters")) or []
    question_filter = None
    if filters:
        wire = filters[0]
        sensor = sensor_named(str((wire.get("sensor") or {}).get("name", "")))
        if sensor is None or wire.get("operator") not in OPERATORS.values():
            raise ParseError("unsupported question filter")
        value = str(wire.get("value", ""))
        if wire["operator"] == "RegexMatch":
            value = re.sub(r"\\(.)", r"\1", value.removeprefix(".*").removesuffix(".*"))
        question_filter = Filter(sensor, wire["operator"], value)
    return selects, question_filter
