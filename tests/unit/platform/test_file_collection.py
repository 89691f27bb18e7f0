"""file_collect's decisions over HTTPS against the emulator: force, a damaged local zip, where the zip goes."""

import hashlib
import io
import zipfile

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._platform.file_collection import (
    CollectError,
    collect,
)

HOST = "WIN-HR-03"
PATH = "C:\\Users\\mlee\\Downloads\\invoice_0423.pdf.exe"
SHA256 = "dbc912f4645bebd275452c919d07f4041721e7c5fc1be970a8c6c16de23ed233"
CONNECT = "/plugin/products/threat-response/api/v1/conns/connect"


class Task:
    """What collect() reads of an AnsibleModule: params, check_mode, warn, and the (real) client."""

    def __init__(self, client, check_mode=False, **params):
        self.client = client
        self.check_mode = check_mode
        self.params = dict(dict(hostname=HOST, client_id=None, path=PATH, wait_timeout=60, wait_sleep=0.2, force=False,
                                extract=False, cleanup=True, endpoint_directory=False), **params)
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)


def connections(emulator):
    return [e for e in emulator.journal if e["path"] == CONNECT]


@pytest.mark.emulator(collect_delay=0.1)
def test_force_collects_again_although_the_evidence_and_the_zip_are_there(emulator, make_client, tmp_path):
    client = make_client()
    first = collect(Task(client, dest=str(tmp_path)))
    again = collect(Task(client, dest=str(tmp_path)))
    assert (first["changed"], again["changed"]) == (True, False) and len(connections(emulator)) == 1
    forced = collect(Task(client, dest=str(tmp_path), force=True))
    assert forced["changed"] is True and forced["evidence_uuid"] != first["evidence_uuid"]
    assert len(connections(emulator)) == 2 and forced["sha256"] == SHA256


def deflated_damaged_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("invoice_0423.pdf.exe", b"MZ" * 4000)
    damaged = bytearray(buffer.getvalue())
    start = 30 + len("invoice_0423.pdf.exe")
    damaged[start:start + 8] = b"\xff" * 8  # the deflate stream: reading it raises zlib.error
    return bytes(damaged)


@pytest.mark.emulator(collect_delay=0.1)
def test_a_damaged_zip_in_dest_is_collected_again(emulator, make_client, tmp_path):
    client = make_client()
    collect(Task(client, dest=str(tmp_path)))
    zip_file = tmp_path / "invoice_0423.pdf.exe.zip"
    zip_file.write_bytes(deflated_damaged_zip())
    result = collect(Task(client, dest=str(tmp_path)))
    assert result["changed"] is True and result["sha256"] == SHA256
    assert len(connections(emulator)) == 2
    with zipfile.ZipFile(zip_file) as archive:
        assert hashlib.sha256(archive.read(archive.namelist()[0], pwd=b"infected")).hexdigest() == SHA256


@pytest.mark.emulator(collect_delay=0.1, fleet=[
    {"name": "../victim", "ip": "10.9.0.1", "platform": "windows", "files": [{"path": "C:\\a.exe", "content": "a"}]},
    {"name": "..", "ip": "10.9.0.2", "platform": "windows", "files": [{"path": "C:\\b.exe", "content": "b"}]},
    {"name": "/etc", "ip": "10.9.0.3", "platform": "linux", "files": [{"path": "/tmp/c", "content": "c"}]},
])
@pytest.mark.parametrize(("hostname", "path", "directory"), [
    ("../victim", "C:\\a.exe", "..%2Fvictim"),
    ("..", "C:\\b.exe", "%2E%2E"),
    ("/etc", "/tmp/c", "%2Fetc"),
])
def test_a_hostile_host_name_names_one_directory_inside_dest(emulator, make_client, tmp_path, hostname, path,
                                                             directory):
    dest = tmp_path / "evidence"
    dest.mkdir()
    task = Task(make_client(), hostname=hostname, path=path, dest=str(dest), endpoint_directory=True)
    result = collect(task)
    zip_file = dest / directory / (path.replace("\\", "/").rsplit("/", 1)[-1] + ".zip")
    assert result["dest"] == str(zip_file) and zip_file.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]  # nothing beside dest
    assert [p.name for p in dest.iterdir()] == [directory]
    assert (dest / directory).stat().st_mode & 0o777 == 0o700
    assert task.warnings == [f"endpoint {hostname!r}: its host name is not a plain directory name; its evidence goes "
                             f"to {str(dest / directory)!r}"]


@pytest.mark.emulator(collect_delay=0.1)
def test_a_plain_host_name_is_its_own_directory_without_a_warning(emulator, make_client, tmp_path):
    task = Task(make_client(), dest=str(tmp_path), endpoint_directory=True)
    assert collect(task)["dest"] == str(tmp_path / HOST / "invoice_0423.pdf.exe.zip")
    assert task.warnings == []


@pytest.mark.emulator(collect_delay=0.1, fleet=[
    {"name": "WIN-ZIP-01", "ip": "10.9.0.4", "platform": "windows",
     "files": [{"path": "C:\\Temp\\sample.zip", "content": "PK not really"}]},
])
def test_extract_refuses_a_file_named_as_the_zip_before_writing_it(emulator, make_client, tmp_path):
    target = tmp_path / "sample.zip"
    task = Task(make_client(), hostname="WIN-ZIP-01", path="C:\\Temp\\sample.zip", dest=str(target), extract=True)
    with pytest.raises(CollectError, match="'sample.zip' that would replace the zip itself; not extracted"):
        collect(task)
    assert list(tmp_path.iterdir()) == []
