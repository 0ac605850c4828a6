"""The Windows workflow, read with a tiny parser for the block-YAML subset GitHub workflows use
(no YAML library in the project): it must parse, and hold the steps issue 7 asks for. It runs
only on GitHub's Windows runners; this keeps it from rotting unseen."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"


def parse_block_yaml(text: str):
    """Mappings, sequences, plain and quoted scalars, ``|`` blocks; raises on anything else."""
    lines = [(len(raw) - len(raw.lstrip(" ")), raw.strip(), n) for n, raw in
             enumerate(text.splitlines(), 1)]
    assert "\t" not in text, "tabs are not allowed in YAML indentation"
    pos = 0

    def skip():
        nonlocal pos
        while pos < len(lines) and (not lines[pos][1] or lines[pos][1].startswith("#")):
            pos += 1

    def scalar(value: str):
        value = re.sub(r"\s+#.*$", "", value) if not value.startswith(('"', "'")) else value
        if value[:1] in "\"'":
            assert value[-1] == value[0], f"unterminated quote: {value}"
            return value[1:-1]
        return value

    def block_text(indent: int) -> str:
        nonlocal pos
        out = []
        while pos < len(lines) and (not lines[pos][1] or lines[pos][0] > indent):
            out.append(lines[pos][1])
            pos += 1
        return "\n".join(out)

    def value_after(rest: str, indent: int):
        nonlocal pos
        if rest == "|":
            return block_text(indent)
        if rest:
            return scalar(rest)
        skip()
        if pos < len(lines) and lines[pos][0] >= indent and (
            lines[pos][0] > indent or lines[pos][1].startswith("- ")
        ):
            return node(lines[pos][0])
        return None

    def node(indent: int):
        nonlocal pos
        skip()
        is_list = lines[pos][1].startswith("- ")
        result: list | dict = [] if is_list else {}
        while True:
            skip()
            if pos >= len(lines) or lines[pos][0] < indent:
                return result
            col, content, number = lines[pos]
            assert col == indent, f"line {number}: bad indentation"
            if is_list:
                assert content.startswith("- "), f"line {number}: expected '- '"
                item = content[2:]
                if re.match(r"^[\w.-]+:(\s|$)", item):  # "- key: value" starts a mapping
                    lines[pos] = (indent + 2, item, number)
                    result.append(node(indent + 2))
                else:
                    pos += 1
                    result.append(scalar(item))
            else:
                match = re.match(r"^([\w.-]+):(?:\s+(.*))?$", content)
                assert match, f"line {number}: expected 'key: value': {content}"
                assert match.group(1) not in result, f"line {number}: duplicate key"
                pos += 1
                result[match.group(1)] = value_after((match.group(2) or "").strip(), indent)

    skip()
    return node(0)


WF = parse_block_yaml(WORKFLOW.read_text("utf-8"))
JOB = WF["jobs"]["installer"]
STEPS = JOB["steps"]
RUNS = "\n".join(s.get("run", "") for s in STEPS)


def test_runs_on_windows_with_python_311():
    assert JOB["runs-on"] == "windows-latest"
    assert int(JOB["timeout-minutes"]) <= 60
    (python,) = [s for s in STEPS if s.get("uses", "").startswith("actions/setup-python@")]
    assert python["with"]["python-version"] == "3.11"
    assert {"push", "pull_request"} <= set(WF["on"])


def test_builds_the_exe_and_the_installer():
    assert "choco install innosetup" in RUNS
    assert "./installer/build.ps1" in RUNS


def test_smoke_and_silent_install_cycle():
    assert "installer\\smoke_bundle.py --bundle dist\\activo" in RUNS
    assert "--vault" in RUNS
    assert "installer\\windows_ci.py --setup" in RUNS
    ci = (ROOT / "installer" / "windows_ci.py").read_text("utf-8")
    for needle in ('"/VERYSILENT"', "/TOKENFILE=", "/CLOUDURL=", "/TANGOCONNECTION=",
                   '"/TASKS=enginetask,traylogon"', '[cli, "--version"]', '[cli, "doctor"]',
                   'uninstaller, "/VERYSILENT"'):
        assert needle in ci


def test_files_the_workflow_uses_exist():
    for path in re.findall(r"(?:installer|requirements)[\\/\w.-]*\.(?:ps1|py|lock)", RUNS):
        assert (ROOT / path.replace("\\", "/")).is_file(), path


def test_parser_rejects_broken_yaml():
    import pytest

    for broken in ("a:\n  b: 1\n c: 2\n", "a:\n\t- b\n", "a: 'x\n", "a: 1\na: 2\n"):
        with pytest.raises(AssertionError):
            parse_block_yaml(broken)
