"""Configuration from the environment, read when asked; errors name the variable to fix; the token
never shows in reprs, errors or logs, and a bad one stops the run at its first request."""

from __future__ import annotations

import logging

import pytest
from hubspot_helpers import EVERYTHING, hubspot_config, stream_named

from connectors.hubspot import (
    NOT_CONFIGURED,
    AuthenticationError,
    ConfigurationError,
    HubSpotConfig,
    config_from_env,
    create_client,
    streams,
)

SECRET = "pat-na1-11111111-2222-4333-8444-555555555555"


def test_unset_token_means_skip_the_source():
    assert config_from_env({}) is None
    assert config_from_env({"HUBSPOT_BASE_URL": "http://127.0.0.1:1"}) is None
    assert "HUBSPOT_ACCESS_TOKEN" in NOT_CONFIGURED


def test_defaults_and_overrides():
    config = config_from_env({"HUBSPOT_ACCESS_TOKEN": SECRET})
    assert (config.base_url, config.requests_per_10s, config.search_per_second) == (
        "https://api.hubapi.com",
        100,
        4,
    )
    config = config_from_env(
        {
            "HUBSPOT_ACCESS_TOKEN": SECRET,
            "HUBSPOT_BASE_URL": "http://127.0.0.1:8080/",
            "HUBSPOT_REQUESTS_PER_10S": "190",
        }
    )
    assert (config.base_url, config.requests_per_10s) == ("http://127.0.0.1:8080", 190)


def test_the_environment_is_read_when_asked(monkeypatch):
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    assert config_from_env() is None
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", SECRET)
    assert config_from_env().access_token == SECRET


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"HUBSPOT_ACCESS_TOKEN": ""}, "HUBSPOT_ACCESS_TOKEN"),
        ({"HUBSPOT_ACCESS_TOKEN": f" {SECRET}\n"}, "HUBSPOT_ACCESS_TOKEN"),
        ({"HUBSPOT_ACCESS_TOKEN": SECRET, "HUBSPOT_BASE_URL": "api.hubapi.com"}, "HUBSPOT_BASE_URL"),
        ({"HUBSPOT_ACCESS_TOKEN": SECRET, "HUBSPOT_REQUESTS_PER_10S": "lots"}, "HUBSPOT_REQUESTS_PER_10S"),
        ({"HUBSPOT_ACCESS_TOKEN": SECRET, "HUBSPOT_REQUESTS_PER_10S": "0"}, "HUBSPOT_REQUESTS_PER_10S"),
    ],
)
def test_malformed_values_are_named(env, variable):
    with pytest.raises(ConfigurationError, match=variable) as caught:
        config_from_env(env)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)


def test_reprs_never_show_the_token():
    config = HubSpotConfig(access_token=SECRET, base_url="http://127.0.0.1:1")
    assert SECRET not in repr(config)
    assert SECRET not in str(config)
    with create_client(config) as client:
        assert SECRET not in repr(client)
    for stream in streams(config):
        assert SECRET not in repr(stream)


def test_a_bad_token_fails_at_the_first_request_naming_the_variable(box, caplog):
    caplog.set_level(logging.DEBUG)
    config = hubspot_config(box, access_token=SECRET)
    box.requests.clear()
    with pytest.raises(AuthenticationError) as caught:
        list(stream_named(config, "hubspot.calls").pages(EVERYTHING))
    assert box.requests.count("hubspot.*") == 1
    message = str(caught.value)
    assert "HUBSPOT_ACCESS_TOKEN" in message
    assert "401" in message
    assert "HubSpot calls, window [2000-01-01T00:00:00+00:00, open)" in message
    assert SECRET not in message
    assert SECRET not in repr(caught.value)
    assert SECRET not in caplog.text
