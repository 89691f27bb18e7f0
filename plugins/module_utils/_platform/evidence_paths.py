# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where collected evidence goes on the controller.

Only the task's options choose a directory. A name that comes from the server or the endpoint (a host
name, a file name) becomes one path segment inside it, never a path of its own: separators, `%`,
control characters and the names `.` and `..` are percent-encoded, so distinct names stay distinct and
none climbs out.
"""

from __future__ import annotations

import os
import re

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

# Most file systems refuse a longer file name (in bytes).
MAX_SEGMENT_BYTES = 255
# Separators, `%` (so that the encoding stays reversible), control characters and lone surrogates
# (a JSON string may hold one; no file system name can).
_ENCODED = re.compile(r"[\x00-\x1f\x7f/\\%\ud800-\udfff]")


def path_segment(name):
    """`name` as one file or directory name: itself when it is one already, else percent-encoded.

    None when it cannot be one (empty, or longer than MAX_SEGMENT_BYTES once encoded).
    """
    segment = _ENCODED.sub(_percent_encoded, name)
    if segment in (".", ".."):
        segment = segment.replace(".", "%2E")
    if not segment or len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        return None
    return segment


def _percent_encoded(found):
    return "".join(f"%{byte:02X}" for byte in found.group().encode("utf-8", "surrogatepass"))


def check_dest(dest, endpoint_directory):
    """InvalidInput unless `dest` can receive the zip: an existing directory (required with
    `endpoint_directory`), a path ending in a separator, or a file path in an existing directory."""
    if os.path.isdir(dest):
        return
    if endpoint_directory:
        raise InvalidInput(f"dest: with endpoint_directory, dest must be an existing directory; {dest!r} is not")
    if dest.endswith(("/", os.sep)):
        raise InvalidInput(f"dest: directory {dest!r} does not exist")
    if not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        raise InvalidInput(f"dest: the directory of {dest!r} does not exist")


def zip_path(dest, path, hostname=None):
    """Where the zip goes: `dest` itself, or `<dest>/[<hostname>/]<file name on the endpoint>.zip` for a
    directory (check_dest first). `hostname`: the endpoint's host name as the platform answers it, for a
    directory of its own."""
    if not os.path.isdir(dest) and not dest.endswith(("/", os.sep)):
        return dest
    directory = dest
    if hostname is not None:
        segment = path_segment(str(hostname))
        if segment is None:
            raise InvalidInput(f"endpoint {hostname!r}: its host name cannot be a directory name (empty, or longer "
                               f"than {MAX_SEGMENT_BYTES} bytes); nothing written")
        directory = os.path.join(dest, segment)
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    name = name if name not in ("", ".", "..") else "evidence"
    file_name = path_segment(name + ".zip")
    if file_name is None:
        raise InvalidInput(f"path: the file name of {path!r} is too long for the zip's name; give dest as a file path")
    return os.path.join(directory, file_name)


def make_private_directory(directory, dest):
    """Make `directory` (one level below `dest`) mode 0700 unless it exists; a file in its place is an error."""
    if os.path.isdir(directory):
        return
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        raise InvalidInput(f"dest: {directory!r} exists in {dest!r} and is not a directory") from None
