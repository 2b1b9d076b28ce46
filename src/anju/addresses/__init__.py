"""Address standardisation and the property–police address fusion library (房产公安房屋地址融合库)."""

from anju.addresses.linking import (
    MAX_BATCH_PARSE,
    InputRecord,
    JobReport,
    RecordResult,
    demo_link_job,
    parse_many,
    read_records,
    run_link_job,
)
from anju.addresses.parser import ParsedAddress, Parser, estate_key, normalise_name, parse
from anju.addresses.review import QueueFilter, decide, get_record, list_jobs, list_records
from anju.addresses.tables import address_candidates, address_decisions, address_link_jobs, address_records

__all__ = [
    "MAX_BATCH_PARSE",
    "InputRecord",
    "JobReport",
    "ParsedAddress",
    "Parser",
    "QueueFilter",
    "RecordResult",
    "address_candidates",
    "address_decisions",
    "address_link_jobs",
    "address_records",
    "decide",
    "demo_link_job",
    "estate_key",
    "get_record",
    "list_jobs",
    "list_records",
    "normalise_name",
    "parse",
    "parse_many",
    "read_records",
    "run_link_job",
]
