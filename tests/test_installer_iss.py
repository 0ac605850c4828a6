"""Static checks of the Inno Setup script and the Windows helpers it runs (they cannot run here;
Windows CI installs and uninstalls for real). Typos in file names, a changing AppId, English
wizard text or a secret on a command line fail here first."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
ISS = INSTALLER / "activo.iss"
TASKS = INSTALLER / "tasks.ps1"
SECRET_VALUES = ("CloudPage.Values[1]", "SqlPage.Values[3]", "AccountPage.Values[1]")


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        match = re.fullmatch(r"\[(\w+)\]\s*", line)
        if match:
            current = match.group(1)
            sections.setdefault(current, [])
        elif current and line.strip() and not line.lstrip().startswith(";"):
            sections[current].append(line)
    return sections


ISS_TEXT = ISS.read_text("utf-8")
SECTIONS = _sections(ISS_TEXT)
CODE = "\n".join(SECTIONS["Code"])


def _entries(section: str) -> list[dict[str, str]]:
    """``Name: "x"; Flags: y`` lines as dicts."""
    out = []
    for line in SECTIONS.get(section, []):
        fields = re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]+)', line)
        out.append({k: v.strip().strip('"').replace('""', '"') for k, v in fields})
    return out


def _setup(key: str) -> str:
    for line in SECTIONS["Setup"]:
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.strip()
    raise KeyError(key)


def test_app_id_is_a_fixed_guid():
    guid = re.search(r'^#define AppGuid "([^"]+)"$', ISS_TEXT, re.M).group(1)
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}", guid)
    assert _setup("AppId") == "{{{#AppGuid}}"  # {{ is Inno's escaped "{": AppId={GUID}
    assert ISS_TEXT.count("AppId=") == 1
    # The upgrade check looks for the uninstall entry Inno names after the same AppId.
    assert "Uninstall\\{{#AppGuid}}_is1" in CODE


def test_program_and_data_folders():
    assert _setup("DefaultDirName") == r"{autopf}\Castor\ACTIVO"
    # activo.paths: platformdirs.site_data_path("ACTIVO", "Castor") on Windows, i.e.
    # C:\ProgramData\Castor\ACTIVO: the installer writes activo.toml exactly there.
    paths = (ROOT / "activo" / "paths.py").read_text("utf-8")
    assert 'APP_NAME = "ACTIVO"' in paths and 'APP_AUTHOR = "Castor"' in paths
    assert "site_data_path(APP_NAME, APP_AUTHOR)" in paths
    assert r"Result := ExpandConstant('{commonappdata}\Castor\ACTIVO');" in CODE
    assert "Result := DataDir() + '\\activo.toml';" in CODE
    (data_dir,) = _entries("Dirs")
    assert "uninsneveruninstall" in data_dir["Flags"], "the data folder survives uninstall"


def test_every_referenced_file_exists():
    defines = dict(re.findall(r'^#define (\w+) "([^"]*)"', ISS_TEXT, re.M))
    assert defines["BundleDir"] == r"..\dist\activo", "the spec's COLLECT name + --distpath dist"
    for entry in _entries("Files"):
        source = entry["Source"]
        if source.startswith("{#BundleDir}"):
            continue  # built by the spec
        assert (INSTALLER / source.replace("\\", "/")).is_file(), source
    icon = _setup("SetupIconFile")
    assert icon == r"..\build\pyinstaller-extra\activo.ico"
    assert 'BUILD = ROOT / "build" / "pyinstaller-extra"' in (INSTALLER / "activo.spec").read_text()
    for name in re.findall(r"ExtractTemporaryFile\('([^']+)'\)", CODE):
        assert any(e["Source"] == name and e.get("Flags") == "dontcopy" for e in _entries("Files"))
    installed = {Path(e["Source"].replace("\\", "/")).name for e in _entries("Files")}
    installed |= {"activo.exe", "activo-cli.exe", "unins000.exe"}  # from the bundle / Inno
    referenced = set(re.findall(r"\{app\}\\([\w.-]+\.(?:exe|ps1|xml|toml))", ISS_TEXT))
    assert referenced and referenced <= installed, referenced - installed
    # tasks.ps1 reads the task template from its own folder, where the installer puts it.
    assert "Join-Path $PSScriptRoot 'scheduled-task.xml'" in TASKS.read_text("utf-8")


def test_wizard_is_in_spanish():
    (language,) = _entries("Languages")
    assert language["MessagesFile"] == r"compiler:Languages\Spanish.isl"
    messages = dict(line.split("=", 1) for line in SECTIONS["CustomMessages"])
    assert all(key.startswith("es.") for key in messages)
    used = set(re.findall(r"CustomMessage\('(\w+)'\)", CODE))
    assert used and {f"es.{u}" for u in used} <= set(messages), used
    text = " ".join(messages.values())
    for words in ("Dirección de Castor Pedidos", "Token del agente", "Servidor SQL",
                  "Autenticación de Windows", "Talonario", "Depósito", "contraseña"):
        assert words in text
    for task in _entries("Tasks"):
        assert re.search(r"[áéíóúñ]|iniciar|sesión", task["Description"], re.I)


def test_no_secret_on_a_command_line():
    # Exec(...) calls and every Parameters: line never carry a secret's value.
    execs = re.findall(r"Exec\((.*?)\);", CODE, re.S) + [
        e.get("Parameters", "") for s in ("Run", "UninstallRun", "Icons") for e in _entries(s)
    ]
    assert execs
    for call in execs:
        assert not any(secret in call for secret in SECRET_VALUES), call
        assert not re.search(r"token|password|contrase", call.replace("PasswordFile", ""), re.I)
    # Secret values appear only where they are validated or written into the handoff file.
    for line in CODE.splitlines():
        if any(secret in line for secret in SECRET_VALUES):
            assert re.search(r"Lines\[\d\] := '[\w-]+' \+ #9 \+|= ''|:= ParamFile\(", line), line
    # Silent installs take secrets from files only: no /TOKEN= or /SQLPASSWORD= parameter.
    params = set(re.findall(r"(?:CmdParam|ParamFile)\('(\w+)'", CODE))
    secret_params = {p for p in params if re.search(r"TOKEN|PASSWORD", p)}
    assert secret_params == {"TOKENFILE", "SQLPASSWORDFILE", "TASKPASSWORDFILE"}
    assert re.findall(r"ParamFile\('(\w+)'\)", CODE) == sorted(secret_params, key=CODE.find)


def test_tasks_script_keeps_secrets_off_command_lines():
    script = TASKS.read_text("utf-8")
    assert '$info.Arguments = "secrets set $Name"' in script
    assert '$Utf8.GetBytes($Value + "`n")' in script
    for line in script.splitlines():
        code = line.split("#", 1)[0]
        if re.search(r"\$Value\b|\$Secrets\[|\$handoff\[", code):
            assert re.search(r"GetBytes\(\$Value|WriteAllText\(|Set-SecretForMe|"
                             r"-eq ''|-ne ''|ContainsKey|\$password = |\$values\[", code), line
    # The one-shot task's command line names files (stdin redirected from one), not values.
    assert 'secrets set $secret < `"$file`"' in script
    assert "Remove-Item -LiteralPath $Path -Force" in script  # the handoff file, at once


def test_engine_task_runs_headless_and_restarts():
    xml = (INSTALLER / "scheduled-task.xml").read_text("utf-8")
    import xml.etree.ElementTree as ET

    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    task = ET.fromstring(xml.split("?>", 1)[1])  # noqa: S314 - our own file
    assert task.find("t:Triggers/t:BootTrigger", ns) is not None
    assert task.find("t:Settings/t:ExecutionTimeLimit", ns).text == "PT0S"
    assert task.find("t:Settings/t:RestartOnFailure/t:Count", ns) is not None
    assert task.find("t:Settings/t:MultipleInstancesPolicy", ns).text == "IgnoreNew"
    assert task.find("t:Settings/t:DisallowStartIfOnBatteries", ns).text == "false"
    assert task.find("t:Actions/t:Exec/t:Arguments", ns).text == "run --no-tray"
    assert task.find("t:Actions/t:Exec/t:Command", ns).text == "{{ENGINE_EXE}}"
    placeholders = set(re.findall(r"\{\{(\w+)\}\}", xml))
    script = TASKS.read_text("utf-8")
    assert all(f"'{{{{{p}}}}}'" in script for p in placeholders), placeholders


def test_upgrade_and_uninstall_handle_the_running_agent():
    assert "function PrepareToInstall" in CODE and "-Action Stop" in CODE
    (uninstall,) = _entries("UninstallRun")
    assert "-Action Unregister" in uninstall["Parameters"] and uninstall["RunOnceId"]
    (startup, *_) = _entries("Icons")
    assert startup["Name"].startswith("{commonstartup}") and startup["Tasks"] == "traylogon"
    assert "usPostUninstall" in CODE and "{param:PURGE|0}" in CODE


def test_install_guide_documents_every_silent_parameter():
    guide = (ROOT / "docs" / "install.md").read_text("utf-8")
    params = set(re.findall(r"(?:CmdParam|ParamFile)\('(\w+)'", CODE)) | {"TASKS", "PURGE"}
    assert params, "the installer reads its answers from {param:…}"
    missing = sorted(p for p in params if f"/{p}=" not in guide)
    assert missing == []
    for words in ("Windows Server 2016", "ODBC Driver 17", "GRANT SELECT", "GVA21", "GVA03",
                  "GVA43", "STA19", "HTTPS_PROXY", "activo-cli doctor", "logs"):
        assert words in guide


def _pascal_toml_string(value: str) -> str:
    # TomlString() of activo.iss: backslashes and quotes escaped, then quoted.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_the_written_activo_toml_loads(tmp_path):
    """WriteConfig()'s lines, evaluated with typical answers, make a config activo accepts."""
    from activo.config import load_config

    body = CODE[CODE.index("procedure WriteConfig();"):CODE.index("procedure LockConfigFile")]
    connection = (r"DRIVER={ODBC Driver 18 for SQL Server};SERVER=SRV\AXSQLEXPRESS;"
                  "DATABASE=EMPRESA_SA;Trusted_Connection=yes;Encrypt=yes;"
                  "TrustServerCertificate=yes")
    values = {
        "TomlString(Trim(CloudPage.Values[0]))": _pascal_toml_string("https://pedidos.empresa.com.ar"),
        "TomlString(Trim(CloudPage.Values[2]))": _pascal_toml_string("http://proxy.local:3128"),
        "TomlString(TangoConnection())": _pascal_toml_string(connection),
        "IntToStr(StrToIntDef(Trim(TangoPage.Values[0]), 0))": "6",
        "TomlString(Trim(TangoPage.Values[1]))": _pascal_toml_string("1"),
    }
    lines = []
    for expr in re.findall(r"Lines\[\d+\] := (.*);", body):
        text = ""
        for part in (p.strip() for p in expr.split(" + ")):
            text += part[1:-1].replace("''", "'") if part.startswith("'") else values[part]
        lines.append(text)
    count = int(re.search(r"SetArrayLength\(Lines, (\d+)\)", body).group(1))
    assert len(lines) == count
    config_file = tmp_path / "activo.toml"
    config_file.write_text("\n".join(lines), encoding="utf-8-sig")  # Inno writes a BOM
    config = load_config(config_file, {})
    assert config.tango.connection == connection
    assert (config.cloud.url, config.cloud.proxy) == ("https://pedidos.empresa.com.ar",
                                                      "http://proxy.local:3128")
    assert (config.tango.talonario, config.tango.deposit) == (6, "1")


def test_code_comments_do_not_swallow_code():
    """Pascal's { } comments do not nest: a "{tmp}" inside one ends it early."""
    i, in_string = 0, False
    while i < len(CODE):
        ch = CODE[i]
        if ch == "'" and not in_string:
            in_string = True
        elif ch == "'" and in_string:
            in_string = False
        elif not in_string and CODE.startswith("//", i):
            i = CODE.index("\n", i)
        elif not in_string and ch == "{":
            end = CODE.index("}", i)
            assert "{" not in CODE[i + 1:end], CODE[i:end + 1]
            i = end
        elif ch == "\n":
            assert not in_string, "unterminated string"
        i += 1


def test_powershell_scripts_declare_utf8():
    # Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page, where the bytes of
    # "—" or "ó" can turn into quote characters and break the script.
    for script in INSTALLER.glob("*.ps1"):
        data = script.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") or data.isascii(), script.name
