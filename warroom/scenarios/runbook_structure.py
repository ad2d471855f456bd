"""What makes runbook text a procedure: actionable lists, commands, step tables.

The importer classifies sections by structure first: a section whose own blocks hold an
actionable list (ordered, `- [ ]` checkboxes, or items that open with a verb or hold a
command), a code block of commands, a step table (step | command | expected) or numbered
paragraphs ("Step 1: ...") is a procedure. `actionable` says which of these it found, for
`--explain`. Inline code spans that are commands (`kubectl get pods`, `SELECT 1`) are
picked out of a step's text so the step carries them as commands too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from warroom.scenarios.markdown_blocks import Block, Item
from warroom.scenarios.words import starts_with_verb, word_set, words_of

COMMAND_LANGS = word_set(
    "bash sh shell zsh fish ksh shell-session bash-session shellsession powershell ps1 pwsh"
    " cmd bat sql psql postgres postgresql pgsql mysql sqlite tsql promql logql kql"
)
KNOWN_COMMANDS = word_set(
    """
    kubectl docker docker-compose podman systemctl journalctl service psql pg_dump pg_restore
    pg_ctl pg_basebackup redis-cli mysql mysqladmin mongosh mongo curl wget http git gh helm
    aws gcloud gsutil bq az vercel supabase heroku fly flyctl railway wrangler firebase npm
    npx pnpm yarn node python python3 pip pip3 sudo ssh scp rsync df du top htop ps kill pkill
    tail head grep cat less ls find rm mv cp tar zcat dig nslookup ping traceroute openssl
    certbot nginx crontab iptables free vmstat iostat lsof netstat ss watch jq stripe make
    terraform ansible ansible-playbook consul vault nomad etcdctl celery rake rails bundle php
    logrotate dmesg uptime mount umount chmod chown ip crictl argocd flux istioctl linkerd
    rclone go cargo java mvn gradle dotnet nc telnet journalctl sysctl ulimit nmap tcpdump
    strace perf kafka-topics kafka-consumer-groups rabbitmqctl nodetool cqlsh influx promtool
    amtool k9s stern kubectx kubens minikube kind eksctl doctl hcloud openstack pm2 supervisorctl
    """
)
SQL_WORDS = word_set(
    "SELECT UPDATE DELETE INSERT VACUUM ANALYZE EXPLAIN SHOW ALTER CREATE DROP KILL SET"
    " TRUNCATE REINDEX GRANT REVOKE BEGIN COMMIT ROLLBACK CALL"
)
STEP_HEADERS = ("step", "action", "task", "what", "do", "procedure", "instruction")
RESULT_HEADERS = ("expect", "result", "output", "verif", "note", "comment", "owner", "time")
COMMAND_HEADERS = ("command", "commands", "cmd", "run", "how", "query", "script")


@dataclass
class TableStep:
    text: str
    commands: list[str] = field(default_factory=list)
    notes: str = ""


def is_command_code(block: Block) -> bool:
    """A code block of commands: shell or SQL, or untagged and opening with a command.

    A Python or JavaScript block is a program, not something an IC types; data, output,
    diagrams and templates are not commands either.
    """
    if block.kind != "code" or not block.code.strip():
        return False
    if block.lang in COMMAND_LANGS:
        return True
    if block.lang not in {"", "text", "txt", "plain", "console"}:
        return False
    first = next(line for line in block.code.splitlines() if line.strip()).strip()
    return looks_like_command(first.removeprefix("$ ").removeprefix("# ").strip())


def inline_commands(text: str) -> list[str]:
    """The code spans of `text` that are commands: `df -h`, `SELECT 1`, `./restart.sh`."""
    found: list[str] = []
    position = 0
    while True:
        start = text.find("`", position)
        if start < 0:
            return found
        ticks = 1
        while text.startswith("`", start + ticks):
            ticks += 1
        end = text.find("`" * ticks, start + ticks)
        if end < 0:
            return found
        span = text[start + ticks : end].strip()
        position = end + ticks
        if looks_like_command(span) and span not in found:
            found.append(span)


def looks_like_command(span: str) -> bool:
    words = span.split()
    if not words:
        return False
    first = words[0]
    if first in KNOWN_COMMANDS or first.removeprefix("sudo") != first:
        return True
    if first.upper() == first and first in SQL_WORDS and len(words) > 1:
        return True
    return first.startswith(("./", "~/", "/usr/", "/opt/", "/bin/", "/etc/init.d/")) and (
        len(words) > 1 or first.endswith(".sh")
    )


def item_is_action(item: Item) -> bool:
    text = item.inline.text
    return (
        item.checkbox
        or starts_with_verb(text)
        or bool(inline_commands(text))
        or any(is_command_code(block) for block in item.blocks)
    )


def numbered_line(text: str) -> str | None:
    """The step in 'Step 3: Drain the node' or '3) Drain the node', else None."""
    stripped = text.strip()
    head, _, tail = stripped.partition(" ")
    if head.casefold() == "step":
        number, _, rest = tail.partition(" ")
        if number.rstrip(":.)-–—").isdigit():
            rest = rest.lstrip(":.)-–— ").strip()
            return rest or None
        return None
    if head[:-1].isdigit() and head[-1:] in {")", "."} and len(head) <= 4 and tail.strip():
        return tail.strip()
    return None


def numbered_paragraph(block: Block) -> list[str]:
    """The steps of a paragraph written as numbered lines ("Step 1: ...", "2) ...")."""
    if block.kind != "paragraph" or block.inline is None:
        return []
    lines = block.inline.lines or [block.inline]
    steps = [numbered_line(line.text) for line in lines]
    if not steps or steps[0] is None:
        return []
    return [step for step in steps if step]


def table_steps(header: list[str], rows: list[list[str]]) -> list[TableStep] | None:
    """Steps from a table with a step/action column and/or a command column."""
    names = [words_of(name) for name in header]
    step = _column(names, STEP_HEADERS)
    command = _column(names, COMMAND_HEADERS, skip=step)
    if step is None and command is None:
        return None
    if (
        step is not None
        and command is None
        and not any(starts_with_verb(_cell(row, step)) for row in rows)
    ):
        return None
    result_columns = {
        i for i, name in enumerate(names) if any(f" {w}" in name for w in RESULT_HEADERS)
    }
    found: list[TableStep] = []
    for row in rows:
        text = _cell(row, step)
        if text.rstrip(".").isdigit() or not text:
            # A "Step" column of numbers: the text is the first other column (not the command).
            others = [
                i
                for i in range(len(row))
                if i not in {step, command} and _cell(row, i) and i not in result_columns
            ]
            text = _cell(row, others[0]) if others else ""
            used = {step, command, others[0] if others else None}
        else:
            used = {step, command}
        raw = _cell(row, command)
        bare = raw.strip("`").strip()
        commands = inline_commands(raw) or ([bare] if bare else [])
        notes = [
            f"{header[i].strip()}: {_cell(row, i)}" if header[i].strip() else _cell(row, i)
            for i in range(min(len(header), len(row)))
            if i not in used and _cell(row, i) and header[i].strip() not in {"#", "No", "No."}
        ]
        text = text or (commands[0] if commands else "")
        if text:
            found.append(TableStep(text=text, commands=commands, notes="\n".join(notes)))
    return found


def _column(names: list[str], words: tuple[str, ...], skip: int | None = None) -> int | None:
    for word in words:
        for index, name in enumerate(names):
            if index != skip and (f" {word} " in name or f" {word}s " in name):
                return index
    return None


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def actionable(blocks: list[Block]) -> str | None:
    """Why these blocks make a procedure ('an ordered list', ...), or None."""
    for block in blocks:
        if block.kind == "list" and block.items:
            if any(item.checkbox for item in block.items):
                return "a checklist"
            if block.ordered and any(item.inline.text or item.blocks for item in block.items):
                return "an ordered list"
            if any(item_is_action(item) for item in block.items):
                return "a list of actions"
        elif is_command_code(block):
            return f"commands in a {block.lang or 'code'} block"
        elif block.kind == "table" and table_steps(block.header, block.rows):
            return "a step table"
        elif numbered_paragraph(block):
            return "numbered steps"
    return None
