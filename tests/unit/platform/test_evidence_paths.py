"""Where collected evidence goes: names the server answers become one path segment inside dest, never a path."""

import os

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._platform.evidence_paths import (
    check_dest,
    make_private_directory,
    path_segment,
    zip_path,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

HOSTILE = ["../victim", "/etc", "..", ".", "a/b", "a\\b", "..\\..\\x", "x\x00y", "line\nbreak", "50%", "\ud800",
           "../../../../etc/cron.d", "~root"]


@pytest.mark.parametrize(("name", "segment"), [
    ("WIN-HR-03", "WIN-HR-03"),  # a plain name stays as it is
    ("lnx-build-02.example.com", "lnx-build-02.example.com"),
    ("invoice 0423.pdf.exe.zip", "invoice 0423.pdf.exe.zip"),
    ("...", "..."),
    (".ssh", ".ssh"),
    ("../victim", "..%2Fvictim"),
    ("/etc", "%2Fetc"),
    ("..", "%2E%2E"),
    (".", "%2E"),
    ("a\\b", "a%5Cb"),
    ("x\x00y", "x%00y"),
    ("50%", "50%25"),
    ("\ud800", "%ED%A0%80"),
])
def test_a_name_becomes_one_segment_encoded_only_where_it_must(name, segment):
    assert path_segment(name) == segment


def test_distinct_names_stay_distinct():
    names = HOSTILE + ["%2Fetc", "%2E%2E", "..%2Fvictim", "a%5Cb"]
    assert len({path_segment(name) for name in names}) == len(names)


@pytest.mark.parametrize("name", ["", "x" * 256, "é" * 128])
def test_a_name_that_cannot_be_one_segment_is_none(name):
    assert path_segment(name) is None


@pytest.mark.parametrize("hostname", HOSTILE)
def test_an_endpoint_directory_from_any_host_name_stays_inside_dest(tmp_path, hostname):
    dest = str(tmp_path)
    target = zip_path(dest + "/", "C:\\Users\\x\\invoice.exe", hostname)
    directory = os.path.dirname(target)
    assert os.path.dirname(directory) == dest and os.path.basename(directory) not in ("", ".", "..")
    make_private_directory(directory, dest)
    assert os.path.realpath(directory).startswith(os.path.realpath(dest) + os.sep)
    assert sorted(os.listdir(tmp_path)) == [os.path.basename(directory)]
    assert os.stat(directory).st_mode & 0o777 == 0o700


def test_a_host_name_that_cannot_be_a_directory_is_refused_naming_the_endpoint(tmp_path):
    with pytest.raises(InvalidInput, match=r"^endpoint '': its host name cannot be a directory name"):
        zip_path(str(tmp_path), "C:\\x.exe", "")


@pytest.mark.parametrize(("path", "name"), [
    ("C:\\Users\\x\\invoice.exe", "invoice.exe.zip"),
    ("/tmp/a\x00b", "a%00b.zip"),
    ("C:\\Users\\x\\..", "evidence.zip"),
    ("/", "evidence.zip"),
])
def test_the_zip_is_named_after_the_file_only(tmp_path, path, name):
    assert zip_path(str(tmp_path), path) == str(tmp_path / name)


def test_dest_as_a_file_path_is_used_as_it_is(tmp_path):
    assert zip_path(str(tmp_path / "sample.zip"), "C:\\x.exe") == str(tmp_path / "sample.zip")


def test_dest_is_checked_before_anything_else(tmp_path):
    check_dest(str(tmp_path), True)
    check_dest(str(tmp_path / "sample.zip"), False)
    with pytest.raises(InvalidInput, match="^dest: with endpoint_directory, dest must be an existing directory"):
        check_dest(str(tmp_path / "sample.zip"), True)
    with pytest.raises(InvalidInput, match="^dest: directory .* does not exist"):
        check_dest(str(tmp_path / "missing") + "/", False)
    with pytest.raises(InvalidInput, match="^dest: the directory of .* does not exist"):
        check_dest(str(tmp_path / "missing" / "sample.zip"), False)


def test_a_file_where_the_endpoint_directory_goes_is_an_error(tmp_path):
    (tmp_path / "WIN-HR-03").write_text("not a directory")
    with pytest.raises(InvalidInput, match="exists in .* and is not a directory"):
        make_private_directory(str(tmp_path / "WIN-HR-03"), str(tmp_path))
