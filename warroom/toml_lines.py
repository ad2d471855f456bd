"""Where a key is set in a TOML file's text: the line number a one-line error names.

`tomllib` gives values, not positions; `KeyLines(text)(key, table)` finds the line on
which `key` is set at the top level (`table=""`) or inside `[table]`, quoted or bare, and
falls back to the line of an inline `table = {...}`, else line 1.
"""

from __future__ import annotations

import re


class KeyLines:
    """Finds the line on which a key is set, in the top level or in one table."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def __call__(self, key: str, table: str = "") -> int:
        pattern = re.compile(
            rf"""^\s*(?:"{re.escape(key)}"|'{re.escape(key)}'|{re.escape(key)})\s*="""
        )
        current = ""
        inline_table_line = 0
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
            if header:
                current = header[1].strip("\"'")
                continue
            if current == "" and table and re.match(rf"^\s*{re.escape(table)}\s*=", line):
                inline_table_line = number
            if current == table and pattern.match(line):
                return number
        return inline_table_line or 1
