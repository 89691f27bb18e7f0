# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every module (argspec: CONNECTION_ARGUMENT_SPEC in plugins/module_utils/_api/settings.py)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Root URL of the Tanium server or Tanium Cloud API host, for example V(https://tanium.example.com).
      - Only the scheme, host and port; the Threat Response paths are added by the collection.
      - Must start with V(https://); an V(http://) url is refused unless O(allow_http) is set.
      - A url holding a user name or password (V(https://user:password@host)) is refused, without showing it;
        use O(api_token), or O(username) and O(password).
      - If not set, the value of the E(TANIUM_URL) environment variable is used.
    type: str
    required: true
  api_token:
    description:
      - A Tanium API token, sent in the C(session) header of every request.
      - A token with a line break, another control character or an outer space (a trailing newline, as C(echo)
        leaves it) is refused before any request, naming the option and never the token.
      - The server accepts API tokens only from addresses in its C(api_token_trusted_ip_address_list)
        setting or the token's own trusted addresses.
      - A token expires after 7 days unless the server's C(api_token_expiration_in_days) setting, or the
        expiry chosen when the token was created, says otherwise; an expired token is refused with HTTP 401.
      - Takes precedence over O(username) and O(password); when both are given and the server refuses the
        token (401 or 403), the module logs in with O(username) and O(password) instead.
      - If not set, the value of the E(TANIUM_API_TOKEN) environment variable is used. Prefer the environment
        (the AWX credential type's way, or the play's C(environment) keyword), because a secret given as a module option
        is written into the module payload under C(~/.ansible/tmp) (or the remote temporary directory), which stays
        on disk when a run is killed.
    type: str
  username:
    description:
      - User to log in as at C(/api/v2/session/login) when no O(api_token) is given.
      - An expired login session is renewed once, transparently, when the server answers 401 or 403.
      - A user name with a line break or another control character is refused before any request.
      - If not set, the value of the E(TANIUM_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, the value of the E(TANIUM_PASSWORD) environment variable is used. As for O(api_token), prefer
        the environment to keep the password out of module payloads on disk.
    type: str
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate.
      - Set to V(false) only for tests; the module then warns once.
      - If not set, the value of the E(TANIUM_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the certificate of the CA that signed the server's certificate, for a private CA.
      - If not set, the value of the E(TANIUM_CA_PATH) environment variable is used, else the file named by
        E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) (the first one set, as C(requests) reads them), else the
        C(certifi) bundle C(requests) uses.
      - A file that does not exist, or holds no PEM certificate, is refused before any request, naming the setting
        it came from.
    type: path
  timeout:
    description:
      - Seconds one HTTP request may take in all - connecting, sending, and receiving the whole answer - and at
        least 1. An answer still arriving when they pass (a server trickling it) is given up on.
      - If not set, the value of the E(TANIUM_TIMEOUT) environment variable is used.
    type: int
    default: 30
  retries:
    description:
      - How many times a request is sent again after HTTP 429, 502, 503 or 504 or a connection error,
        with exponential backoff and jitter, honouring the server's C(Retry-After) header (at most 60 seconds).
      - A request that creates a document is sent again only when the server surely did not act on it
        (429, 503, or no connection made); otherwise the module looks the document up before creating it again.
    type: int
    default: 5
  api_version:
    description:
      - Which Threat Response API family to use for intel, labels and alerts.
      - V("4") uses C(/plugin/products/threat-response/api/v1) (Threat Response 4.x and later).
      - V("3") uses the older C(/plugin/products/detect3/api/v1) (Threat Response 3.x).
      - Deploy and deployment status always use the threat-response path, as the server provides them only there.
      - If not set, the value of the E(TANIUM_TR_API_VERSION) environment variable is used.
    type: str
    choices: ["3", "4"]
    default: "4"
  allow_http:
    description:
      - Allow an V(http://) O(url), for a lab server without TLS only.
      - Over V(http://) the API token or password and every document cross the network in clear text, so
        V(http://) urls are refused unless this is V(true).
      - If not set, the value of the E(TANIUM_ALLOW_HTTP) environment variable is used.
    type: bool
    default: false
requirements:
  - requests >= 2.32 and urllib3 >= 2.6 (beside ansible-core, where the module runs)
notes:
  - Proxies are taken from the standard E(HTTPS_PROXY) (or E(ALL_PROXY)) and E(NO_PROXY) environment variables as
    C(requests) reads them (E(NO_PROXY) with host names, C(host:port) entries and CIDR ranges such as V(10.0.0.0/8)),
    once per run. An V(https://) server is reached through the proxy with an HTTP C(CONNECT) tunnel; an
    V(https://) proxy url gets TLS to the proxy itself, and a V(socks5://) one needs PySocks (C(requests[socks])).
    A C(user:password) in the proxy url goes to the proxy only. A proxy that cannot be reached, or refuses the
    credentials (407), is reported as such, naming the variable, and not asked again. C(~/.netrc) is never read.
  - Every answer is read as it arrives and refused past 64 MiB once decompressed; no redirect is followed.
  - Credentials in the E(TANIUM_*) environment variables never reach the module payload that Ansible writes to disk;
    given as module options they do, until the task ends (or for good, when the run is killed).
  - An empty E(TANIUM_API_TOKEN), E(TANIUM_USERNAME), E(TANIUM_PASSWORD) or E(TANIUM_CA_PATH) counts as not set,
    as AWX injects the fields of a credential left blank (see the credential type in the collection's C(extensions/awx/)).
  - The modules run on the controller (or wherever the task is delegated); nothing is installed on endpoints.
attributes:
  action_group:
    support: full
    membership:
      - tanium.threat_response.all
    description: Use C(group/tanium.threat_response.all) in C(module_defaults) to set the connection options once.
"""
