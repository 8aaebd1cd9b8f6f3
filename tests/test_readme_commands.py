"""Every command the README shows still runs as written: `qa` commands parse (the usage rows
name only options that exist), `./dev.sh` commands exist, scripts take the options the README
gives them, and the `qa ask` example prints what the README shows."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PROSE = re.sub(r"```.*?```", "", README, flags=re.S)  # inline code is found outside the blocks
PLACEHOLDER = re.compile(r"\.\.\.|\[|\]|\\\||\b[A-Z][A-Z_]+\b")  # usage syntax, not a command


def readme_commands() -> list[str]:
    """The commands in the README's code blocks and inline code, whitespace collapsed."""
    found: list[str] = []
    for block in re.findall(r"```(?:bash|text)\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ").split("  #")[0].strip()
            found.append(line)
    found += [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", PROSE)]
    starts = ("./dev.sh ", "qa ", "bash .ci/")
    return sorted({c for c in found if c.startswith(starts)} | set(_script_spans()))


def _script_spans() -> list[str]:
    """Inline `NAME.py --option ...` mentions of the scripts (the measurement tables)."""
    spans = (" ".join(s.split()) for s in re.findall(r"`([^`]+)`", PROSE))
    return [f"./dev.sh python scripts/{s}" for s in spans if re.match(r"\w+\.py --", s)]


def _qa_args(command: str) -> list[str]:
    return shlex.split(command.removeprefix("./dev.sh ").removeprefix("qa ").replace("\\|", "|"))


def _qa_parser():  # noqa: ANN202
    from qa.serve.cli import _parser

    return _parser()


def test_the_readme_shows_commands() -> None:
    commands = readme_commands()
    assert any(c.startswith("./dev.sh qa ask") for c in commands)
    assert any(c.startswith("qa index") for c in commands)
    assert len(commands) > 20


@pytest.mark.parametrize(
    "command", [c for c in readme_commands() if c.startswith(("qa ", "./dev.sh qa "))]
)
def test_readme_qa_command_parses(command: str) -> None:
    """Every option named belongs to its command; a command to run as written (`./dev.sh qa
    ...` without usage syntax) parses."""
    args = _qa_args(command)
    if not args or args == ["..."]:
        return
    parser = _qa_parser()
    if args == ["--help"]:
        known = {o for action in parser._actions for o in action.option_strings}  # noqa: SLF001
    else:
        sub = _subcommand(parser, args)
        known = {o for action in sub._actions for o in action.option_strings}  # noqa: SLF001
    named = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", command))
    assert named <= known, f"{command}: {sorted(named - known)} are not its options"
    if PLACEHOLDER.search(command) or "|" in command or not command.startswith("./dev.sh"):
        return  # usage syntax, or a mention of a command or option in the prose
    parser.parse_args(args)  # argparse exits (failing the test) on what it cannot parse


def _subcommand(parser, args: list[str]):  # noqa: ANN001, ANN202
    sub = parser._subparsers._group_actions[0].choices[args[0]]  # noqa: SLF001
    if args[0] == "docs" and len(args) > 1 and not args[1].startswith("-"):
        sub = sub._subparsers._group_actions[0].choices[args[1]]  # noqa: SLF001
    return sub


@pytest.mark.parametrize("command", [c for c in readme_commands() if c.startswith("./dev.sh ")])
def test_readme_dev_sh_command_exists(command: str) -> None:
    verb = command.split()[1]
    assert re.search(rf"^\s+{re.escape(verb)}\)", (ROOT / "dev.sh").read_text(), re.M), verb


@pytest.mark.parametrize(
    "command", [c for c in readme_commands() if c.startswith("./dev.sh python scripts/")]
)
def test_readme_script_takes_its_options(command: str) -> None:
    script = command.split()[2]
    if script == "scripts/NAME.py":  # the README's pattern for "any script"
        return
    assert (ROOT / script).is_file(), script
    shown = subprocess.run(
        [sys.executable, str(ROOT / script), "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert shown.returncode == 0, shown.stderr
    for option in re.findall(r"(?<![\w-])--[a-z][\w-]*", command):
        assert option in shown.stdout, f"{script} has no {option}"


def test_ci_runs_the_readme_test_command() -> None:
    assert "./dev.sh test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_readme_qa_ask_example_prints_what_the_readme_shows(tmp_path: Path) -> None:
    example = re.search(r"```text\n\$ (\./dev\.sh qa ask [^\n]+)\n(.*?)```", README, re.S)
    assert example, "the README's qa ask example"
    command, shown = example.group(1), example.group(2)
    env = {"QA_STORE": str(tmp_path / "no-collection-yet"), "QA_CACHE_DIR": str(tmp_path)}
    ran = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**_environment(), **env},
    )
    assert ran.returncode == 0, ran.stderr
    printed = ran.stdout.replace(str(ROOT), "…")
    assert printed.strip() == shown.strip()


def _environment() -> dict[str, str]:
    import os

    return dict(os.environ)
