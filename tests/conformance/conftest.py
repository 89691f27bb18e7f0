"""Fixtures for the emulator's own tests: running servers and a client for them."""

from __future__ import annotations

import pytest

from emulator_testkit import Api, EmulatorServer, start_server


@pytest.fixture
def make_server():
    started = []

    def start(**config) -> EmulatorServer:
        server = start_server(**config)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def srv(make_server) -> EmulatorServer:
    return make_server()


@pytest.fixture
def api(srv) -> Api:
    return Api(srv)
