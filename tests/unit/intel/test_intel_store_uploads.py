"""Creates and updates as the strict emulator journals them: OpenCTI's headers on the source route and in
updates, the seed's form on a server without sources (docs/wire-format.md#creating-and-updating-documents)."""

from pathlib import Path

import pytest
from test_intel_plan import openioc, signal, yara

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError, ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import parse_document
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
API = "/plugin/products/threat-response/api/v1/"
STIX = parse_document((FIXTURES / "corpus/stix1/malware-indicator-for-file-hash.xml").read_bytes())
CYBOX = parse_document((FIXTURES / "handwritten/cybox_observables.xml").read_bytes())
DOCUMENTS = {"openioc": openioc(), "stix": STIX, "cybox": CYBOX, "yara": yara(name="FIN4 check")}
# What reaches the server: (Content-Type, type, Content-Disposition, name) per document type.
SOURCE_CREATES = {
    "openioc": ("application/xml", "openioc", None, None),
    "stix": ("application/xml", "stix", None, None),
    "cybox": ("application/xml", "cybox", None, None),
    "yara": ("application/octet-stream", "yara", "attachment; filename=FIN4 check.yara", "FIN4 check"),
}
UPDATE_TYPES = {"openioc": "ioc", "stix": "stix", "cybox": "cybox", "yara": "yara"}
SEED_FILE_NAMES = {"openioc": "APT ONE.ioc", "stix": "File hash for Poison Ivy variant.stix",
                   "cybox": "Dropper svchelper.exe and its C2 address.xml", "yara": "FIN4 check.yara"}


@pytest.fixture
def warnings():
    return []


@pytest.fixture
def store(make_client, warnings):
    return IntelStore(make_client(warn=warnings.append))


def uploads(emulator):
    return [(entry["method"], entry["path"].removeprefix(API), entry["status"], entry["content_type"], entry["type"],
             entry["content_disposition"], entry["name"], entry["description"])
            for entry in emulator.writes() if "intels" in entry["path"]]


@pytest.mark.emulator(strict=True)
@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_a_create_goes_through_the_source_with_opencti_headers_and_an_update_with_its_type(
        emulator, store, warnings, kind):
    created = store.create_intel(DOCUMENTS[kind])
    (source,) = emulator.sources()[2:]
    content_type, type_header, disposition, name = SOURCE_CREATES[kind]
    assert uploads(emulator) == [("POST", f"sources/{source['id']}/intels", 200, content_type, type_header,
                                  disposition, name, None)]
    emulator.clear_journal()
    store.update_intel(created["id"], DOCUMENTS[kind])
    assert uploads(emulator) == [("PUT", f"intels/{created['id']}", 200, content_type, UPDATE_TYPES[kind],
                                  disposition, name, None)]
    assert warnings == [] and store.sources_refused is None


@pytest.mark.emulator(strict=True)
def test_a_yara_description_travels_on_one_line_and_only_when_given(emulator, store):
    store.create_intel(yara(name="r"), "first line\nsecond line")
    store.create_intel(yara(name="s"))
    assert [entry["description"] for entry in emulator.writes() if entry["path"].endswith("/intels")] == [
        "first line second line", None]


@pytest.mark.emulator(strict=True, sources=False)
@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
def test_a_server_without_sources_gets_the_seed_form_and_the_task_is_told(emulator, store, warnings, kind):
    created = store.create_intel(DOCUMENTS[kind])
    content_type = SOURCE_CREATES[kind][0]
    assert uploads(emulator) == [("POST", "intels", 200, content_type, None,
                                  f"attachment; filename={SEED_FILE_NAMES[kind]}", None, None)]
    assert created["sourceId"] == 1 and store.own_source_ids() == []
    assert store.sources_refused == f"GET {API}sources answered 404"
    (warning,) = warnings
    assert warning.startswith(f"the server has no intel sources (GET {API}sources answered 404): documents are "
                              f"created with POST {API}intels")
    # Ownership then rests on labels: the sources are not asked again.
    emulator.clear_journal()
    store.create_intel(openioc(ioc_id="ioc-2", name="APT TWO"))
    assert [entry["path"].removeprefix(API) for entry in emulator.journal] == ["intels"]


@pytest.mark.emulator(strict=True)
@pytest.mark.parametrize("status", [404, 405])
def test_a_source_route_that_refuses_creates_sends_them_to_post_intels_from_then_on(
        emulator, store, warnings, status):
    emulator.add_fault(method="POST", path=r"/sources/\d+/intels$", status=status, times=None)
    store.create_intel(openioc())
    store.create_intel(openioc(ioc_id="ioc-2", name="APT TWO"))
    source_id = emulator.sources()[2]["id"]
    assert [row[:3] for row in uploads(emulator)] == [
        ("POST", f"sources/{source_id}/intels", status), ("POST", "intels", 200), ("POST", "intels", 200)]
    assert len(warnings) == 1 and f"POST {API}sources/{source_id}/intels answered {status}" in warnings[0]


@pytest.mark.emulator(strict=True)
def test_another_refusal_of_the_source_route_is_an_error_not_a_detour(emulator, store):
    emulator.add_fault(method="POST", path=r"/sources/\d+/intels$", status=400, times=None)
    with pytest.raises(ApiError, match="HTTP 400"):
        store.create_intel(openioc())
    assert [row[1] for row in uploads(emulator)] == [f"sources/{emulator.sources()[2]['id']}/intels"]
    assert store.sources_refused is None


@pytest.mark.emulator(strict=True, sources=False)
def test_a_signal_is_not_created_on_a_server_without_sources(emulator, store):
    # No public client posts a signal anywhere but through a source.
    with pytest.raises(ThreatResponseError, match="cannot create the Tanium signal 'Eicar': this server has no "
                                                  "intel sources"):
        store.create_intel(signal())
    assert uploads(emulator) == []
