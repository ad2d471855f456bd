"""WCAG 2 contrast: relative luminance, the ratio of two colours, and the ink for a badge.

The themes are held to these figures (`tests/test_ui_contrast.py` measures every colour
pair the console draws): 4.5:1 for text in the dark and light themes, 7:1 in the
high-contrast theme, 3:1 for borders, scrollbars and other non-text marks.
"""

from __future__ import annotations

from textual.color import Color

TEXT_AA = 4.5
TEXT_AAA = 7.0
NON_TEXT = 3.0


def relative_luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        share = value / 255
        return share / 12.92 if share <= 0.03928 else ((share + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def contrast_ratio(first: Color, second: Color) -> float:
    """From 1 (the same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def badge_ink(background: str | Color) -> str:
    """Black or white, whichever reads better on `background` (a severity badge)."""
    colour = background if isinstance(background, Color) else Color.parse(background)
    black, white = Color(0, 0, 0), Color(255, 255, 255)
    return (
        "#000000" if contrast_ratio(colour, black) >= contrast_ratio(colour, white) else "#FFFFFF"
    )
