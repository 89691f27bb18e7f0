"""Unit-test fixtures: a client pointed at the emulator fixture."""

import pytest


@pytest.fixture
def make_client(emulator):
    """Build a ThreatResponseClient for the emulator; keyword arguments override the defaults."""
    from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import ThreatResponseClient

    def build(**overrides):
        settings = dict(url=emulator.url, api_token=emulator.api_token, ca_path=emulator.ca_file, retries=2,
                        timeout=10)
        settings.update(overrides)
        return ThreatResponseClient(**settings)

    return build
