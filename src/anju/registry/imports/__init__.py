"""Import of the 楼盘表 from CSV and Excel files, and the merge of several sources into one record.

One row of a file describes one home. A file comes from one *source* (预售 presale, 测绘 survey,
登记 registration, 租赁 rental, or manual entry). What each source said about a home is kept in
``home_source_records``; the register's value of each field is the value of the source with the lowest
rank in ``source_rules`` (data, not code). Differences between sources are *conflicts* and are reported.

The pipeline of :func:`import_file` (``jobs``), one module per step:

1. ``formats``: size limit, format sniffing (CSV in UTF-8 / GB18030 / UTF-16, or .xlsx read as a
   stream within ``xlsx.XlsxLimits``);
   ``columns``: header mapping (English or Chinese names, see :data:`COLUMNS` and ``docs/import-format.md``);
2. ``scan``: every row is parsed (``cells``) and checked on its own (no query per row; districts and
   streets through ``streets``); ``plan``: resolved against the register with a few bulk queries;
3. ``write``, in one transaction: new estates, buildings and homes through the bulk path, changed homes
   through :func:`anju.registry.changes.change_home` so that their history is kept.

``all_or_nothing`` (the default) changes nothing when any row is bad; ``good_rows`` loads the good rows
and returns the rejected ones with the reason. Every attempt is recorded in ``import_jobs``.
"""

from anju.core.sheet import SheetData
from anju.core.xlsx import XlsxLimits
from anju.registry.imports.columns import COLUMNS, ColumnSpec
from anju.registry.imports.formats import decode_csv, read_sheet
from anju.registry.imports.jobs import (
    ImportJob,
    ImportJobWithReport,
    ImportResult,
    get_job,
    import_file,
    job_rejects_csv,
    list_jobs,
    remerge,
)
from anju.registry.imports.plan import load_rules, merge_values

__all__ = [
    "COLUMNS",
    "ColumnSpec",
    "ImportJob",
    "ImportJobWithReport",
    "ImportResult",
    "SheetData",
    "XlsxLimits",
    "decode_csv",
    "get_job",
    "import_file",
    "job_rejects_csv",
    "list_jobs",
    "load_rules",
    "merge_values",
    "read_sheet",
    "remerge",
]
