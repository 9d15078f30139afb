"""The HubSpot catalogue (specs.CATALOG) is declared without a client, and the streams fill exactly the
tables it declares, in its order."""

from connectors.hubspot import HubSpotConfig, specs, streams


def test_the_streams_are_the_catalogue():
    built = streams(HubSpotConfig(access_token="pat-na1-test"))  # streams only hold the config: no request
    assert {stream.name: stream.specs for stream in built} == specs.CATALOG
    assert [stream.name for stream in built] == list(specs.CATALOG)


def test_every_landing_table_is_filled_by_one_stream():
    tables = [spec.table_name for declared in specs.CATALOG.values() for spec in declared]
    assert len(tables) == len(set(tables)) == len(specs.ALL)
    assert all(table.startswith("raw_hubspot.") for table in tables)
