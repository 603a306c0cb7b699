"""Files and databases in and out: exports as finance teams write them (`sniff`, `amounts`,
`workbook`), read-only queries (`database`), atomic all-or-nothing writes (`files`), and output
paths checked before any work (`paths`)."""
from forecast.io.files import read_table, read_toml, write_table, write_tables
from forecast.io.sniff import RawTable

__all__ = ["RawTable", "read_table", "read_toml", "write_table", "write_tables"]
