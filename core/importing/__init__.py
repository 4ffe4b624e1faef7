"""Bringing data in: ticket exports of the 12345 hotline and the Jinzhitong platform
(CSV or Excel, often GBK) become requests through the request services.

- :mod:`gongzhi.core.importing.reading`: a file's header and rows as text (CSV in UTF-8 with
  or without BOM, GBK/GB18030; .xlsx and .xls through python-calamine);
- :mod:`gongzhi.core.importing.values`: parsing the messy values of real exports;
- :mod:`gongzhi.core.importing.profiles`: column-mapping profiles (shipped: ``12345``,
  ``jinzhitong``; see docs/importing.md);
- :mod:`gongzhi.core.importing.requests`: the dry run and the commit;
- :mod:`gongzhi.core.importing.batch`: new tickets and residents written in batches, with the
  services' checks, rows, timeline and audit records;
- :mod:`gongzhi.core.importing.people`, :mod:`gongzhi.core.importing.registers`: residents, places and
  organisations from registers;
- :mod:`gongzhi.core.importing.review`: the clerk's review of a dry run (a rejected address match
  makes its row a bad row), used by the app's import screen (tui.screens.import_data).
"""
