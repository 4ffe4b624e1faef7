"""A Word (.docx) document of one titled table: what a street office prints and files
(the three rates, the overdue list). Written under a temporary name and renamed; an
existing file is never overwritten. python-docx is imported only here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gongzhi.core.services.base import check_output_path, save_new_file


def write_table_docx(path: Path, title: str, notes: Sequence[str], headers: Sequence[str],
                     rows: Sequence[Sequence[object]], *, landscape: bool = True) -> Path:
    """``title``, a line per note, then the table (header row bold, repeated on every page)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    path = check_output_path(path)
    doc = Document()
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")  # Chinese in a Chinese face
    doc.add_heading(title, level=1)
    for note in notes:
        doc.add_paragraph(note)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    header_props = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = "" if value is None else str(value)
    return save_new_file(path, lambda tmp: doc.save(str(tmp)))
