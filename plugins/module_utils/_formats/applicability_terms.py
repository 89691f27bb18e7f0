# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""THE table of intel terms and how sure we are that Threat Response evaluates them.

Tanium publishes no list of the OpenIOC terms, CybOX object types or signal properties it evaluates,
so most of this table is INFERRED: one edit here changes what the check reports everywhere.
Levels:
  known     the sources show Threat Response taking or evaluating it;
  probable  it matches telemetry Tanium documents recording (Index files, recorder events);
  unknown   anything else, including every term not listed here.
Source ids are those of the intel-terms reference (T1-T9, C1-C3, X1) and of the API reference
("wire-format quick-add"); "inferred" marks our own conclusion. docs/applicability.md explains each of them.
A key ending in "/*" covers every term below that path; the longest matching key wins.
"""

from __future__ import annotations

from collections import namedtuple

KNOWN, PROBABLE, UNKNOWN = "known", "probable", "unknown"
LEVELS = (KNOWN, PROBABLE, UNKNOWN)  # from surest to least sure

TermRule = namedtuple("TermRule", "level source reason")


def _rules(level, source, reason, *terms):
    return {term: TermRule(level, source, reason) for term in terms}


# Terms missing from a table below, per format.
UNLISTED = {
    "openioc": TermRule(UNKNOWN, "no source", "not in the applicability table: no source shows Threat Response evaluating it"),
    "stix": TermRule(UNKNOWN, "no source",
                     "CybOX object type not in the applicability table: no source shows Threat Response evaluating it"),
    "yara": TermRule(UNKNOWN, "T1", "imported module is not one of the 11 Threat Response's YARA 4.3.1 offers; a YARA "
                                    "compiler without it rejects the whole file, so none of its rules may run"),
    "signal-property": TermRule(UNKNOWN, "no source", "object.property not in the applicability table: no source shows it"),
}

# OpenIOC 1.0 and 1.1: the `search` of each IndicatorItem's Context.
OPENIOC_TERMS = {
    # The collection's issue decided these are `known`, one step above the first guess (docs/applicability.md).
    **_rules(KNOWN, "wire-format quick-add, T3, C2, C3",
             "quick-add builds OpenIOC from file hashes; Tanium names MD5 hashes as intel; alerts carry file hashes",
             "FileItem/Md5sum", "FileItem/Sha1sum", "FileItem/Sha256sum"),
    **_rules(KNOWN, "wire-format quick-add, T3, T8",
             "XSOAR's test document for the server uses it; Tanium names file names as intel; Index records them",
             "FileItem/FileName"),
    **_rules(KNOWN, "wire-format quick-add, T3", "quick-add builds OpenIOC from host names (ip_or_host); Tanium names domain names",
             "DnsEntryItem/Host"),
    **_rules(KNOWN, "wire-format quick-add, T3, T6",
             "quick-add builds OpenIOC from IP addresses (ip_or_host); Tanium names IP addresses; recorder network events",
             "PortItem/remoteIP"),
    **_rules(PROBABLE, "T8, C2, inferred", "Index records file name, size, times and directory; alerts carry file paths",
             "FileItem/FullPath", "FileItem/FilePath", "FileItem/FileExtension", "FileItem/SizeInBytes",
             "FileItem/Created", "FileItem/Modified"),
    **_rules(PROBABLE, "T7, C2, inferred", "recorder process fields; alert match properties",
             "ProcessItem/name", "ProcessItem/path", "ProcessItem/arguments", "ProcessItem/pid",
             "ProcessItem/parentpid", "ProcessItem/Username"),
    **_rules(PROBABLE, "T3, C2, inferred", "weak: Tanium names process handles as intel; alerts list process handles",
             "ProcessItem/HandleList/*"),
    **_rules(PROBABLE, "T6, wire-format quick-add, inferred", "recorder network events",
             "PortItem/remotePort", "PortItem/localIP", "PortItem/localPort", "PortItem/protocol"),
    **_rules(PROBABLE, "T3, inferred", "weak: Tanium names domain names as intel; no DNS telemetry field was seen",
             "DnsEntryItem/RecordName", "DnsEntryItem/RecordData/*"),
    **_rules(PROBABLE, "T3, T6, inferred", "Windows only: Tanium names registry data; recorder registry events",
             "RegistryItem/KeyPath", "RegistryItem/Path", "RegistryItem/ValueName", "RegistryItem/Text",
             "RegistryItem/Value"),
    **_rules(UNKNOWN, "T8, T3, inferred",
             "not among the file attributes Index records; YARA is Tanium's way to match file content",
             "FileItem/PEInfo/*", "FileItem/StringList/*", "FileItem/StreamList/*", "FileItem/Accessed",
             "FileItem/Username", "FileItem/SecurityID"),
    **_rules(UNKNOWN, "inferred", "no matching telemetry found (memory sections, per-process ports)",
             "ProcessItem/SectionList/*", "ProcessItem/PortList/*"),
    **_rules(UNKNOWN, "T1, T6, inferred",
             "OpenIOC 1.1 event term: 1.1 is accepted and the recorder has such events, but nothing shows event "
             "terms evaluated", "processEvent/*", "fileWriteEvent/*", "regKeyEvent/*", "ipv4NetworkEvent/*",
             "dnsLookupEvent/*"),
    **_rules(UNKNOWN, "T1, inferred", "OpenIOC 1.1 event term with no image-load or URL telemetry found",
             "imageLoadEvent/*", "urlMonitorEvent/*"),
    **_rules(UNKNOWN, "inferred", "unlikely: no matching Threat Response telemetry in any source",
             "ServiceItem/*", "TaskItem/*", "EventLogItem/*", "UrlHistoryItem/*", "CookieHistoryItem/*",
             "FileDownloadHistoryItem/*", "PrefetchItem/*", "Email/*", "Network/*", "SystemInfoItem/*",
             "HookItem/*", "DriverItem/*", "VolumeItem/*", "DiskItem/*", "ArpEntryItem/*", "RouteEntryItem/*",
             "UserItem/*"),
}

# STIX 1.x and CybOX 2.x: the xsi:type of each object's Properties, matched on the type's local name
# (documents choose their own prefixes: AddressObj: and AddressObject: are the same type), and the
# xsi:type of each STIX indicator Test_Mechanism, as "Test_Mechanism/<type>".
STIX_TERMS = {
    **_rules(PROBABLE, "T1, C1, inferred", "by analogy with OpenIOC file items: hashes, name, path, size",
             "FileObj:FileObjectType"),
    **_rules(PROBABLE, "T7, inferred", "by analogy with OpenIOC process items: recorder process fields",
             "ProcessObj:ProcessObjectType", "WinProcessObj:WindowsProcessObjectType"),
    **_rules(PROBABLE, "T6, wire-format quick-add, inferred", "by analogy with OpenIOC port items: recorder network events",
             "AddressObj:AddressObjectType", "PortObj:PortObjectType",
             "NetworkConnectionObj:NetworkConnectionObjectType"),
    **_rules(PROBABLE, "T3, inferred", "Tanium names domain names as intel", "DomainNameObj:DomainNameObjectType"),
    **_rules(PROBABLE, "T3, inferred", "the domain part only: Tanium names domain names; no URL telemetry found",
             "URIObj:URIObjectType"),
    **_rules(PROBABLE, "T3, T6, inferred", "Windows only: Tanium names registry data; recorder registry events",
             "WinRegistryKeyObj:WindowsRegistryKeyObjectType"),
    **_rules(UNKNOWN, "T8, inferred", "PE details beyond what Index records (as OpenIOC FileItem/PEInfo/*)",
             "WinExecutableFileObj:WindowsExecutableFileObjectType"),
    **_rules(UNKNOWN, "inferred", "unlikely: no matching telemetry, as for the same OpenIOC items",
             "EmailMessageObj:EmailMessageObjectType", "WinServiceObj:WindowsServiceObjectType",
             "WinDriverObj:WindowsDriverObjectType", "WinKernelHookObj:WindowsKernelHookObjectType",
             "MemoryObj:MemoryObjectType"),
    **_rules(UNKNOWN, "T1, inferred",
             "a rule embedded in the indicator; nothing shows Threat Response running STIX test mechanisms "
             "(upload YARA rules as YARA documents)", "Test_Mechanism/*"),
}

# YARA: the modules of Threat Response's YARA 4.3.1 (T1); any other import is UNLISTED["yara"].
YARA_MODULES = _rules(KNOWN, "T1", "a module Threat Response's YARA 4.3.1 offers",
                      "pe", "elf", "dotnet", "hash", "cuckoo", "math", "magic", "macho", "dex", "string", "time")
# YARA external variables (filename, filepath ...): no source shows Threat Response defining any, and
# a compiler without them rejects the file, so every rule of a file that uses one is unknown.
YARA_EXTERNAL = TermRule(UNKNOWN, "no source", "an external variable: no source shows Threat Response defining "
                                               "any, and a YARA compiler without it rejects the whole file")

# Tanium signals: object.property names. Only three were seen in real server output; the probable
# ones are the names a third-party backend uses (X1, unverified) for telemetry Tanium documents.
SIGNAL_PROPERTIES = {
    **_rules(KNOWN, "C1", "seen in a real server's compiled signal", "process.path", "process.command_line"),
    **_rules(KNOWN, "C2", "seen in a real server's compiled signal", "file.path"),
    **_rules(PROBABLE, "X1, T7, C2, inferred", "name from an unverified backend; the recorder records process fields",
             "process.name", "process.parent_path", "process.parent_name", "process.parent_command_line",
             "process.hash_md5", "process.hash_sha1", "process.hash_sha256", "user.name"),
    **_rules(PROBABLE, "X1, T6, C3, inferred", "name from an unverified backend; the recorder records file events",
             "file.name", "file.hash_md5", "file.hash_sha1", "file.hash_sha256"),
    **_rules(PROBABLE, "X1, T6, inferred", "name from an unverified backend; the recorder records network events",
             "network.protocol", "network.source_ip", "network.source_port", "network.destination_ip",
             "network.destination_port"),
    **_rules(PROBABLE, "X1, T6, inferred", "Windows only; name from an unverified backend; recorder registry events",
             "registry.key_path", "registry.value_name", "registry.value_data"),
    **_rules(UNKNOWN, "X1, inferred", "named only by an unverified backend, with no matching telemetry found",
             "network.destination_domain", "process.working_directory", "process.integrity_level",
             "user.logon_id", "module.*"),
}

# Tanium signals: conditions. The grammar (_formats/signals.py) accepts exactly these (object.property condition value);
# negation is written after the condition, as in the recorder's "contains not" (T7).
SIGNAL_CONDITIONS = {
    **_rules(KNOWN, "C1, C2", "seen in a real server's compiled signal", "contains"),
    **_rules(KNOWN, "C1", "seen in a real server's compiled signal", "ends with"),
    **_rules(PROBABLE, "T7, inferred", "documented in the recorder's filters, which share the signal grammar",
             "contains not"),
    **_rules(UNKNOWN, "X1", "named only by an unverified third-party backend",
             "starts with", "ends with not", "starts with not", "=", "is not", "matches", "<", "<=", ">", ">="),
    # Spellings the check's grammar also parses (as the emulator does), so no signal is refused for its
    # wording alone; none is documented, so each stays unknown.
    **_rules(UNKNOWN, "inferred", "a spelling no source shows Threat Response accepting",
             "equals", "not equals", "is", "==", "!=", "does not contain", "not contains", "not starts with",
             "not ends with"),
}
