"""Which PostgreSQL server a DSN names, whatever its spelling: the offline queue's key.

`postgresql://warroom@localhost/incidents` and `postgresql://warroom@127.0.0.1:5432/incidents`
are one server, so they must share one offline queue (and one record of the incidents the
server has shown this machine). `server_identity` reduces a DSN to role, host after
resolution, port and database:

- the host is resolved (`getaddrinfo`); any loopback address (127.0.0.0/8, ::1), a Unix
  socket folder and a DSN without a host all mean "this machine" and read `localhost`, since a
  port on this machine is one server whichever way it is reached; another name becomes its
  lowest address (IPv4 first), so a name and its address share a queue;
- when the name cannot be resolved (DNS is down with the database, say), the address it
  had the last time it could be is used (`servers.json` in the queue folder); failing
  that, the name as written;
- defaults as libpq and asyncpg take them: `$PGHOST`, `$PGPORT` (5432), `$PGUSER` (the
  login name), `$PGDATABASE` (the role's name); `?host=` and `?port=` in the query count.

The password is never part of it: it is not an identity, and the key names files.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import ipaddress
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from warroom.private_files import private_folder, write_private_text

LOCAL = "localhost"
ALIASES_FILE = "servers.json"


@dataclass(frozen=True)
class ServerIdentity:
    role: str
    host: str
    port: int
    database: str

    @property
    def label(self) -> str:
        """`role@host:port/database`, e.g. `warroom@localhost:5432/incidents`."""
        return f"{self.role}@{self.host}:{self.port}/{self.database}"

    @property
    def key(self) -> str:
        """The file-name stem of this server's queue files."""
        return "pg-" + hashlib.sha256(self.label.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Spelling:
    role: str
    host: str
    port: int
    database: str


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "postgres"


def _spelling(dsn: str) -> _Spelling:
    parts = urlsplit(dsn)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items() if values}
    role = unquote(parts.username or "") or query.get("user") or os.environ.get("PGUSER", "")
    role = role or _login_name()
    host = unquote(parts.hostname or "") or query.get("host") or os.environ.get("PGHOST", "")
    try:
        port_text = str(parts.port or query.get("port") or os.environ.get("PGPORT") or 5432)
    except ValueError:
        port_text = "5432"
    try:
        port = int(port_text.split(",")[0])
    except ValueError:
        port = 5432
    database = unquote(parts.path.lstrip("/")) or query.get("dbname") or query.get("database")
    database = database or os.environ.get("PGDATABASE", "") or role
    return _Spelling(role, host, port, database)


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _resolve(host: str, port: int) -> str | None:
    """`localhost`, an address, or None when the name cannot be resolved now."""
    if not host or host.startswith("/") or host.lower() == "localhost" or _loopback(host):
        return LOCAL
    if "," in host:  # several hosts: the spelling is the best identity we have
        return host.lower()
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(host))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    addresses = {str(info[4][0]) for info in infos}
    if any(_loopback(address) for address in addresses):
        return LOCAL
    if not addresses:
        return None
    return sorted(addresses, key=lambda a: (ipaddress.ip_address(a).version, a))[0]


def _read_aliases(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / ALIASES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _remember_alias(folder: Path, name: str, address: str) -> None:
    aliases = _read_aliases(folder)
    if aliases.get(name) == address:
        return
    aliases[name] = address
    with contextlib.suppress(OSError):
        private_folder(folder)
        temporary = folder / f"{ALIASES_FILE}.{os.getpid()}"
        write_private_text(temporary, json.dumps(aliases, indent=1, sort_keys=True))
        os.replace(temporary, folder / ALIASES_FILE)


def server_identity(dsn: str, folder: Path | None = None) -> ServerIdentity:
    """The server `dsn` names (see the module docstring); `folder` keeps name->address."""
    spelling = _spelling(dsn)
    name = f"{spelling.host.lower()}:{spelling.port}"
    address = _resolve(spelling.host, spelling.port)
    named = address not in (None, LOCAL, spelling.host.lower())  # a name, not an address
    if address is not None and folder is not None and named:
        _remember_alias(folder, name, address)
    if address is None:
        address = (_read_aliases(folder).get(name) if folder is not None else None) or (
            spelling.host.lower()
        )
    return ServerIdentity(spelling.role, address, spelling.port, spelling.database)
