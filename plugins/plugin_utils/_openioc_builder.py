# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build an OpenIOC 1.0 document from hashes, indicator lists, a STIX 2 bundle or a MISP event.

The same input always gives the same bytes: ids are UUIDv5s, items are sorted and de-duplicated,
and the dates are constants. So uploading the result again is recognised as unchanged.
Runs on the controller only (the to_openioc filter); standard library only, so unit tests can use it
without Ansible templating.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
import uuid
from collections.abc import Iterable, Mapping

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

# Never change this: every generated document's id derives from it, so a new value would make the
# next upload of an unchanged indicator list create a second server document instead of "unchanged".
OPENIOC_ID_NAMESPACE = uuid.UUID("93deea87-67bd-41ec-bc54-1c1fdc023760")
# Fixed on purpose (not the time of the run): a per-run timestamp would change the bytes, hence the
# server's md5, on every run. The date therefore says nothing about when the document was made.
FIXED_TIMESTAMP = "2000-01-01T00:00:00"
AUTHOR = "tanium.threat_response"


@dataclasses.dataclass(frozen=True)
class _ItemKind:
    key: str  # the dict input key
    search: str  # OpenIOC Context/@search; its first part is Context/@document
    context_type: str
    content_type: str


# Output order: hashes by length (md5, sha1, sha256), then the other kinds. Every item uses
# condition "is": "contains" would make 1.2.3.4 match 11.2.3.45. Network/URI is type "network" as in
# the Mandiant samples (FIN4), the other terms "mir".
_KINDS = (
    _ItemKind("md5", "FileItem/Md5sum", "mir", "md5"),
    _ItemKind("sha1", "FileItem/Sha1sum", "mir", "sha1"),
    _ItemKind("sha256", "FileItem/Sha256sum", "mir", "sha256"),
    _ItemKind("file_names", "FileItem/FileName", "mir", "string"),
    _ItemKind("domains", "DnsEntryItem/Host", "mir", "string"),
    _ItemKind("ips", "PortItem/remoteIP", "mir", "IP"),
    _ItemKind("urls", "Network/URI", "network", "string"),
)
INPUT_KEYS = tuple(kind.key for kind in _KINDS)
_HASH_KINDS_BY_LENGTH = {32: "md5", 40: "sha1", 64: "sha256"}
_HEX = re.compile(r"[0-9a-f]+")
# Characters XML 1.0 cannot hold at all; control characters are refused in one-line values too.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


UNSUPPORTED_CHOICES = ("fail", "skip")
_EXPECTED = ("a hash, hashes separated by newlines or commas, a list of hashes, a dict of indicator lists, "
             "a STIX 2 bundle or a MISP event")
_HASH_SEPARATORS = re.compile(r"[\s,;]+")
# How much of a bad input an error quotes: enough to recognise it, never the whole (27 KB) input.
_EXCERPT = 60
_MAX_NAMED = 10


def build_openioc(indicators, name, description=None, unsupported="fail", warn=None) -> str:
    """The OpenIOC 1.0 text for `indicators`; InvalidInput names every problem found.

    `unsupported`: "fail" refuses a STIX 2 pattern or MISP attribute that cannot become an OpenIOC
    item; "skip" leaves it out and calls `warn` with one message naming what was left out.
    """
    name = _checked_name(name)
    if description is not None and not isinstance(description, str):
        raise InvalidInput(f"description must be a string, not {type(description).__name__}")
    if description and _NOT_XML.search(description):
        raise InvalidInput("description has characters that XML cannot hold")
    if unsupported not in UNSUPPORTED_CHOICES:
        raise InvalidInput(f"unsupported must be one of {', '.join(UNSUPPORTED_CHOICES)}, not {unsupported!r}")
    raw, left_out = _raw_values(indicators)
    if left_out:
        if unsupported == "fail":
            raise InvalidInput(left_out + "; set unsupported='skip' to convert the rest")
        if warn is not None:
            warn(f"to_openioc left out {left_out}")
    if not raw:
        raise InvalidInput("no indicators to convert: " + ("every indicator was left out" if left_out
                                                           else "the input is empty"))
    return _render(name, (description or "").strip(), _validated(raw))


def collect_items(indicators) -> dict:
    """{kind key: sorted, de-duplicated values} from any accepted input form (unsupported ones refused)."""
    raw, left_out = _raw_values(indicators)
    if left_out:
        raise InvalidInput(left_out)
    if not raw:
        raise InvalidInput("no indicators to convert: the input is empty")
    return _validated(raw)


def _raw_values(indicators) -> tuple:
    """([(kind key or None for "a hash of any kind", value)], what cannot be converted or "")."""
    if isinstance(indicators, str) and indicators.lstrip()[:1] in ("{", "["):
        indicators = _json_input(indicators)
    if isinstance(indicators, str):
        return [(None, value) for value in _HASH_SEPARATORS.split(indicators.strip()) if value], ""
    if isinstance(indicators, Mapping):
        if _is_misp(indicators):
            return _misp_values(indicators)
        if "type" in indicators or "objects" in indicators:
            return _bundle_values(indicators)
        return _dict_values(indicators), ""
    if isinstance(indicators, Iterable):  # lists, and generators such as `map` results in Jinja
        return [(None, value) for value in indicators], ""
    raise InvalidInput(f"takes {_EXPECTED}, not {type(indicators).__name__}")


def _checked_name(name) -> str:
    if name is None:
        raise InvalidInput("name is required: to_openioc(name='...') (the document's short_description)")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"name must be a non-empty string, not {name!r}")
    if _CONTROL.search(name) or _NOT_XML.search(name):
        raise InvalidInput(f"name {name!r} has control characters; it must be one line of text")
    # Stripped as the server strips short_description, so the id derives from the name it shows.
    return name.strip()


def _json_input(text: str):
    """JSON text: a STIX 2 bundle or a MISP event; anything else is named, with a short excerpt."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise InvalidInput(f"the input looks like JSON (a STIX 2 bundle or a MISP event) but is not valid JSON "
                           f"({error}); it starts {_excerpt(text)}") from None
    if isinstance(data, list):
        raise InvalidInput(f"the input is a JSON array of {len(data)} item(s), not {_EXPECTED}; "
                           f"it starts {_excerpt(text)}")
    if not isinstance(data, dict) or not (_is_misp(data) or "type" in data or "objects" in data):
        keys = ", ".join(sorted(map(str, data))[:_MAX_NAMED]) if isinstance(data, dict) else ""
        raise InvalidInput(f"the input is a JSON {'object with keys ' + keys if keys else type(data).__name__}, "
                           f"not a STIX 2 bundle (\"type\": \"bundle\") or a MISP event (\"Event\"); "
                           f"it starts {_excerpt(text)}")
    return data


def _excerpt(text: str) -> str:
    flat = " ".join(str(text).split())
    return repr(flat if len(flat) <= _EXCERPT else flat[:_EXCERPT] + "...")


def _dict_values(data: Mapping) -> list:
    unknown = sorted(str(key) for key in data if key not in INPUT_KEYS)
    if unknown:
        named = ", ".join(_excerpt(key)[1:-1] for key in unknown[:_MAX_NAMED])
        more = f" and {len(unknown) - _MAX_NAMED} more" if len(unknown) > _MAX_NAMED else ""
        raise InvalidInput(f"unknown key(s) {named}{more}; the keys are {', '.join(INPUT_KEYS)}")
    raw = []
    for key in INPUT_KEYS:
        values = data.get(key)
        if values is None:
            continue
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, Iterable) or isinstance(values, Mapping):
            raise InvalidInput(f"{key} must be a string or a list of strings, not {type(values).__name__}")
        raw.extend((key, value) for value in values)
    return raw


def _validated(raw) -> dict:
    values = {key: set() for key in INPUT_KEYS}
    problems = {}
    for key, value in raw:
        clean, problem = _clean_value(key, value)
        if problem:
            problems.setdefault(problem, {})[_shown(value)] = None  # a dict: each bad value named once, in order
        else:
            values[_HASH_KINDS_BY_LENGTH[len(clean)] if key is None else key].add(clean)
    if problems:
        raise InvalidInput("; ".join(f"{problem}: {_listed(list(bad))}" for problem, bad in problems.items()))
    return {key: sorted(found, key=_sort_key(key)) for key, found in values.items()}


def _shown(value) -> str:
    return repr(value) if len(repr(value)) <= _EXCERPT else _excerpt(value) + f" ({len(str(value)):,} characters)"


def _listed(named: list) -> str:
    more = f" and {len(named) - _MAX_NAMED} more" if len(named) > _MAX_NAMED else ""
    return ", ".join(named[:_MAX_NAMED]) + more


def _clean_value(key, value) -> tuple:
    """(normalised value, None) or (None, the problem shared by every value like it)."""
    if not isinstance(value, str):
        return None, "values must be strings; these are not"
    value = value.strip()
    if key in (None, "md5", "sha1", "sha256"):
        value = value.lower()
        lengths = [length for length, kind in _HASH_KINDS_BY_LENGTH.items() if key in (None, kind)]
        if len(value) not in lengths or not _HEX.fullmatch(value):
            if key is None:
                return None, "bad hash(es), not an MD5, SHA-1 or SHA-256 (32, 40 or 64 hex characters)"
            return None, f"bad {key} value(s), not {lengths[0]} hex characters"
        return value, None
    if not value:
        return None, f"empty {key} value(s)"
    if _CONTROL.search(value) or _NOT_XML.search(value):
        return None, f"{key} value(s) with control characters"
    if key == "ips":
        try:
            return str(ipaddress.ip_address(value)), None
        except ValueError:
            return None, "invalid IP address(es) (one IPv4 or IPv6 address each, no ranges)"
    return value, None


def _sort_key(key):
    # Addresses in numeric order, IPv4 first; everything else by code point, which no locale affects.
    return _address_order if key == "ips" else None


def _address_order(address: str) -> tuple:
    parsed = ipaddress.ip_address(address)
    return parsed.version, parsed


# --- STIX 2 bundles -------------------------------------------------------------------------------

# Object path (quotes removed, lower case) -> kind key.
_STIX_PATHS = {
    "file:hashes.md5": "md5",
    "file:hashes.sha-1": "sha1",
    "file:hashes.sha1": "sha1",
    "file:hashes.sha-256": "sha256",
    "file:hashes.sha256": "sha256",
    "file:name": "file_names",
    "domain-name:value": "domains",
    "ipv4-addr:value": "ips",
    "ipv6-addr:value": "ips",
    "url:value": "urls",
}
_SUPPORTED_PATTERNS = (
    "equality (=) comparisons on file:hashes.MD5/'SHA-1'/'SHA-256', file:name, domain-name:value, "
    "ipv4-addr:value, ipv6-addr:value and url:value, joined by AND or OR")
_PATTERN_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<path>[a-z0-9][a-z0-9-]*:(?:[A-Za-z0-9_-]+|'[^']*')(?:\.(?:[A-Za-z0-9_-]+|'[^']*')|\[(?:\d+|\*)\])*)
      | (?P<symbol>!=|<=|>=|[][()=<>])
      | (?P<word>[bht]'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*|[0-9.+-]+|\S)  # typed literals, keywords, numbers
    )""",
    re.VERBOSE,
)


class _UnsupportedPattern(Exception):
    """Why a pattern falls outside the subset that maps onto OpenIOC items."""


def _bundle_values(bundle: Mapping) -> tuple:
    if bundle.get("type") != "bundle" or not isinstance(bundle.get("objects"), list):
        raise InvalidInput(
            f"a dict with 'type' {bundle.get('type')!r} is not a STIX 2 bundle (type 'bundle' with a list of 'objects')")
    indicators = [item for item in bundle["objects"] if isinstance(item, Mapping) and item.get("type") == "indicator"]
    if not indicators:
        raise InvalidInput("the STIX 2 bundle has no indicator objects, so there is nothing to convert")
    raw, unsupported = [], []
    for indicator in indicators:
        pattern = indicator.get("pattern")
        try:
            if indicator.get("pattern_type", "stix") != "stix":
                raise _UnsupportedPattern(f"pattern_type {indicator.get('pattern_type')!r}, not 'stix'")
            if not isinstance(pattern, str):
                raise _UnsupportedPattern("no pattern")
            raw.extend(_PatternReader(pattern).read())
        except _UnsupportedPattern as reason:
            unsupported.append(f"{indicator.get('id', '(indicator without id)')} {pattern} ({reason})")
    if unsupported:
        return raw, (f"the STIX 2 bundle has {len(unsupported)} indicator pattern(s) that cannot become OpenIOC "
                     f"items (supported: {_SUPPORTED_PATTERNS}): " + "; ".join(unsupported))
    return raw, ""


# --- MISP events ----------------------------------------------------------------------------------

# MISP attribute type -> kind key; "a|b" composite types split their value at "|" (MISP's own rule).
_MISP_TYPES = {
    "md5": "md5", "sha1": "sha1", "sha256": "sha256", "filename": "file_names",
    "domain": "domains", "hostname": "domains", "ip-src": "ips", "ip-dst": "ips", "url": "urls",
}


def _is_misp(data: Mapping) -> bool:
    # An export is {"Event": {...}}, {"response": [{"Event": ...}]}, or the bare event with "Attribute".
    return "Event" in data or "Attribute" in data or (
        isinstance(data.get("response"), list) and any(isinstance(item, Mapping) and "Event" in item
                                                       for item in data["response"]))


def _misp_values(data: Mapping) -> tuple:
    events = [item["Event"] for item in data["response"] if isinstance(item, Mapping)] if "response" in data else [
        data.get("Event", data)]
    raw, left_out = [], {}
    for event in events:
        if not isinstance(event, Mapping):
            raise InvalidInput(f"the MISP \"Event\" must be an object; it starts {_excerpt(json.dumps(event))}")
        attributes = list(event.get("Attribute") or [])
        for misp_object in event.get("Object") or []:
            if isinstance(misp_object, Mapping):
                attributes += list(misp_object.get("Attribute") or [])
        for attribute in attributes:
            if not isinstance(attribute, Mapping):
                continue
            kind, value = str(attribute.get("type", "")), attribute.get("value")
            parts = kind.split("|")
            values = value.split("|") if isinstance(value, str) and len(parts) > 1 else [value]
            for part, part_value in zip(parts, values):
                if part in _MISP_TYPES:
                    raw.append((_MISP_TYPES[part], part_value))
                else:
                    left_out[part] = left_out.get(part, 0) + 1
    if not raw and not left_out:
        raise InvalidInput("the MISP event has no attributes, so there is nothing to convert")
    if left_out:
        counts = ", ".join(f"{kind or '(no type)'} ({count})" for kind, count in sorted(left_out.items()))
        return raw, (f"the MISP event has attributes of types that cannot become OpenIOC items (supported: "
                     f"{', '.join(_MISP_TYPES)} and composites of them such as filename|md5): {counts}")
    return raw, ""


class _PatternReader:
    """Recursive descent over the subset of STIX 2 patterning this builder converts; read() gives
    [(kind key, value)]. AND is read as OR: each value becomes its own item of the OR indicator.

    observations: observation ((AND|OR) observation)*   observation: '[' comparisons ']' | '(' observations ')'
    comparisons:  term ((AND|OR) term)*                  term: path '=' 'string' | '(' comparisons ')'
    """

    def __init__(self, pattern: str):
        # Every non-space character is some token (the catch-all \S), so finditer skips nothing.
        self.tokens = [(match.lastgroup, match.group(match.lastgroup)) for match in _PATTERN_TOKEN.finditer(pattern)]
        self.position = 0

    def read(self) -> list:
        found = self._sequence(self._observation)
        if self.position < len(self.tokens):
            raise _UnsupportedPattern(f"{self.tokens[self.position][1]!r} is not supported")
        return found

    def _sequence(self, read_one) -> list:
        found = read_one()
        while self._peek() in (("word", "AND"), ("word", "OR")):
            self.position += 1
            found += read_one()
        return found

    def _observation(self) -> list:
        if self._accept("("):
            return self._closed(self._sequence(self._observation), ")")
        self._expect("[")
        return self._closed(self._sequence(self._term), "]")

    def _term(self) -> list:
        if self._accept("("):
            return self._closed(self._sequence(self._term), ")")
        kind, path = self._next()
        if kind != "path":
            raise _UnsupportedPattern(f"expected an object path, found {path!r}")
        item_kind = _STIX_PATHS.get(path.replace("'", "").lower())
        if item_kind is None:
            raise _UnsupportedPattern(f"object path {path} is not supported")
        kind, operator = self._next()
        if (kind, operator) != ("symbol", "="):
            raise _UnsupportedPattern(f"operator {operator!r} is not supported, only =")
        kind, literal = self._next()
        if kind != "string":
            raise _UnsupportedPattern(f"value {literal!r} is not a plain string literal")
        value = re.sub(r"\\(.)", r"\1", literal[1:-1])
        if item_kind == "ips" and "/" in value:
            raise _UnsupportedPattern(f"address range {value}: an OpenIOC remoteIP item holds one address")
        return [(item_kind, value)]

    def _closed(self, found: list, closing: str) -> list:
        self._expect(closing)
        return found

    def _peek(self) -> tuple:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "end of pattern")

    def _next(self) -> tuple:
        token = self._peek()
        self.position += 1
        return token

    def _accept(self, symbol: str) -> bool:
        if self._peek() == ("symbol", symbol):
            self.position += 1
            return True
        return False

    def _expect(self, symbol: str) -> None:
        if not self._accept(symbol):
            raise _UnsupportedPattern(f"expected {symbol!r}, found {self._peek()[1]!r}")


# --- OpenIOC 1.0 text -----------------------------------------------------------------------------


def _render(name: str, description: str, items: dict) -> str:
    ioc_id = uuid.uuid5(OPENIOC_ID_NAMESPACE, name)
    # Attribute values are all generated here (uuids and constants), so only element text is escaped.
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<ioc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'id="{ioc_id}" last-modified="{FIXED_TIMESTAMP}" xmlns="http://schemas.mandiant.com/2010/ioc">',
        f"  <short_description>{_escape(name)}</short_description>",
        f"  <description>{_escape(description)}</description>" if description else "  <description />",
        "  <keywords />",
        f"  <authored_by>{AUTHOR}</authored_by>",
        f"  <authored_date>{FIXED_TIMESTAMP}</authored_date>",
        "  <links />",
        "  <definition>",
        f'    <Indicator operator="OR" id="{uuid.uuid5(ioc_id, "definition/Indicator")}">',
    ]
    for kind in _KINDS:
        for value in items[kind.key]:
            lines += [
                f'      <IndicatorItem id="{uuid.uuid5(ioc_id, f"{kind.search}={value}")}" condition="is">',
                f'        <Context document="{kind.search.split("/")[0]}" search="{kind.search}" '
                f'type="{kind.context_type}" />',
                f'        <Content type="{kind.content_type}">{_escape(value)}</Content>',
                "      </IndicatorItem>",
            ]
    lines += ["    </Indicator>", "  </definition>", "</ioc>", ""]
    return "\n".join(lines)


def _escape(text: str) -> str:
    # A carriage return is kept as a character reference: a literal one would be read back as \n.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
