"""Connection handling of the collector: credential check, error classification, doubled prompt."""

from __future__ import annotations

import netmiko
import pytest
from ansible.module_utils.court_net import collect
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

PARAMS = {
    "host": "127.0.0.1",
    "port": 6001,
    "platform": "mikrotik_routeros",
    "username": "admin",
    "password": "x",
    "timeout": 5,
    "backup": False,
    "mask_secrets": True,
}


class FakeConn:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.base_prompt = "[admin@gw] > [admin@gw]"


def test_doubled_routeros_prompt_is_reduced(monkeypatch):
    monkeypatch.setattr(netmiko, "ConnectHandler", FakeConn)
    conn = collect._connect(dict(PARAMS))
    assert conn.base_prompt == "[admin@gw]"
    assert conn.kwargs["device_type"] == "mikrotik_routeros" and conn.kwargs["conn_timeout"] == 5


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (NetmikoAuthenticationException("Authentication failed."), "auth_failed"),
        (NetmikoTimeoutException("TCP connection to device failed."), "timeout"),
        (ValueError("Router prompt not found: 'login:'"), "unexpected_prompt"),
    ],
)
def test_connection_errors_are_one_clear_line(monkeypatch, exc, kind):
    def boom(**kwargs):
        raise exc

    monkeypatch.setattr(netmiko, "ConnectHandler", boom)
    with pytest.raises(collect.DeviceError) as err:
        collect._connect(dict(PARAMS))
    assert err.value.kind == kind
    assert "admin@127.0.0.1:6001" in str(err.value) and "\n" not in str(err.value)


def test_missing_credentials_and_platform():
    with pytest.raises(collect.DeviceError, match="no password or SSH key"):
        collect._connect(dict(PARAMS, password=None))
    with pytest.raises(collect.DeviceError, match="not supported"):
        collect.collect(dict(PARAMS, platform="juniper_junos"))


class FlakyConn:
    def __init__(self, failures: int):
        self.failures = failures
        self.sent = 0

    def send_command(self, command, read_timeout):
        self.sent += 1
        if self.sent <= self.failures:
            raise OSError("Pattern not detected: '\\[admin@gw\\]\\ >\\ \\[admin@gw\\]\\ >' in output.")
        return "   name: ether1\n[admin@gw] >\n"

    def read_channel(self):
        return "[admin@gw] > "


def test_prompt_mixup_gets_one_retry():
    conn = FlakyConn(failures=1)
    assert collect._run(conn, "/x", dict(PARAMS), lambda out: None) == "   name: ether1"
    assert conn.sent == 2
    with pytest.raises(collect.DeviceError, match="'/x' did not finish") as err:
        collect._run(FlakyConn(failures=2), "/x", dict(PARAMS), lambda out: None)
    assert err.value.kind == "command_timeout"
