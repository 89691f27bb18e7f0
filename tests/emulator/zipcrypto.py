"""A one-file zip encrypted with traditional PKWARE encryption (ZipCrypto), as Threat Response
hands out collected files (password `infected`; docs/wire-format.md#file-collection).

The standard library reads such archives (zipfile with `pwd=`) but cannot write them, so this
writes one: stored (not deflated), with the 12-byte encryption header whose last byte is the
CRC's high byte, so readers can check the password.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)
_DOS_TIME, _DOS_DATE = 0, (2026 - 1980) << 9 | 1 << 5 | 1  # 2026-01-01 00:00: stable bytes


class _Keys:
    def __init__(self, password: bytes):
        self.k0, self.k1, self.k2 = 0x12345678, 0x23456789, 0x34567890
        for byte in password:
            self.update(byte)

    def update(self, byte: int) -> None:
        self.k0 = _crc_byte(self.k0, byte)
        self.k1 = ((self.k1 + (self.k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        self.k2 = _crc_byte(self.k2, self.k1 >> 24)

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            temp = (self.k2 | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            self.update(byte)
        return bytes(out)


def _crc_byte(crc: int, byte: int) -> int:
    return _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)


def encrypted_zip(name: str, data: bytes, password: bytes = b"infected") -> bytes:
    """The archive bytes; the same input gives the same bytes (the header is derived, not random)."""
    crc = zlib.crc32(data) & 0xFFFFFFFF
    header = hashlib.sha256(name.encode() + data).digest()[:11] + bytes([crc >> 24])
    body = _Keys(password).encrypt(header + data)
    encoded = name.encode("utf-8")
    flags = 0x1 | 0x800  # encrypted; UTF-8 name
    common = struct.pack("<HHHHIII", flags, 0, _DOS_TIME, _DOS_DATE, crc, len(body), len(data))
    local = struct.pack("<IH", 0x04034B50, 20) + common + struct.pack("<HH", len(encoded), 0) + encoded
    central = (struct.pack("<IHH", 0x02014B50, 20, 20) + common
               + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, 0) + encoded)
    offset = len(local) + len(body)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), offset, 0)
    return local + body + central + end
