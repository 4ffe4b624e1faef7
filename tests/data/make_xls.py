"""How ``12345导出.xls`` (a small legacy Excel 97–2003 ticket export, BIFF8) was made, once:
``PYTHONPATH=<a folder with xlwt> python tests/data/make_xls.py``. xlwt is not a dependency of
the project: the file is checked in, and the import reads it with python-calamine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlwt

HEADER = ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "来电号码", "工单状态"]
ROWS = [
    # the ticket number a number cell, as Excel keeps digits; the time a date cell
    [202603050101, datetime(2026, 3, 5, 9, 30), "路灯", "路灯不亮，晚上很黑", "盛康园1号楼", "13812345678", "已受理"],
    ["202603050102", "2026年3月5日 9时40分", "照明设施", "荣雅园路灯坏了", "荣雅社区荣雅园", "", "待受理"],
    ["2.02603E+11", "2026/3/5 9:50", "路灯", "科学计数法", "盛康园", "", ""],
]


def main() -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("工单")
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
    for c, title in enumerate(HEADER):
        sheet.write(0, c, title)
    for r, row in enumerate(ROWS, start=1):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write(r, c, value, when)
            else:
                sheet.write(r, c, value)
    book.save(str(Path(__file__).with_name("12345导出.xls")))


if __name__ == "__main__":
    main()
