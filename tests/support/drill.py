"""What the drill tests share: is anything still listening on a loopback port?"""

from __future__ import annotations

import socket


def listening(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
