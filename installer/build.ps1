# Build ACTIVO on Windows: the PyInstaller bundle from the same spec as `make dist`, then the
# installer with Inno Setup's ISCC when it is installed.
#
#   powershell -ExecutionPolicy Bypass -File installer\build.ps1 [-Python py] [-SkipInstaller]
#
# Output: dist\activo\ (activo.exe, activo-cli.exe, _internal\) and
#         dist\installer\ACTIVO-<versión>-setup.exe
# The bundle is built from .venv-dist, which holds only requirements-agent.lock (the agent's base
# dependencies and PyInstaller): nothing of the server or the tests can be dragged in.

[CmdletBinding()]
param(
    [string] $Python = 'py',
    [switch] $SkipInstaller
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

function Invoke-Checked([string] $Exe, [string[]] $Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with $LASTEXITCODE" }
}

$venv = Join-Path $Root '.venv-dist'
$venvPython = Join-Path $venv 'Scripts\python.exe'
if (-not (Test-Path $venvPython)) {
    if ($Python -eq 'py') { Invoke-Checked 'py' @('-3.11', '-m', 'venv', $venv) }
    else { Invoke-Checked $Python @('-m', 'venv', $venv) }
}
Invoke-Checked $venvPython @('-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
    '--no-deps', '-r', (Join-Path $Root 'requirements-agent.lock'))
Invoke-Checked $venvPython @('-m', 'pip', 'check')

$bundle = Join-Path $Root 'dist\activo'
if (Test-Path $bundle) { Remove-Item -Recurse -Force $bundle }
Invoke-Checked (Join-Path $venv 'Scripts\pyinstaller.exe') @('--noconfirm', '--clean',
    '--log-level', 'WARN', '--distpath', 'dist', '--workpath', 'build\pyinstaller',
    'installer\activo.spec')
foreach ($exe in @('activo.exe', 'activo-cli.exe')) {
    if (-not (Test-Path (Join-Path $bundle $exe))) { throw "missing $exe in $bundle" }
}
Invoke-Checked (Join-Path $bundle 'activo-cli.exe') @('--version')

if ($SkipInstaller) { return }
$iscc = @(
    (Get-Command 'ISCC.exe' -ErrorAction SilentlyContinue | ForEach-Object { $_.Source }),
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe"
) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
if (-not $iscc) {
    Write-Warning 'Inno Setup 6 (ISCC.exe) no está instalado: se armó solo dist\activo.'
    return
}
$version = (& $venvPython -c "import sys; sys.path.insert(0, '.'); import activo; print(activo.__version__)").Trim()
Invoke-Checked $iscc @("/DAppVersion=$version", 'installer\activo.iss')
Get-ChildItem (Join-Path $Root 'dist\installer') -Filter '*.exe' | ForEach-Object { $_.FullName }
