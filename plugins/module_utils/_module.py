# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every module: connection options, the client, and errors turned into fail_json."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import ThreatResponseClient
from ansible_collections.tanium.threat_response.plugins.module_utils._api.exchange import REQUESTS_IMPORT_ERROR
from ansible_collections.tanium.threat_response.plugins.module_utils._api.settings import (
    CONNECTION_ARGUMENT_SPEC,
    checked_timeout,
    url_userinfo_secrets,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import IntelFormatError
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    InvalidInput,
    Scrubber,
    ThreatResponseError,
)


def wait_argument_spec(timeout, sleep):
    """wait_timeout and wait_sleep with a module's own defaults (documented in plugins/doc_fragments/wait.py)."""
    return dict(wait_timeout=dict(type="int", default=timeout), wait_sleep=dict(type="int", default=sleep))


class ThreatResponseModule(AnsibleModule):
    """AnsibleModule with the connection options, a lazily built client and error mapping.

    A module subclasses nothing: it builds one of these with its own options and calls
    `module.run(function)`, where `function(module)` returns the result dict. `exactly_one_of` lists
    groups of options of which a task must give exactly one (mutually exclusive and one required).
    """

    def __init__(self, argument_spec=None, exactly_one_of=(), **kwargs):
        spec = dict(CONNECTION_ARGUMENT_SPEC)
        spec.update(argument_spec or {})
        kwargs.setdefault("supports_check_mode", True)
        required_one_of = list(kwargs.pop("required_one_of", [])) + list(exactly_one_of)
        mutually_exclusive = list(kwargs.pop("mutually_exclusive", [])) + list(exactly_one_of)
        super().__init__(
            argument_spec=spec,
            required_one_of=[("api_token", "username")] + required_one_of,
            required_together=[("username", "password")],
            mutually_exclusive=mutually_exclusive,
            **kwargs,
        )
        if REQUESTS_IMPORT_ERROR:
            self.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.scrub = Scrubber(on_add=self.no_log_values.add)
        for secret in list(self.no_log_values):  # every no_log option, in every written form, from the start
            self.scrub.add(secret)
        self._said = set()
        self._client = None

    @property
    def client(self):
        if self._client is None:
            p = self.params
            self._client = ThreatResponseClient(
                # An empty variable in the environment (AWX injects unset fields as "") means "not set".
                url=p["url"], api_token=p["api_token"] or None, username=p["username"] or None,
                password=p["password"] or None,
                validate_certs=p["validate_certs"], ca_path=p["ca_path"], timeout=p["timeout"],
                retries=p["retries"], api_version=p["api_version"], warn=self.warn, scrubber=self.scrub,
                pool_size=max(10, p.get("parallel") or 0), allow_http=p["allow_http"],
            )
        return self._client

    def warn(self, warning):
        """Each distinct warning once per task, with secrets scrubbed."""
        warning = self.scrub(warning)
        if warning not in self._said:
            self._said.add(warning)
            super().warn(warning)

    def fail_json(self, msg, **kwargs):
        # A url with user:password@ is refused, but Ansible echoes the options with every failure, also a
        # failure of option validation itself (called from __init__): mask them first.
        for secret in url_userinfo_secrets((getattr(self, "params", None) or {}).get("url")):
            self.no_log_values.add(secret)
        super().fail_json(msg=msg, **kwargs)

    def run(self, body):
        """Call body(module) and exit with its result; any error becomes one scrubbed line, without a traceback."""
        try:
            _check_numbers(self.params)
            result = body(self)
        except ThreatResponseError as error:
            message, fields = str(error), _error_fields(error)
        except (InvalidInput, IntelFormatError) as error:
            message, fields = str(error), {}
        except Exception as error:  # noqa: BLE001 - a library's or our own slip: still one line, still scrubbed
            message, fields = " ".join(self.scrub(f"unexpected {type(error).__name__}: {error}").split()), {}
        else:
            self.exit_json(**result)
            return
        self.fail_json(msg=self.scrub(message), **fields)


def _check_numbers(params):
    # Checked before a module starts anything: a request must get some time, and so must a wait.
    if params.get("timeout") is not None:
        checked_timeout(params["timeout"])
    if "wait_sleep" in params and (params["wait_sleep"] < 1 or params["wait_timeout"] < 0):
        raise InvalidInput("wait_sleep must be at least 1 and wait_timeout must not be negative")


def _error_fields(error):
    fields = {}
    for name in ("method", "path"):
        if getattr(error, name, None) is not None:
            fields[name] = getattr(error, name)
    if isinstance(error, ApiError) and isinstance(error.status, int):
        fields["status"] = error.status
    # What a task wrote before it failed (changed, what, task ids): a failure must not hide a write.
    fields.update(getattr(error, "result", None) or {})
    return fields
