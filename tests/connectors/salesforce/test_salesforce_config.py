"""Configuration from the environment: flows, precedence, and errors that name the variables."""

from __future__ import annotations

import pytest

from connectors.salesforce import ConfigurationError, config_from_env

TOKEN = {"SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com", "SALESFORCE_ACCESS_TOKEN": "00Dtok!abc"}
PASSWORD = {
    "SALESFORCE_USERNAME": "sync@acme.example",
    "SALESFORCE_PASSWORD": "pa55 'word\"",
    "SALESFORCE_SECURITY_TOKEN": "TOKEN123",
}
CLIENT = {
    "SALESFORCE_CLIENT_ID": "3MVG9id",
    "SALESFORCE_CLIENT_SECRET": "s3cret",
    "SALESFORCE_DOMAIN": "acme.my",
}


def test_nothing_set_means_salesforce_is_skipped():
    assert config_from_env({}) is None
    assert config_from_env({"HUBSPOT_ACCESS_TOKEN": "x", "SALESFORCE_MAX_API_SHARE": "0.3"}) is None
    assert config_from_env({"SALESFORCE_USERNAME": "  "}) is None


def test_the_environment_is_read_at_call_time(monkeypatch):
    for name, value in TOKEN.items():
        monkeypatch.setenv(name, value)
    assert config_from_env().auth == "token"
    monkeypatch.delenv("SALESFORCE_ACCESS_TOKEN")
    with pytest.raises(ConfigurationError):
        config_from_env()


def test_the_three_flows():
    token = config_from_env(TOKEN)
    assert (token.auth, token.instance_url, token.access_token) == (
        "token",
        "https://acme.my.salesforce.com",
        "00Dtok!abc",
    )
    password = config_from_env(PASSWORD)
    assert (password.auth, password.domain, password.password) == (
        "password",
        "login",
        PASSWORD["SALESFORCE_PASSWORD"],
    )
    client = config_from_env(CLIENT)
    assert (client.auth, client.domain) == ("client_credentials", "acme.my")
    assert config_from_env(PASSWORD | {"SALESFORCE_DOMAIN": "test"}).domain == "test"
    assert (
        config_from_env(PASSWORD | {"SALESFORCE_DOMAIN": "https://acme.my.salesforce.com/"}).domain
        == "acme.my"
    )
    assert config_from_env(PASSWORD | {"SALESFORCE_SECURITY_TOKEN": ""}).security_token == ""
    assert config_from_env(PASSWORD).max_api_share == 0.5
    assert config_from_env(PASSWORD | {"SALESFORCE_MAX_API_SHARE": "0.25"}).max_api_share == 0.25


def test_a_complete_flow_wins_in_order():
    assert config_from_env(TOKEN | PASSWORD | CLIENT).auth == "token"
    assert config_from_env(PASSWORD | CLIENT).auth == "password"


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com"}, ["SALESFORCE_ACCESS_TOKEN"]),
        ({"SALESFORCE_USERNAME": "u"}, ["SALESFORCE_PASSWORD", "SALESFORCE_SECURITY_TOKEN"]),
        ({"SALESFORCE_USERNAME": "u", "SALESFORCE_PASSWORD": "pw-9f3k"}, ["SALESFORCE_SECURITY_TOKEN"]),
        ({"SALESFORCE_CLIENT_ID": "c"}, ["SALESFORCE_CLIENT_SECRET", "SALESFORCE_DOMAIN"]),
        ({"SALESFORCE_CLIENT_ID": "c", "SALESFORCE_CLIENT_SECRET": "cs-71x"}, ["SALESFORCE_DOMAIN"]),
        ({"SALESFORCE_DOMAIN": "acme.my"}, ["SALESFORCE_USERNAME", "SALESFORCE_PASSWORD"]),
    ],
)
def test_a_partial_set_names_the_missing_variables(env, missing):
    with pytest.raises(ConfigurationError) as err:
        config_from_env(env)
    for name in missing:
        assert name in str(err.value)
        assert name in err.value.variables
    for value in env.values():
        if value not in ("u", "c", "acme.my", "https://acme.my.salesforce.com"):
            assert value not in str(err.value)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (CLIENT | {"SALESFORCE_DOMAIN": "login"}, "SALESFORCE_DOMAIN"),
        (TOKEN | {"SALESFORCE_INSTANCE_URL": "http://acme.my.salesforce.com"}, "SALESFORCE_INSTANCE_URL"),
        (TOKEN | {"SALESFORCE_INSTANCE_URL": "acme"}, "SALESFORCE_INSTANCE_URL"),
        (PASSWORD | {"SALESFORCE_MAX_API_SHARE": "half"}, "SALESFORCE_MAX_API_SHARE"),
        (PASSWORD | {"SALESFORCE_MAX_API_SHARE": "0"}, "SALESFORCE_MAX_API_SHARE"),
        (PASSWORD | {"SALESFORCE_MAX_API_SHARE": "1.5"}, "SALESFORCE_MAX_API_SHARE"),
    ],
)
def test_a_wrong_value_names_its_variable(env, variable):
    with pytest.raises(ConfigurationError) as err:
        config_from_env(env)
    assert variable in str(err.value)
    assert err.value.variables == (variable,)


def test_secrets_stay_out_of_the_repr():
    for env in (TOKEN, PASSWORD, CLIENT):
        config = config_from_env(env)
        text = repr(config) + str(config)
        for secret in ("00Dtok!abc", PASSWORD["SALESFORCE_PASSWORD"], "TOKEN123", "s3cret"):
            assert secret not in text
