"""One import pipeline for every spreadsheet upload (the insured register, life events,
institutions, caregivers).

Upload → preview (the file is read, every row checked, nothing written; the upload is kept
encrypted) → commit (read and checked again against the database as it is now, then written in
one transaction) or discard; batches nobody decides are given up after the retention period.

- :mod:`.cells`: columns, cell values and the shared parsers (pure: no Django);
- :mod:`.reader`: the file, recognised by its content (CSV in UTF-8, GB18030 or UTF-16, or
  XLSX), as numbered rows of ``{field: text}``;
- :mod:`.run`: one pass over the rows through an app's row handler, with the capped error log;
- :mod:`.lifecycle`: registering an app's kinds, and preview, commit, discard and purge;
- :mod:`.models`: the abstract batch every app's ``ImportBatch`` extends;
- :mod:`.workbooks`: templates and the error report;
- :mod:`.pages`: commit and discard from a batch's page.

Apps keep only what a row means: their columns and a row handler (checks of the domain fields
and the write). ``core`` knows no app; each registers its kinds (:func:`.lifecycle.register`).
This package's ``__init__`` imports nothing, so the pure :mod:`.cells` stays free of Django.
"""
