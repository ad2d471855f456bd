"""Loading and checking scenario files: one-line problems, other files still load, overrides."""

from __future__ import annotations

from pathlib import Path

from warroom.model.scenario import Scenario
from warroom.scenarios import dump_scenario, load_paths, load_scenarios, parse_scenario_text
from warroom.scenarios.loader import SHIPPED_PREFIX

GOOD = """id = "db"
title = "Database"

[[phase]]
id = "assess"
title = "Assess"

[[phase.step]]
text = "Check connections"
commands = ['psql -c "select 1"']
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def messages(text: str, path: str = "scenarios/db.toml") -> list[str]:
    _, problems = parse_scenario_text(text, path)
    return [str(problem) for problem in problems]


def test_missing_step_text_names_file_line_and_field() -> None:
    text = GOOD + '\n[[phase]]\nid = "fix"\n\n[[phase.step]]\nnotes = "no text"\n'
    assert messages(text) == ["scenarios/db.toml:15: phase[2].step[1]: missing 'text'"]


def test_invalid_toml_gives_the_line() -> None:
    (line,) = messages('id = "x"\ntitle = \n')
    assert line.startswith("scenarios/db.toml:2: invalid TOML: ")
    assert "\n" not in line


def test_wrong_types_are_errors() -> None:
    text = GOOD.replace("commands = ['psql -c \"select 1\"']", 'commands = "psql"')
    text = text.replace('title = "Database"', "title = 3")
    found = messages(text)
    assert "scenarios/db.toml: 'title' must be a string, not a number" in found
    assert any("phase[1].step[1]: 'commands' must be a list of strings" in m for m in found)
    assert parse_scenario_text('id = "x"\ntitle = "X"\nphase = "nope"\n', "x")[0] is None
    assert messages('id = "x"\ntitle = "X"\nphase = []\n', "x") == [
        "x: 'phase' is empty (a scenario needs at least one [[phase]])"
    ]


def test_unknown_keys_warn_but_load() -> None:
    text = GOOD.replace('title = "Assess"', 'title = "Assess"\ntitel = "typo"')
    scenario, problems = parse_scenario_text("colour = 1\n" + text, "db.toml")
    assert scenario is not None
    assert [str(p) for p in problems] == [
        "db.toml: warning: unknown key 'colour' (ignored)",
        "db.toml:5: phase[1]: warning: unknown key 'titel' (ignored)",
    ]


def test_bad_ids_and_duplicates_inside_a_file() -> None:
    assert any(
        "id 'Not OK' must be lowercase" in m for m in messages(GOOD.replace('"db"', '"Not OK"'))
    )
    doubled = GOOD + '\n[[phase.step]]\nid = "assess-1"\ntext = "clash"\n'
    assert any(
        "step id 'assess-1' is also used by phase[1].step[1]" in m for m in messages(doubled)
    )
    two_phases = GOOD + '\n[[phase]]\nid = "assess"\n[[phase.step]]\ntext = "x"\n'
    assert any("duplicate phase id 'assess'" in m for m in messages(two_phases))


def test_unknown_severity_is_a_warning_and_control_characters_an_error() -> None:
    gated = GOOD.replace('text = "Check connections"', 'text = "x"\nmin_severity = "crit"')
    scenario, problems = parse_scenario_text(gated, "g.toml")
    assert scenario is not None and problems[0].level == "warning"
    assert "min_severity 'crit' is on no shipped ladder" in str(problems[0])
    escaped = GOOD.replace("Check connections", "Check \\u001b[31mred")
    assert any("contains control characters" in m for m in messages(escaped))


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    write(folder, "a-good.toml", GOOD)
    write(folder, "b-bad.toml", "id = \n")
    write(folder, "c-binary.toml", b"\x00\x01\x02PNG")
    write(folder, "d-latin1.toml", GOOD.replace("Database", "Caf\xe9").encode("latin-1"))
    catalogue = load_paths([folder])
    assert catalogue.get("db") is not None
    lines = [str(problem) for problem in catalogue.errors]
    assert len(lines) == 3
    assert any("b-bad.toml:1: invalid TOML" in line for line in lines)
    assert any("c-binary.toml: binary file, not a TOML scenario" in line for line in lines)
    assert any("d-latin1.toml: not UTF-8 text" in line for line in lines)


def test_duplicate_ids_across_files_are_an_error(tmp_path: Path) -> None:
    first = write(tmp_path, "one.toml", GOOD)
    second = write(tmp_path, "two.toml", GOOD.replace("Database", "Other"))
    catalogue = load_paths([first, second])
    assert catalogue.get("db").title == "Database"
    (problem,) = catalogue.errors
    assert str(problem) == f"{second}: duplicate scenario id 'db' (also in {first})"


def test_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    catalogue = load_paths([tmp_path / "nope.toml", empty])
    assert [p.message for p in catalogue.errors] == [
        "no such file or folder",
        "no *.toml files in this folder",
    ]


def test_user_scenarios_override_shipped_ones_by_id(tmp_path: Path) -> None:
    shipped = load_scenarios(include_user=False)
    general = shipped.get("general")
    assert general is not None and general.origin.startswith(SHIPPED_PREFIX)
    user_dir = tmp_path / "config" / "scenarios"
    mine = GOOD.replace('"db"', '"general"').replace("Database", "Our own first response")
    write(user_dir, "general.toml", mine)
    write(user_dir, "extra.toml", GOOD)
    catalogue = load_scenarios()  # the test config dir (WARROOM_CONFIG_DIR) is tmp_path/config
    assert catalogue.get("general").title == "Our own first response"
    assert catalogue.get("general").origin == str(user_dir / "general.toml")
    assert catalogue.get("db") is not None
    assert len(catalogue) == len(shipped) + 1
    assert catalogue.all()[0].id == "general"


def test_written_scenarios_read_back_identically(tmp_path: Path) -> None:
    for scenario in load_scenarios(include_user=False).all():
        text = dump_scenario(scenario, "a header\nover two lines")
        again, problems = parse_scenario_text(text, "round.toml")
        assert problems == []
        assert isinstance(again, Scenario)
        assert again == scenario, scenario.id
