"""Text that people type, as the store can keep it and a page can show it.

A control character (a NUL byte, a tab, an escape...) or half of a surrogate pair is never part of a
name, an address or a search: PostgreSQL refuses NUL in any text, and the rest are typing or copying
mistakes that would print as nothing. They are refused with a reason, never stripped silently.
"""

import unicodedata

LINE_BREAKS = "\n\r"  # in text of several lines (an address), and only there

_NAMES = {"\x00": "a NUL byte", "\t": "a tab", "\n": "a line break", "\r": "a line break"}


def control_character(text: str, allowed: str = "") -> str | None:
    """The first control character (Unicode Cc: C0, DEL, C1) or lone surrogate (Cs) of ``text`` that
    is not in ``allowed``, or None."""
    return next((ch for ch in text if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs")), None)


def text_problem(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be kept (the character named, not the text), or None when it can."""
    ch = control_character(text, LINE_BREAKS if multiline else "")
    if ch is None:
        return None
    what = _NAMES.get(ch, f"the control character U+{ord(ch):04X}")
    return f"must not contain control characters: remove {what}"


def printable(text: str) -> str:
    """A pydantic validator: one line of text, no control characters."""
    if problem := text_problem(text):
        raise ValueError(problem)
    return text


def printable_lines(text: str) -> str:
    """A pydantic validator: text of several lines, no other control characters."""
    if problem := text_problem(text, multiline=True):
        raise ValueError(problem)
    return text
