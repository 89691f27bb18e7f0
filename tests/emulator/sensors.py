"""Platform sensors the simulated fleet answers (docs/wire-format.md#platform-questions): names, hashes, values.

Each sensor turns one endpoint (and the sensor's parameters) into the list of strings that fill one
cell of a question's answer. An endpoint may override a sensor's answer with a special value
(`answers` in fleet.json), so questions can show `[current result unavailable]` and `TSE-Error:`.
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from typing import Callable

NO_RESULTS = "[no results]"
# Values that say an endpoint could not answer; a question filter never hides them.
SPECIAL_PREFIXES = ("[current result unavailable]", "[current results unavailable]",
                    "[results currently unavailable]", "TSE-Error:")


@dataclasses.dataclass(frozen=True)
class Sensor:
    id: int
    name: str
    values: Callable[[dict, dict], list]  # (endpoint, parameters) -> values
    parameters: tuple = ()  # parameter keys, for parameterised sensors

    @property
    def hash(self) -> int:
        return zlib.crc32(self.name.encode())

    def render(self) -> dict:
        definition = json.dumps({"parameters": [{"key": key, "label": key, "defaultValue": ""}
                                                for key in self.parameters]}) if self.parameters else ""
        return {"id": self.id, "name": self.name, "hash": self.hash, "category": "Emulator",
                "value_type": "String", "parameter_definition": definition}


def _detections(field: str):
    def values(endpoint: dict, _parameters: dict) -> list:
        return [d[field] for d in endpoint.get("detections", [])] or [NO_RESULTS]
    return values


def _folder_contents(endpoint: dict, parameters: dict) -> list:
    """The names directly inside the folder, case-insensitive, either slash."""
    folder = parameters.get("dirname", "").replace("\\", "/").rstrip("/").lower() + "/"
    names = []
    for file in endpoint["files"]:
        path = file["path"].replace("\\", "/")
        if path.lower().startswith(folder):
            name = path[len(folder):].split("/", 1)[0]
            if name not in names:
                names.append(name)
    return names or [NO_RESULTS]


SENSORS = {sensor.name.lower(): sensor for sensor in (
    Sensor(1, "Computer Name", lambda e, p: [e["name"]]),
    Sensor(2, "IP Address", lambda e, p: [e["ip"]]),
    Sensor(3, "Operating System", lambda e, p: [e["platform"]]),
    Sensor(4, "Detected Threats Path", _detections("path")),
    Sensor(5, "Detected Threats Status", _detections("status")),
    Sensor(6, "Folder Contents", _folder_contents, parameters=("dirname",)),
)}


def sensor_named(name: str) -> Sensor | None:
    return SENSORS.get(name.strip().lower())


def answer(endpoint: dict, sensor: Sensor, parameters: dict) -> list:
    """The values of `sensor` on `endpoint`, or the special value the fleet gives it instead."""
    override = endpoint.get("answers", {}).get(sensor.name)
    return [override] if override is not None else sensor.values(endpoint, parameters)


def is_special(value: str) -> bool:
    return value.startswith(SPECIAL_PREFIXES)
