# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the url and TLS settings before the first request, each failing with the setting to fix."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput

# CA bundle variables honoured as the requests library (the transport of earlier releases) honoured them,
# so a setup that relied on them keeps working.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


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
    CURL_CA_BUNDLE), or True (the system trust store, through Python's ssl defaults).

    A CA file that does not exist would otherwise surface at the first request as an ssl error naming
    neither the setting nor the reason.
    """
    if not validate_certs:
        return False
    if ca_path:
        if not os.path.exists(ca_path):
            raise InvalidInput(f"ca_path (TANIUM_CA_PATH) {ca_path} does not exist: give the PEM file of the CA"
                               " that signed the server's certificate")
        return ca_path
    for variable in CA_BUNDLE_VARIABLES:
        bundle = os.environ.get(variable)
        if bundle:
            # The first one set, as the requests library took them.
            if not os.path.exists(bundle):
                raise InvalidInput(f"the {variable} environment variable names {bundle}, which does not exist:"
                                   f" unset {variable} or set ca_path (TANIUM_CA_PATH) to the CA file")
            return bundle
    return True
