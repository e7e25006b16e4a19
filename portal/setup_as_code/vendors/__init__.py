"""One reader per vendor: ``read(source, *, now) -> Plan``. READERS names them for the command."""

from portal.setup_as_code.vendors import oncall, opsgenie, pagerduty

READERS = {"oncall": oncall.read, "opsgenie": opsgenie.read, "pagerduty": pagerduty.read}
