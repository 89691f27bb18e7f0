# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of the plugins that run in the controller process (the endpoints inventory).

The same names, defaults and TANIUM_* variables as the modules' connection options
(plugins/doc_fragments/connection.py, plugins/module_utils/_api/settings.py); here Ansible's configuration
system reads the variables, so each option lists its `env` entry.
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  url:
    description:
      - The Tanium server (or Tanium Cloud API host) to read the fleet from, as its root URL, for example
        V(https://tanium.example.com).
      - Must start with V(https://) (V(http://) only with O(allow_http)), and must not hold a user name or password.
      - Required, here or in the environment.
    type: str
    env:
      - name: TANIUM_URL
  api_token:
    description:
      - A Tanium API token, sent in the C(session) header of every request.
      - The server accepts it only from addresses in its trusted IP list, and it expires (7 days by default).
      - Prefer the environment (what the AWX credential type of the collection injects) or a vaulted value to a
        token in clear text in the inventory file.
    type: str
    env:
      - name: TANIUM_API_TOKEN
  username:
    description:
      - User to log in as at C(/api/v2/session/login) when no O(api_token) is given.
    type: str
    env:
      - name: TANIUM_USERNAME
  password:
    description:
      - Password of O(username).
    type: str
    env:
      - name: TANIUM_PASSWORD
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. V(false) is for tests only, and warns.
    type: bool
    default: true
    env:
      - name: TANIUM_VALIDATE_CERTS
  ca_path:
    description:
      - PEM file of the CA that signed the server's certificate, for a private CA.
      - When not set, the file named by E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) if one is set, else the system
        trust store. A file that does not exist is refused before any request.
    type: path
    env:
      - name: TANIUM_CA_PATH
  timeout:
    description:
      - Seconds to wait for each HTTP request.
    type: int
    default: 30
    env:
      - name: TANIUM_TIMEOUT
  retries:
    description:
      - How many times a request is sent again after HTTP 429, 502, 503 or 504 or a connection error, with
        exponential backoff and jitter, honouring C(Retry-After).
    type: int
    default: 5
  api_version:
    description:
      - Which Threat Response API family to read alerts from.
      - V("4") uses C(/plugin/products/threat-response/api/v1) (Threat Response 4.x and later); V("3") uses
        C(/plugin/products/detect3/api/v1) (Threat Response 3.x).
    type: str
    choices: ["3", "4"]
    default: "4"
    env:
      - name: TANIUM_TR_API_VERSION
  allow_http:
    description:
      - Allow an V(http://) O(url), for a lab server without TLS only, since the token or password would then cross
        the network in clear text.
    type: bool
    default: false
    env:
      - name: TANIUM_ALLOW_HTTP
notes:
  - An empty E(TANIUM_URL), E(TANIUM_API_TOKEN), E(TANIUM_USERNAME), E(TANIUM_PASSWORD), E(TANIUM_CA_PATH) or
    E(TANIUM_VALIDATE_CERTS) counts as not set, as AWX injects the fields of a credential left blank as empty values;
    so an empty E(TANIUM_VALIDATE_CERTS) keeps certificate checks on.
  - Proxies are taken from E(HTTPS_PROXY) (or E(ALL_PROXY)) and E(NO_PROXY); C(~/.netrc) is never read.
  - Tokens and passwords never appear in the inventory, its cache, warnings or errors, at any verbosity.
"""
