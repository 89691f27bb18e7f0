"""The evidence zip: hashes read inside it, and extraction that stays in its directory and within its bound."""

import hashlib
import io
import os
import zipfile

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._platform import evidence_zip
from emulator.zipcrypto import encrypted_zip  # the emulator writes zips as Threat Response sends them

DATA = b"MZ not really a program\n" * 10


def plain_zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_summary_reads_the_file_inside_with_the_password():
    found = evidence_zip.summary(encrypted_zip("sample.exe", DATA))
    assert found == {"name": "sample.exe", "size": len(DATA), "md5": hashlib.md5(DATA).hexdigest(),
                     "sha1": hashlib.sha1(DATA).hexdigest(), "sha256": hashlib.sha256(DATA).hexdigest()}
    assert evidence_zip.matches(found, hashlib.sha1(DATA).hexdigest().upper())
    assert not evidence_zip.matches(found, "0" * 64) and not evidence_zip.matches(found, "abc")


def test_a_zip_with_another_password_is_refused():
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="cannot read 'sample.exe'"):
        evidence_zip.summary(encrypted_zip("sample.exe", DATA, password=b"other"))


def test_a_zip_of_two_files_or_no_zip_is_refused():
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="holds 2 files"):
        evidence_zip.summary(plain_zip([("a", b"1"), ("b", b"2")]))
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="not a readable zip"):
        evidence_zip.summary(b"<html>proxy error</html>")


@pytest.mark.parametrize("name", ["../evil", "sub/../../evil", "/etc/evil", "..\\evil", "C:\\evil", "C:evil"])
def test_extract_refuses_entries_outside_the_directory_before_writing(tmp_path, name):
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(plain_zip([("fine.txt", b"ok"), (name, b"boom")]))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="outside its directory"):
        evidence_zip.extract(str(archive), str(target))
    assert list(target.iterdir()) == [] and not (tmp_path / "evil").exists()


def test_extract_is_bounded(tmp_path):
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(plain_zip([("big.bin", b"\0" * 5000)]))
    with pytest.raises(evidence_zip.EvidenceArchiveError, match="more than 4096 bytes"):
        evidence_zip.extract(str(archive), str(tmp_path), limit=4096)
    assert not (tmp_path / "big.bin").exists()


def test_extract_writes_owner_only_files(tmp_path):
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(encrypted_zip("sample.exe", DATA))
    written = evidence_zip.extract(str(archive), str(tmp_path))
    assert written == [str(tmp_path / "sample.exe")]
    assert (tmp_path / "sample.exe").read_bytes() == DATA
    assert os.stat(written[0]).st_mode & 0o777 == 0o600


def test_write_private_is_0600(tmp_path):
    evidence_zip.write_private(str(tmp_path / "x.zip"), b"zip")
    assert (tmp_path / "x.zip").stat().st_mode & 0o777 == 0o600 and [p.name for p in tmp_path.iterdir()] == ["x.zip"]
