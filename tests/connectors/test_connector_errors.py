"""Both connectors raise the kinds of connectors.errors, so callers catch one class per kind."""

import pytest

from connectors import errors, hubspot, salesforce

KINDS = (errors.ConfigurationError, errors.AuthenticationError, errors.RequestError, errors.RetriesExhausted)


@pytest.mark.parametrize("crm", [salesforce, hubspot], ids=["salesforce", "hubspot"])
@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_each_crm_names_each_kind_as_the_shared_base_does(crm, kind):
    own = getattr(crm, kind.__name__)
    assert issubclass(own, kind)
    assert own.source == crm.__name__.rsplit(".", 1)[-1]


def test_salesforce_specific_kinds_are_kinds_of_the_shared_bases():
    from connectors.salesforce.errors import BulkJobError

    assert issubclass(salesforce.SessionExpiredError, errors.AuthenticationError)
    assert issubclass(BulkJobError, errors.RequestError)
    assert issubclass(salesforce.ApiAllocationError, errors.ConnectorError)
    assert not issubclass(salesforce.ApiAllocationError, errors.RequestError | errors.RetriesExhausted)


@pytest.mark.parametrize(
    ("read", "env", "source", "message"),
    [
        (
            salesforce.config_from_env,
            {"SALESFORCE_USERNAME": "rep@example.com"},
            "salesforce",
            "Salesforce is configured partially: set SALESFORCE_PASSWORD, SALESFORCE_SECURITY_TOKEN "
            "for the password login",
        ),
        (
            hubspot.config_from_env,
            {"HUBSPOT_ACCESS_TOKEN": " "},
            "hubspot",
            "HubSpot: HUBSPOT_ACCESS_TOKEN is empty: set it to your private app's access token",
        ),
    ],
    ids=["salesforce", "hubspot"],
)
def test_either_crms_configuration_error_is_caught_by_the_base_with_its_message(read, env, source, message):
    with pytest.raises(errors.ConfigurationError) as caught:
        read(env)
    assert caught.value.source == source
    assert str(caught.value) == message
