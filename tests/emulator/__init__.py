"""A Tanium Threat Response emulator: a real HTTPS server on 127.0.0.1 for tests and demos.

    from emulator import EmulatorServer, EmulatorConfig
    with EmulatorServer(EmulatorConfig(deploy_delay=0.2)) as srv:
        requests.get(srv.url + "/plugin/products/threat-response/api/v1/intels",
                     headers={"session": srv.api_token}, verify=srv.ca_file)

It imports nothing from the collection, so it does not share the client's assumptions.
See README.md in this directory.
"""

from .config import EmulatorConfig
from .server import EmulatorServer

__all__ = ["EmulatorConfig", "EmulatorServer"]
