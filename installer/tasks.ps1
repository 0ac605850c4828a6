# ACTIVO's Windows-only plumbing, called by the installer (activo.iss) and by IT if needed.
# Windows PowerShell 5.1 (Windows Server 2016 and later), run elevated.
#
#   tasks.ps1 -Action Configure -AppDir DIR -HandoffFile FILE [-EngineTask] [-Account NAME]
#             [-DoctorOut FILE]
#       Stores the secrets of HandoffFile with `activo-cli.exe secrets set NAME` through stdin,
#       for the installing user and, with -EngineTask, for the engine's account too; registers and
#       starts the scheduled task \Castor\ACTIVO; runs `activo doctor` as the engine's account
#       into DoctorOut. HandoffFile is deleted before anything else happens.
#   tasks.ps1 -Action Stop -AppDir DIR         stop the engine task and ACTIVO processes (upgrade)
#   tasks.ps1 -Action Start                    start the engine task again (after an upgrade)
#   tasks.ps1 -Action Unregister -AppDir DIR   stop and remove the task (uninstall)
#
# Why secrets are safe here: a process's command line is visible to every local user (Task
# Manager, WMI, event 4688). So secrets are never in one: the installer writes them into a file in
# its private temporary folder (readable only by the installing administrator, Administrators and
# SYSTEM), passes this script the file's *path*, and this script reads and deletes it at once and
# hands each secret to `activo-cli.exe secrets set` on its standard input. For the engine's account
# (whose Windows Credential Manager is not the installer's) the value goes through a file in a
# folder whose ACL admits only SYSTEM, Administrators and that account, deleted right after.
# Handoff file format: one `name<TAB>value` per line; names cloud-token, tango-password,
# task-password (the service account's Windows password, used only to register the task).

[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('Configure', 'Stop', 'Start', 'Unregister')]
    [string] $Action,
    [string] $AppDir = $PSScriptRoot,
    [string] $HandoffFile = '',
    [switch] $EngineTask,
    [string] $Account = 'SYSTEM',
    [string] $DoctorOut = ''
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$TaskPath = '\Castor\'
$TaskName = 'ACTIVO'
$SystemSid = 'S-1-5-18'
$AdminsSid = 'S-1-5-32-544'
$AppDir = $AppDir.TrimEnd('\')
$Cli = Join-Path $AppDir 'activo-cli.exe'
$Engine = Join-Path $AppDir 'activo.exe'
$Utf8 = New-Object System.Text.UTF8Encoding($false)

function Test-SystemAccount([string] $Name) {
    return ($Name -eq '' -or $Name -in @('SYSTEM', 'NT AUTHORITY\SYSTEM', $SystemSid))
}

function Read-Handoff([string] $Path) {
    # Read, then delete at once: the secrets live in this process's memory only.
    $values = @{}
    if ($Path -eq '') { return $values }
    try {
        foreach ($line in [System.IO.File]::ReadAllLines($Path, $Utf8)) {
            $tab = $line.IndexOf("`t")
            if ($tab -gt 0) { $values[$line.Substring(0, $tab)] = $line.Substring($tab + 1) }
        }
    } finally {
        Remove-Item -LiteralPath $Path -Force -ErrorAction SilentlyContinue
    }
    return $values
}

function Set-SecretForMe([string] $Name, [string] $Value) {
    # `activo-cli.exe secrets set NAME` with the value on stdin (it reads one line when not a tty).
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = $Cli
    $info.Arguments = "secrets set $Name"
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.CreateNoWindow = $true
    $process = [System.Diagnostics.Process]::Start($info)
    # UTF-8 bytes (the bundle runs Python in UTF-8 mode): .NET Framework would write the
    # console's OEM code page, and a password with ñ or á would arrive garbled.
    $bytes = $Utf8.GetBytes($Value + "`n")
    $process.StandardInput.BaseStream.Write($bytes, 0, $bytes.Length)
    $process.StandardInput.Close()
    $out = $process.StandardOutput.ReadToEnd() + $process.StandardError.ReadToEnd()
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "activo secrets set $Name falló: $out" }
}

function Get-AccountSid([string] $Name) {
    if (Test-SystemAccount $Name) { return $SystemSid }
    $nt = New-Object System.Security.Principal.NTAccount($Name)
    return $nt.Translate([System.Security.Principal.SecurityIdentifier]).Value
}

function New-PrivateFolder([string] $AccountSid) {
    # A folder only SYSTEM, Administrators and the engine's account can enter; nothing inherited.
    $path = Join-Path $env:ProgramData ('Castor\ACTIVO\handoff-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $path -Force | Out-Null
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    foreach ($sid in @($SystemSid, $AdminsSid, $AccountSid) | Select-Object -Unique) {
        $identity = New-Object System.Security.Principal.SecurityIdentifier($sid)
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule(
            $identity, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')
        $acl.AddAccessRule($rule)
    }
    Set-Acl -LiteralPath $path -AclObject $acl
    return $path
}

function Invoke-AsAccount([string] $CommandLine, [string] $Name, [string] $Password,
                          [int] $TimeoutSeconds = 120) {
    # Run `cmd /c CommandLine` once as the engine's account through a temporary scheduled task,
    # the only way to reach that account's Credential Manager and its SQL Server login.
    # CommandLine holds file paths only, never a secret.
    $oneShot = 'ACTIVO-configuracion-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $taskAction = New-ScheduledTaskAction -Execute "$env:SystemRoot\System32\cmd.exe" `
        -Argument "/d /c `"$CommandLine`"" -WorkingDirectory $AppDir
    $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Minutes 5) `
        -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
    try {
        if (Test-SystemAccount $Name) {
            $principal = New-ScheduledTaskPrincipal -UserId $SystemSid -LogonType ServiceAccount
            Register-ScheduledTask -TaskPath $TaskPath -TaskName $oneShot -Action $taskAction `
                -Settings $settings -Principal $principal -Force | Out-Null
        } else {
            Register-ScheduledTask -TaskPath $TaskPath -TaskName $oneShot -Action $taskAction `
                -Settings $settings -User $Name -Password $Password -RunLevel Limited -Force |
                Out-Null
        }
        Start-ScheduledTask -TaskPath $TaskPath -TaskName $oneShot
        # Until it has run and finished: 267011 = "has not run yet", 267009 = "running".
        $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
        do {
            Start-Sleep -Milliseconds 500
            $state = (Get-ScheduledTask -TaskPath $TaskPath -TaskName $oneShot).State
            $result = (Get-ScheduledTaskInfo -TaskPath $TaskPath -TaskName $oneShot).LastTaskResult
            $busy = ($state -eq 'Running' -or $state -eq 'Queued' -or $result -in @(267011, 267009))
        } while ($busy -and (Get-Date) -lt $deadline)
        if ($busy) { throw "La tarea temporal $oneShot no terminó en $TimeoutSeconds segundos." }
        return $result
    } finally {
        Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $oneShot -Confirm:$false `
            -ErrorAction SilentlyContinue
    }
}

function Set-SecretsForAccount([hashtable] $Secrets, [string] $Name, [string] $Password) {
    $folder = New-PrivateFolder (Get-AccountSid $Name)
    try {
        foreach ($secret in @('cloud-token', 'tango-password')) {
            if (-not $Secrets.ContainsKey($secret) -or $Secrets[$secret] -eq '') { continue }
            $file = Join-Path $folder "$secret.txt"
            $log = Join-Path $folder "$secret.log"
            [System.IO.File]::WriteAllText($file, $Secrets[$secret] + "`r`n", $Utf8)
            $result = Invoke-AsAccount "`"$Cli`" secrets set $secret < `"$file`" > `"$log`" 2>&1" `
                $Name $Password
            Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
            if ($result -ne 0) {
                $detail = if (Test-Path $log) { Get-Content -LiteralPath $log -Raw } else { '' }
                throw "No se pudo guardar $secret para la cuenta $Name (código $result): $detail"
            }
        }
    } finally {
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-DoctorAsAccount([string] $Name, [string] $Password, [string] $OutFile) {
    # `activo doctor` as the engine will run: its account, its vault, its SQL Server login. The
    # output goes to a folder that account can write, then to OutFile for the installer.
    $folder = New-PrivateFolder (Get-AccountSid $Name)
    try {
        $log = Join-Path $folder 'doctor.txt'
        $result = Invoke-AsAccount "`"$Cli`" doctor > `"$log`" 2>&1" $Name $Password
        $text = if (Test-Path $log) { [System.IO.File]::ReadAllText($log, $Utf8) } else { '' }
        $text += "`r`n(cuenta del motor: $Name; resultado $result)`r`n"
        [System.IO.File]::WriteAllText($OutFile, $text, $Utf8)
    } finally {
        Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Get-EngineXml([string] $Name) {
    $template = Get-Content -LiteralPath (Join-Path $PSScriptRoot 'scheduled-task.xml') -Raw `
        -Encoding UTF8
    $esc = { param($v) [System.Security.SecurityElement]::Escape($v) }
    if (Test-SystemAccount $Name) { $userId = $SystemSid; $logon = 'ServiceAccount' }
    else { $userId = $Name; $logon = 'Password' }
    $xml = $template.Replace('{{USER_ID}}', (& $esc $userId))
    $xml = $xml.Replace('{{LOGON_TYPE}}', $logon)
    $xml = $xml.Replace('{{ENGINE_EXE}}', (& $esc $Engine))
    $xml = $xml.Replace('{{APP_DIR}}', (& $esc $AppDir))
    return $xml.Replace('{{START_BOUNDARY}}', (Get-Date).ToString('yyyy-MM-ddTHH:mm:ss'))
}

function Register-Engine([string] $Name, [string] $Password) {
    $xml = Get-EngineXml $Name
    if (Test-SystemAccount $Name) {
        Register-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Xml $xml -Force | Out-Null
    } else {
        # The account needs the "Iniciar sesión como proceso por lotes" right (docs/install.md).
        Register-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Xml $xml -User $Name `
            -Password $Password -Force | Out-Null
    }
    Start-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
}

function Get-EngineTask {
    return Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
}

function Stop-Activo {
    if (Get-EngineTask) {
        Stop-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
    }
    # Then any ACTIVO process still running from this folder (trays of logged-on users, a
    # console `activo-cli sync`): by id, and only ours, matched by the executable's full path.
    $ours = @($Engine, $Cli)
    $running = @(Get-CimInstance Win32_Process -Filter "Name='activo.exe' OR Name='activo-cli.exe'" |
        Where-Object { $_.ExecutablePath -and $ours -contains $_.ExecutablePath })
    foreach ($process in $running) {
        Stop-Process -Id $process.ProcessId -Force -ErrorAction SilentlyContinue
    }
    foreach ($process in $running) {
        Wait-Process -Id $process.ProcessId -Timeout 20 -ErrorAction SilentlyContinue
    }
}

switch ($Action) {
    'Configure' {
        $handoff = Read-Handoff $HandoffFile
        foreach ($secret in @('cloud-token', 'tango-password')) {
            if ($handoff.ContainsKey($secret) -and $handoff[$secret] -ne '') {
                Set-SecretForMe $secret $handoff[$secret]
            }
        }
        if ($EngineTask) {
            $password = if ($handoff.ContainsKey('task-password')) { $handoff['task-password'] } else { '' }
            Set-SecretsForAccount $handoff $Account $password
            Register-Engine $Account $password
            if ($DoctorOut -ne '') { Invoke-DoctorAsAccount $Account $password $DoctorOut }
        }
    }
    'Stop' { Stop-Activo }
    'Start' { if (Get-EngineTask) { Start-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName } }
    'Unregister' {
        Stop-Activo
        if (Get-EngineTask) {
            Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Confirm:$false
        }
    }
}
