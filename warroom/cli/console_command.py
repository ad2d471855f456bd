"""Starting the console: `warroom` with no command (Textual is imported only here)."""

from __future__ import annotations

import argparse


def run_console(args: argparse.Namespace) -> int:
    from warroom.ui.launch import launch

    return launch(args)
