"""Article text made safe for where it is shown: spreadsheet cells (no formulas) and terminals
(no escape sequences). Articles come from anywhere; what they contain must stay data.
"""
from __future__ import annotations

import re

CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV-injection leading characters

# C0 controls but tab and newline (ESC starts terminal sequences), DEL and the C1 controls
# (U+009B is a one-character CSI), and the bidirectional controls that reorder what is shown
# (Trojan Source: U+061C, U+200E/F, U+202A-E, U+2066-9), plus line/paragraph separators.
_UNSAFE_FOR_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def neutralise(value):
    """OWASP CSV-injection defence for one cell: text starting with = + - @ tab or CR gets a
    leading single quote, so a spreadsheet shows it instead of running it; numbers (negative
    ones included) and other values are left alone."""
    if isinstance(value, str) and value.startswith(CSV_TRIGGERS):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """The cell `neutralise` was given: reading back a CSV this project wrote."""
    return value[1:] if value.startswith("'") and value[1:].startswith(CSV_TRIGGERS) else value


def terminal_safe(text: str) -> str:
    """`text` with every control character that a terminal would act on (escape sequences,
    bidirectional overrides) replaced by U+FFFD; tabs and newlines are kept."""
    return _UNSAFE_FOR_TERMINAL.sub(REPLACEMENT, text)
