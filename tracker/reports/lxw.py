"""The few calls of libxlsxwriter (the C library behind XlsxWriter, by the same author,
from Debian's ``libxlsxwriter4`` package) that the XLSX registers need, through ctypes.

Why the C library and not the Python package: a register of 100,000 rows writes a
million cells, and XlsxWriter's per-cell work (about 7 µs) was most of an export —
4.6-4.9 times the bare query, where the issue asks for 3 (bench/RESULTS.md). The C
library writes the same XML in about 2 µs a cell from Python, ctypes' own call included.
It is the same well-kept writer in C, packaged by Debian; this module is only its
calling convention: no XML, no zip, no styles of ours.

Only what the registers use is declared. Every call that can fail returns libxlsxwriter's
error number, turned into :class:`~tracker.domain.errors.ReportError` with the library's
own text. The library is loaded on first use, so ``tracker`` starts without it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from pathlib import Path
from typing import Any

from tracker.domain.errors import ConfigError, ReportError

_P = ctypes.c_void_p
_ROW, _COL = ctypes.c_uint32, ctypes.c_uint16  # lxw_row_t, lxw_col_t
_TEXT = ctypes.c_char_p
_MALLOC_FAILED, _CREATING_FILE = 1, 2  # lxw_error numbers used when a call returns NULL
INSTALL = "apt-get install libxlsxwriter4"


class _Options(ctypes.Structure):
    """``lxw_workbook_options``. Later releases append fields (an output buffer and its
    size in 1.1.5); the spare zeroed words keep whatever a newer library reads past the
    three of 1.1.4 at their defaults."""

    _fields_ = [
        ("constant_memory", ctypes.c_uint8),
        ("tmpdir", _TEXT),
        ("use_zip64", ctypes.c_uint8),
        ("_spare", _P * 8),
    ]


class _Properties(ctypes.Structure):
    """``lxw_doc_properties``: ten texts and the creation time (0 = now)."""

    _fields_ = [
        ("title", _TEXT),
        ("subject", _TEXT),
        ("author", _TEXT),
        ("manager", _TEXT),
        ("company", _TEXT),
        ("category", _TEXT),
        ("keywords", _TEXT),
        ("comments", _TEXT),
        ("status", _TEXT),
        ("hyperlink_base", _TEXT),
        ("created", ctypes.c_long),  # time_t
        ("_spare", _P * 8),
    ]


# name: (result type, argument types); None = void
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "workbook_new_opt": (_P, [_TEXT, ctypes.POINTER(_Options)]),
    "workbook_add_worksheet": (_P, [_P, _TEXT]),
    "workbook_add_format": (_P, [_P]),
    "workbook_set_properties": (ctypes.c_int, [_P, ctypes.POINTER(_Properties)]),
    "workbook_close": (ctypes.c_int, [_P]),
    "lxw_workbook_free": (None, [_P]),
    "lxw_strerror": (_TEXT, [ctypes.c_int]),
    "format_set_bold": (None, [_P]),
    "format_set_font_size": (None, [_P, ctypes.c_double]),
    "format_set_bg_color": (None, [_P, ctypes.c_uint32]),
    "format_set_border": (None, [_P, ctypes.c_uint8]),
    "format_set_text_wrap": (None, [_P]),
    "format_set_num_format": (None, [_P, _TEXT]),
    "worksheet_set_column": (ctypes.c_int, [_P, _COL, _COL, ctypes.c_double, _P]),
    "worksheet_set_landscape": (None, [_P]),
    "worksheet_set_paper": (None, [_P, ctypes.c_uint8]),
    "worksheet_fit_to_pages": (None, [_P, ctypes.c_uint16, ctypes.c_uint16]),
    "worksheet_repeat_rows": (ctypes.c_int, [_P, _ROW, _ROW]),
    "worksheet_freeze_panes": (None, [_P, _ROW, _COL]),
    "worksheet_autofilter": (ctypes.c_int, [_P, _ROW, _COL, _ROW, _COL]),
    "worksheet_write_string": (ctypes.c_int, [_P, _ROW, _COL, _TEXT, _P]),
    "worksheet_write_number": (ctypes.c_int, [_P, _ROW, _COL, ctypes.c_double, _P]),
}


@cache
def library() -> ctypes.CDLL:
    """libxlsxwriter with the signatures declared (loaded once); :class:`ConfigError`
    saying how to install it when the machine has none."""
    name = ctypes.util.find_library("xlsxwriter")
    try:
        lib = ctypes.CDLL(name or "libxlsxwriter.so.4")
    except OSError as exc:
        raise ConfigError(
            f"libxlsxwriter is not installed (needed for XLSX registers): {INSTALL}",
            zh=f"未安装 libxlsxwriter（导出 XLSX 登记簿需要）：{INSTALL}",
        ) from exc
    for func, (restype, argtypes) in _SIGNATURES.items():
        f = getattr(lib, func)
        f.restype, f.argtypes = restype, argtypes
    return lib


def check(code: int, what: str) -> None:
    """Raise :class:`ReportError` for libxlsxwriter's error number ``code`` (0 = fine)."""
    if code:
        reason = (library().lxw_strerror(code) or b"").decode(errors="replace")
        raise ReportError(
            f"the XLSX workbook could not be written ({what}: {reason})",
            zh=f"无法写出 XLSX 工作簿（{what}：{reason}）",
        )


class Workbook:
    """One workbook written to ``path`` in constant-memory mode, its rows kept in
    temporary files under ``tmpdir`` until :meth:`close`; :meth:`discard` frees it
    without writing anything."""

    def __init__(self, path: Path, tmpdir: Path) -> None:
        self.lib = library()
        self._options = _Options(constant_memory=1, tmpdir=str(tmpdir).encode(), use_zip64=1)
        self.book = self.lib.workbook_new_opt(str(path).encode(), ctypes.byref(self._options))
        if not self.book:
            check(_CREATING_FILE, "new workbook")

    def properties(self, title: str, author: str) -> None:
        """Set the document's title and author."""
        self._properties = _Properties(title=title.encode(), author=author.encode())
        done = self.lib.workbook_set_properties(self.book, ctypes.byref(self._properties))
        check(done, "properties")

    def add_format(
        self,
        *,
        bold: bool = False,
        size: float = 0,
        fill: int | None = None,
        border: int = 0,
        wrap: bool = False,
        number: str = "",
    ) -> int:
        """A cell format (its handle), made once per style."""
        lib, fmt = self.lib, self.lib.workbook_add_format(self.book)
        if bold:
            lib.format_set_bold(fmt)
        if size:
            lib.format_set_font_size(fmt, size)
        if fill is not None:
            lib.format_set_bg_color(fmt, fill)
        if border:
            lib.format_set_border(fmt, border)
        if wrap:
            lib.format_set_text_wrap(fmt)
        if number:
            lib.format_set_num_format(fmt, number.encode())
        return int(fmt)

    def add_sheet(self, name: str) -> int:
        """A worksheet (its handle) named ``name`` (a legal sheet name)."""
        sheet = self.lib.workbook_add_worksheet(self.book, name.encode())
        if not sheet:
            check(_MALLOC_FAILED, f"worksheet {name!r}")
        return int(sheet)

    def close(self) -> None:
        """Write the workbook to its path (the zip is assembled only now)."""
        book, self.book = self.book, None
        check(self.lib.workbook_close(book), "close")

    def discard(self) -> None:
        """Free the workbook without writing it (rows failed part way)."""
        book, self.book = self.book, None
        if book:
            self.lib.lxw_workbook_free(book)
