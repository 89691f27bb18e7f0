# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the connection settings before the first request, each failing with the setting to fix, and the
environment (proxy, CA bundle) read once, as requests reads it."""

from __future__ import annotations

import math
import os
import re
import ssl
from urllib.parse import urlsplit

try:
    from requests.utils import get_environ_proxies, prepend_scheme_if_needed, select_proxy
except ImportError:  # reported by the module base and the client; nothing here runs without it
    pass

from ansible.module_utils.basic import env_fallback

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

# The connection options of every module, the event source and the inventory plugin. Documented in
# plugins/doc_fragments/connection.py and inventory_connection.py (tests/unit/test_inventory_options.py).
CONNECTION_ARGUMENT_SPEC = dict(
    url=dict(type="str", required=True, fallback=(env_fallback, ["TANIUM_URL"])),
    api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["TANIUM_API_TOKEN"])),
    username=dict(type="str", fallback=(env_fallback, ["TANIUM_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["TANIUM_PASSWORD"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["TANIUM_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["TANIUM_CA_PATH"])),
    timeout=dict(type="int", default=30, fallback=(env_fallback, ["TANIUM_TIMEOUT"])),
    retries=dict(type="int", default=5),
    api_version=dict(type="str", default="4", choices=["3", "4"], fallback=(env_fallback, ["TANIUM_TR_API_VERSION"])),
    allow_http=dict(type="bool", default=False, fallback=(env_fallback, ["TANIUM_ALLOW_HTTP"])),
)

# The CA bundle variables requests reads (trust_env), in its order; an explicit ca_path wins over them.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
# What a header value may hold: visible Latin-1 and inner spaces. A line break would end the header (requests then
# fails quoting the value: the secret); other control characters, or outer spaces, are a paste gone wrong.
_HEADER_VALUE = re.compile(r"[\x21-\x7e\xa0-\xff]+(?: +[\x21-\x7e\xa0-\xff]+)*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def url_userinfo_secrets(url):
    """The parts of `url` that must never be shown: the password and user:password of https://user:pw@host."""
    try:
        parts = urlsplit(str(url or ""))
        password = parts.password
    except ValueError:  # an invalid port or IPv6 literal: there is nothing to hide that we can find
        return []
    if "@" not in parts.netloc:
        return []
    userinfo = parts.netloc.rpartition("@")[0]
    return [secret for secret in (userinfo, password) if secret]


def checked_base_url(url, allow_http):
    """The url without a trailing slash, refusing userinfo, cleartext http (unless allowed) and other schemes.

    Messages never quote a url that holds userinfo, as that would show the password.
    """
    if url_userinfo_secrets(url):
        raise InvalidInput("url must not hold a user name or password (https://user:password@host): give them as"
                           " username and password (TANIUM_USERNAME, TANIUM_PASSWORD) or use api_token")
    try:
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port  # .port raises ValueError for a port that is not a number
    except ValueError as error:
        raise InvalidInput(f"url {url!r} is not a valid URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme == "http" and not allow_http:
        raise InvalidInput(f"url {url} uses http://, which would send the API token or password in clear text:"
                           " use https://, or set allow_http (TANIUM_ALLOW_HTTP) to true for a lab server")
    if scheme not in ("https", "http"):
        raise InvalidInput(f"url {url!r} must start with https:// (for example https://tanium.example.com)")
    if not hostname:
        raise InvalidInput(f"url {url!r} has no host name (for example https://tanium.example.com)")
    return url.rstrip("/")


def checked_verify(validate_certs, ca_path):
    """What to verify the server against: False, the CA file (ca_path, else REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE), or True (requests' own bundle, certifi's).

    A CA file that does not exist or holds no PEM certificate would otherwise surface at the first request as
    an ssl error naming neither the setting nor the reason.
    """
    if not validate_certs:
        return False
    if ca_path:
        return _checked_ca_file(ca_path, f"ca_path (TANIUM_CA_PATH) {ca_path}",
                                "give the PEM file of the CA that signed the server's certificate")
    for variable in CA_BUNDLE_VARIABLES:
        bundle = os.environ.get(variable)
        if bundle:
            # The first one set, as requests takes them.
            return _checked_ca_file(bundle, f"the {variable} environment variable names {bundle}, which",
                                    f"unset {variable} or set ca_path (TANIUM_CA_PATH) to the CA file")
    return True


def _checked_ca_file(path, subject, fix):
    """`path`, once it is known to exist and, for a file, to hold a PEM certificate; `subject` names it."""
    if not os.path.exists(path):
        raise InvalidInput(f"{subject} does not exist: {fix}")
    if os.path.isdir(path):
        return path  # a directory of hashed certificates (c_rehash) is read certificate by certificate, when needed
    try:
        ssl.create_default_context(cafile=path)
    except ssl.SSLError:
        raise InvalidInput(f"{subject} holds no PEM certificate: {fix}") from None
    except OSError as error:
        raise InvalidInput(f"{subject} cannot be read ({error.strerror}): {fix}") from None
    return path


def checked_timeout(timeout):
    """`timeout` as seconds, refusing zero, negative and non-numbers: a request must get some time."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise InvalidInput(f"timeout (TANIUM_TIMEOUT) must be a number of seconds greater than 0, not {timeout!r}")
    return timeout


def is_header_value(value):
    return bool(_HEADER_VALUE.match(value))


def checked_header_value(option, value):
    """Refuse a secret no HTTP header can carry, naming the option, never the value: nothing is sent."""
    if value is not None and not is_header_value(value):
        raise InvalidInput(f"{option} holds a line break, another control character, a leading or trailing space or a"
                           " character beyond Latin-1, which an HTTP header cannot carry (a trailing newline is what"
                           " `echo` leaves); nothing was sent")
    return value


def checked_name(option, value):
    """Refuse a user name with a line break or another control character, naming the option, never the value."""
    if value is not None and _CONTROL.search(value):
        raise InvalidInput(f"{option} holds a line break or another control character (a trailing newline is what"
                           " `echo` leaves); nothing was sent")
    return value


def environment_proxy(url):
    """The proxy url requests takes from the environment for `url` (HTTPS_PROXY or HTTP_PROXY by scheme, else
    ALL_PROXY; none when NO_PROXY lists the host, a CIDR range holding it, or host:port), or None."""
    proxy = select_proxy(url, get_environ_proxies(url))
    return prepend_scheme_if_needed(proxy, "http") if proxy else None
