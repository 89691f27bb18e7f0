"""Helpers for the emulator's own tests: corpus paths and a small HTTPS client."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

TESTS_DIR = Path(__file__).resolve().parent.parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from emulator import EmulatorConfig, EmulatorServer  # noqa: E402

CORPUS = TESTS_DIR / "fixtures" / "corpus"
HANDWRITTEN = TESTS_DIR / "fixtures" / "handwritten"
PREFIXES = {"3": "/plugin/products/detect3/api/v1", "4": "/plugin/products/threat-response/api/v1"}
TR = PREFIXES["4"]
APT18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
SAFETYKATZ = CORPUS / "openioc" / "SafetyKatz A (Credential Stealer).ioc"
STIX_HASH = CORPUS / "stix1" / "malware-indicator-for-file-hash.xml"
YARA_FIN4 = CORPUS / "yara" / "FIN4_MACROCHECK.yara"
SIGNAL = HANDWRITTEN / "signal_rundll32.json"
CYBOX = HANDWRITTEN / "cybox_observables.xml"


class Api:
    """HTTPS calls to one emulator, verifying its CA, with the API token unless told otherwise."""

    def __init__(self, srv: EmulatorServer, family: str = "4"):
        self.srv = srv
        self.family = family
        self.http = requests.Session()
        # REQUESTS_CA_BUNDLE in the environment would override Session.verify; pass it per call.
        self.http.trust_env = False

    def call(self, method: str, path: str, token: str | None = "api", **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token == "api":
            token = self.srv.api_token
        if token is not None:
            headers["session"] = token
        url = path if path.startswith("https://") else self.srv.url + self._absolute(path)
        return self.http.request(method, url, headers=headers, verify=self.srv.ca_file, timeout=15,
                                 **kwargs)

    def _absolute(self, path: str) -> str:
        return path if path.startswith(("/api/", "/plugin/", "/_emulator")) else PREFIXES[self.family] + path

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.call("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.call("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)

    def data(self, response: requests.Response, status: int = 200):
        """The JSON payload, unwrapped from {"data": ...} on threat-response (lists also carry `meta`)."""
        assert response.status_code == status, (response.status_code, response.text)
        assert response.headers["Content-Type"] == "application/json"
        body = response.json()
        if self.family == "4":
            assert set(body) in ({"data"}, {"data", "meta"}), body
            return body["data"]
        return body

    def upload(self, content, filename: str = "doc.ioc", method: str = "POST", path: str = "/intels",
               disposition: str | None = None, headers: dict | None = None, **kwargs):
        if isinstance(content, Path):
            content = content.read_bytes()
        all_headers = {"Content-Type": "application/xml",
                       "Content-Disposition": disposition or f"attachment; filename={filename}"}
        all_headers.update(headers or {})
        return self.call(method, path, data=content, headers=all_headers, **kwargs)

    def create(self, content, filename: str = "doc.ioc", **kwargs) -> dict:
        return self.data(self.upload(content, filename, **kwargs))


def start_server(**config) -> EmulatorServer:
    """A started emulator; deploys take 0.2 s unless told otherwise, to keep tests fast."""
    config.setdefault("deploy_delay", 0.2)
    return EmulatorServer(EmulatorConfig(**config)).start()


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


# Files of the built-in fleet (tests/emulator/fleet.json): svchelper.exe and update.ps1 are each
# held by WIN-FIN-01 and WIN-DEV-02; the kworker miner only by lnx-web-01.
SVCHELPER_MD5 = "b8cf3640443c280fbfb12c279309ca09"
UPDATE_PS1_SHA256 = "492b0c5459a86bc94b2c6d332039f0be81757f74adee822e4279b4e57e1a0212"
KWORKER_SHA1 = "960ecbdad1f0678260a11cb48cc4572eeef0faee"


def hash_ioc(ioc_id: str, hashes: dict, name: str = "HASH HUNT") -> bytes:
    """An OpenIOC 1.0 document with one FileItem hash item per (search, value)."""
    searches = {"md5": "Md5sum", "sha1": "Sha1sum", "sha256": "Sha256sum"}
    items = "".join(
        f'<IndicatorItem id="{ioc_id}-{index}" condition="is">'
        f'<Context document="FileItem" search="FileItem/{searches[kind]}" type="mir"/>'
        f'<Content type="{kind}">{value}</Content></IndicatorItem>'
        for index, (kind, value) in enumerate(sorted(hashes.items())))
    return (f'<?xml version="1.0" encoding="utf-8"?>'
            f'<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="{ioc_id}" last-modified="2024-01-01T00:00:00">'
            f'<short_description>{name}</short_description><description>hashes</description>'
            f'<definition><Indicator operator="OR" id="{ioc_id}-root">{items}</Indicator></definition>'
            f'</ioc>').encode()
