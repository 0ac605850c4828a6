; ACTIVO's Windows installer (Inno Setup 6.3 or later: x64compatible). Build: installer\build.ps1 (PyInstaller bundle first,
; then `ISCC installer\activo.iss`). IT runs it once on the ERP server; upgrades install over it.
;
;   program   {autopf}\Castor\ACTIVO          (replaced on upgrade, removed on uninstall)
;   data      {commonappdata}\Castor\ACTIVO   = activo.paths.default_data_dir() on Windows
;             (activo.toml, state, logs, images cache): kept across upgrades and uninstalls
;             unless IT asks to delete it when uninstalling.
;
; Silent install (every wizard answer as a parameter; secrets only as *files*, never as values on
; the command line, where any local user could read them):
;   ACTIVO-x.y.z-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /CLOUDURL=https://pedidos.empresa.com.ar
;     /TOKENFILE=C:\ruta\token.txt /SQLSERVER=SERVIDOR\AXSQLEXPRESS /SQLDATABASE=EMPRESA
;     /SQLAUTH=windows|sql /SQLUSER=activo /SQLPASSWORDFILE=C:\ruta\sql.txt /TALONARIO=6
;     /DEPOSITO=1 [/ODBCDRIVER="ODBC Driver 18 for SQL Server"] [/TANGOCONNECTION=...]
;     [/TASKS="traylogon,enginetask"] [/TASKACCOUNT=DOMINIO\cuenta /TASKPASSWORDFILE=...]
;     [/PROXY=http://proxy:3128] [/RECONFIGURE=1] [/LOG=C:\ruta\instalacion.log]
; Silent uninstall: unins000.exe /VERYSILENT [/PURGE=1 to delete the data folder too].
; docs/install.md explains all of it for IT, in Spanish.

#define AppName "ACTIVO"
; Fixed forever: Windows recognises upgrades and the uninstaller by it.
#define AppGuid "5E0C4B1A-7C2D-4F6B-9A8E-3D1F2B6C7A90"
#define BundleDir "..\dist\activo"
#ifndef AppVersion
  #define AppVersion GetVersionNumbersString(AddBackslash(SourcePath) + BundleDir + "\activo.exe")
#endif

[Setup]
AppId={{{#AppGuid}}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Castor
VersionInfoVersion={#AppVersion}
VersionInfoCompany=Castor
VersionInfoDescription=Instalador de ACTIVO (Castor Pedidos ↔ Tango Gestión)
DefaultDirName={autopf}\Castor\ACTIVO
DefaultGroupName=Castor\ACTIVO
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
UsePreviousTasks=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 / Server 2016 (10.0.14393) and later.
MinVersion=10.0.14393
OutputDir=..\dist\installer
OutputBaseFilename=ACTIVO-{#AppVersion}-setup
SetupIconFile=..\build\pyinstaller-extra\activo.ico
UninstallDisplayIcon={app}\activo.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The running agent is stopped by PrepareToInstall itself; Restart Manager closes anything left.
CloseApplications=force
RestartApplications=no
SetupLogging=yes

[Languages]
Name: "es"; MessagesFile: "compiler:Languages\Spanish.isl"

[Tasks]
Name: "enginetask"; Description: "Ejecutar el motor de ACTIVO al iniciar Windows, aunque nadie haya iniciado sesión (tarea programada; recomendado)"; GroupDescription: "Funcionamiento:"
Name: "traylogon"; Description: "Mostrar el ícono de ACTIVO en la bandeja al iniciar sesión"; GroupDescription: "Funcionamiento:"

[Dirs]
; Users may modify the data folder: the tray of whoever is logged in records commands in the
; state store next to the engine (which runs as another account). activo.toml itself is then
; locked to Administrators and SYSTEM (see LockConfigFile), so no user can redirect the agent.
Name: "{commonappdata}\Castor\ACTIVO"; Permissions: users-modify; Flags: uninsneveruninstall

[Files]
; tasks.ps1 once more as a temporary file: PrepareToInstall uses it to stop the running agent
; before the new files replace the old ones.
Source: "tasks.ps1"; Flags: dontcopy
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "tasks.ps1"; DestDir: "{app}"; Flags: ignoreversion
Source: "scheduled-task.xml"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\config.example.toml"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
Name: "{commonstartup}\ACTIVO"; Filename: "{app}\activo.exe"; Parameters: "{code:TrayParameters}"; WorkingDir: "{app}"; Tasks: traylogon; Comment: "Bandeja de ACTIVO"
Name: "{group}\ACTIVO (bandeja)"; Filename: "{app}\activo.exe"; Parameters: "{code:TrayParameters}"; WorkingDir: "{app}"
Name: "{group}\Carpeta de datos y registros de ACTIVO"; Filename: "{commonappdata}\Castor\ACTIVO"
Name: "{group}\Desinstalar ACTIVO"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\activo.exe"; Parameters: "{code:TrayParameters}"; WorkingDir: "{app}"; Description: "Abrir la bandeja de ACTIVO ahora"; Flags: nowait postinstall runasoriginaluser skipifsilent; Tasks: traylogon

[UninstallRun]
; Stop the engine and the trays, remove the scheduled task (before the files go).
Filename: "{sys}\WindowsPowerShell\v1.0\powershell.exe"; Parameters: "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File ""{app}\tasks.ps1"" -Action Unregister -AppDir ""{app}"""; Flags: runhidden waituntilterminated; RunOnceId: "UnregisterEngine"

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[CustomMessages]
es.KeepTitle=Configuración existente
es.KeepDescription=ACTIVO ya está configurado en este equipo.
es.KeepPrompt=Se encontró %1. ¿Qué querés hacer?
es.KeepChoice=Conservar la configuración, los secretos y las tareas actuales (recomendado para actualizar)
es.ReconfigureChoice=Volver a configurar ACTIVO
es.CloudTitle=Castor Pedidos
es.CloudDescription=Dirección de la nube y token del agente.
es.CloudPrompt=El token se genera en el panel de Castor Pedidos (Administración → Agente). Se guarda en el Administrador de credenciales de Windows, nunca en un archivo.
es.CloudUrl=Dirección de Castor Pedidos (https://…):
es.CloudToken=Token del agente:
es.CloudProxy=Proxy para salir a Internet (opcional, ej. http://proxy.empresa.local:3128, sin contraseña):
es.SqlAuthTitle=SQL Server de Tango
es.SqlAuthDescription=¿Cómo se conecta ACTIVO a SQL Server?
es.SqlAuthPrompt=Con autenticación de Windows, el permiso en SQL Server se da a la cuenta que ejecuta el motor (SYSTEM es la cuenta del equipo: DOMINIO\SERVIDOR$).
es.SqlAuthWindows=Autenticación de Windows
es.SqlAuthSql=Usuario y contraseña de SQL Server
es.SqlTitle=Base de datos de Tango
es.SqlDescription=Servidor, base de la empresa y usuario.
es.SqlPrompt=Por ejemplo: servidor SERVIDOR\AXSQLEXPRESS, base EMPRESA_SA. La contraseña se guarda en el Administrador de credenciales de Windows.
es.SqlServer=Servidor SQL (servidor\instancia):
es.SqlDatabase=Base de datos de la empresa:
es.SqlUser=Usuario SQL (solo con usuario y contraseña):
es.SqlPassword=Contraseña del usuario SQL:
es.TangoTitle=Pedidos en Tango
es.TangoDescription=Dónde entran los pedidos.
es.TangoPrompt=El talonario de pedidos (GVA43, comprobante PED) y el depósito del que salen los renglones (STA22).
es.TangoTalonario=Talonario de pedidos:
es.TangoDeposito=Depósito (código de 1 o 2 caracteres):
es.AccountTitle=Cuenta del motor
es.AccountDescription=Con qué cuenta de Windows corre el motor sin nadie conectado.
es.AccountPrompt=Dejá SYSTEM (recomendado) o indicá una cuenta de servicio (DOMINIO\usuario) con su contraseña. La cuenta necesita el derecho "Iniciar sesión como proceso por lotes".
es.AccountName=Cuenta (SYSTEM o DOMINIO\usuario):
es.AccountPassword=Contraseña de la cuenta (no para SYSTEM):
es.DoctorTitle=Revisión final
es.DoctorDescription=Resultado de "activo doctor".
es.DoctorPrompt=Cada línea con ✗ dice qué falta. Después de corregirlo: "activo-cli doctor" en la carpeta del programa.
es.ErrUrl=Escribí la dirección de Castor Pedidos, que empieza con https://.
es.ErrToken=Falta el token del agente.
es.ErrProxy=El proxy es una dirección como http://proxy.empresa.local:3128 (sin usuario ni contraseña), o vacío.
es.ErrServer=Escribí el servidor SQL y la base de datos.
es.ErrSqlUser=Con usuario y contraseña de SQL Server hacen falta los dos.
es.ErrTalonario=El talonario es un número entre 1 y 99999.
es.ErrDeposito=El depósito tiene 1 o 2 caracteres.
es.ErrAccountPassword=Falta la contraseña de la cuenta de servicio.
es.ErrNoTask=Sin la tarea programada ni la bandeja, ACTIVO no va a funcionar solo. ¿Continuar igual?
es.ErrConfigure=No se pudieron guardar los secretos o registrar la tarea programada (código %1). Ver el registro de la instalación.
es.PurgeQuestion=¿Borrar también la configuración, el estado y los registros de ACTIVO (%1)?%n%nElegí No si vas a volver a instalarlo.
es.NoDoctor=No se pudo ejecutar activo doctor.

[Code]
const
  ParamNone = '';

var
  KeepPage: TInputOptionWizardPage;
  CloudPage: TInputQueryWizardPage;
  SqlAuthPage: TInputOptionWizardPage;
  SqlPage: TInputQueryWizardPage;
  TangoPage: TInputQueryWizardPage;
  AccountPage: TInputQueryWizardPage;
  DoctorPage: TOutputMsgMemoWizardPage;

function DataDir(): String;
begin
  Result := ExpandConstant('{commonappdata}\Castor\ACTIVO');
end;

function ConfigFile(): String;
begin
  Result := DataDir() + '\activo.toml';
end;

function PowerShell(): String;
begin
  Result := ExpandConstant('{sys}\WindowsPowerShell\v1.0\powershell.exe');
end;

function CmdParam(const Name, DefaultValue: String): String;
begin
  Result := ExpandConstant('{param:' + Name + '|' + DefaultValue + '}');
end;

{ A secret given to a silent install: the contents of the file named by the parameter. }
function ParamFile(const Name: String): String;
var
  Path: String;
  Value: AnsiString;
begin
  Result := '';
  Path := CmdParam(Name, ParamNone);
  if (Path <> '') and LoadStringFromFile(Path, Value) then
    Result := Trim(String(Value));
end;

{ An upgrade: ACTIVO is installed (its uninstall entry exists) and configured. Only then can
  the configuration, the secrets and the scheduled task all be kept as they are. }
function Upgrading(): Boolean;
begin
  Result := FileExists(ConfigFile()) and RegKeyExists(HKLM,
    'Software\Microsoft\Windows\CurrentVersion\Uninstall\{{#AppGuid}}_is1');
end;

function Keeping(): Boolean;
begin
  Result := Upgrading() and (KeepPage.SelectedValueIndex = 0);
end;

function UsesSqlLogin(): Boolean;
begin
  Result := SqlAuthPage.SelectedValueIndex = 1;
end;

function SystemAccount(const Name: String): Boolean;
begin
  Result := (Name = '') or (CompareText(Name, 'SYSTEM') = 0)
    or (CompareText(Name, 'NT AUTHORITY\SYSTEM') = 0);
end;

{ Startup shortcut and "open now": only the tray when the scheduled task runs the engine,
  otherwise engine and tray together in the user's session. }
function TrayParameters(Unused: String): String;
begin
  if WizardIsTaskSelected('enginetask') then
    Result := 'tray'
  else
    Result := 'run';
end;

function OdbcDriver(): String;
begin
  Result := CmdParam('ODBCDRIVER', ParamNone);
  if Result = '' then
  begin
    if RegKeyExists(HKLM, 'SOFTWARE\ODBC\ODBCINST.INI\ODBC Driver 18 for SQL Server') then
      Result := 'ODBC Driver 18 for SQL Server'
    else
      Result := 'ODBC Driver 17 for SQL Server';
  end;
end;

{ The ODBC connection string, never with the password: ACTIVO adds it from the vault. }
function TangoConnection(): String;
var
  Driver: String;
begin
  Result := CmdParam('TANGOCONNECTION', ParamNone);
  if Result <> '' then
    Exit;
  Driver := OdbcDriver();
  Result := 'DRIVER={' + Driver + '};SERVER=' + Trim(SqlPage.Values[0])
    + ';DATABASE=' + Trim(SqlPage.Values[1]);
  if UsesSqlLogin() then
    Result := Result + ';UID=' + Trim(SqlPage.Values[2])
  else
    Result := Result + ';Trusted_Connection=yes';
  { Driver 18 encrypts by default and an on-premise SQL Server rarely has a trusted
    certificate: encrypted, without checking the certificate (docs/install.md). }
  if Pos('18', Driver) > 0 then
    Result := Result + ';Encrypt=yes;TrustServerCertificate=yes';
end;

function TomlString(const Value: String): String;
begin
  Result := Value;
  StringChangeEx(Result, '\', '\\', True);
  StringChangeEx(Result, '"', '\"', True);
  Result := '"' + Result + '"';
end;

procedure InitializeWizard();
begin
  KeepPage := CreateInputOptionPage(wpSelectDir, CustomMessage('KeepTitle'),
    CustomMessage('KeepDescription'), FmtMessage(CustomMessage('KeepPrompt'), [ConfigFile()]),
    True, False);
  KeepPage.Add(CustomMessage('KeepChoice'));
  KeepPage.Add(CustomMessage('ReconfigureChoice'));
  if CmdParam('RECONFIGURE', '0') = '1' then
    KeepPage.SelectedValueIndex := 1
  else
    KeepPage.SelectedValueIndex := 0;

  CloudPage := CreateInputQueryPage(wpSelectTasks, CustomMessage('CloudTitle'),
    CustomMessage('CloudDescription'), CustomMessage('CloudPrompt'));
  CloudPage.Add(CustomMessage('CloudUrl'), False);
  CloudPage.Add(CustomMessage('CloudToken'), True);
  CloudPage.Add(CustomMessage('CloudProxy'), False);
  CloudPage.Values[0] := CmdParam('CLOUDURL', 'https://');
  CloudPage.Values[1] := ParamFile('TOKENFILE');
  CloudPage.Values[2] := CmdParam('PROXY', ParamNone);

  SqlAuthPage := CreateInputOptionPage(CloudPage.ID, CustomMessage('SqlAuthTitle'),
    CustomMessage('SqlAuthDescription'), CustomMessage('SqlAuthPrompt'), True, False);
  SqlAuthPage.Add(CustomMessage('SqlAuthWindows'));
  SqlAuthPage.Add(CustomMessage('SqlAuthSql'));
  if CompareText(CmdParam('SQLAUTH', 'windows'), 'sql') = 0 then
    SqlAuthPage.SelectedValueIndex := 1
  else
    SqlAuthPage.SelectedValueIndex := 0;

  SqlPage := CreateInputQueryPage(SqlAuthPage.ID, CustomMessage('SqlTitle'),
    CustomMessage('SqlDescription'), CustomMessage('SqlPrompt'));
  SqlPage.Add(CustomMessage('SqlServer'), False);
  SqlPage.Add(CustomMessage('SqlDatabase'), False);
  SqlPage.Add(CustomMessage('SqlUser'), False);
  SqlPage.Add(CustomMessage('SqlPassword'), True);
  SqlPage.Values[0] := CmdParam('SQLSERVER', ParamNone);
  SqlPage.Values[1] := CmdParam('SQLDATABASE', ParamNone);
  SqlPage.Values[2] := CmdParam('SQLUSER', ParamNone);
  SqlPage.Values[3] := ParamFile('SQLPASSWORDFILE');

  TangoPage := CreateInputQueryPage(SqlPage.ID, CustomMessage('TangoTitle'),
    CustomMessage('TangoDescription'), CustomMessage('TangoPrompt'));
  TangoPage.Add(CustomMessage('TangoTalonario'), False);
  TangoPage.Add(CustomMessage('TangoDeposito'), False);
  TangoPage.Values[0] := CmdParam('TALONARIO', ParamNone);
  TangoPage.Values[1] := CmdParam('DEPOSITO', '1');

  AccountPage := CreateInputQueryPage(TangoPage.ID, CustomMessage('AccountTitle'),
    CustomMessage('AccountDescription'), CustomMessage('AccountPrompt'));
  AccountPage.Add(CustomMessage('AccountName'), False);
  AccountPage.Add(CustomMessage('AccountPassword'), True);
  AccountPage.Values[0] := CmdParam('TASKACCOUNT', 'SYSTEM');
  AccountPage.Values[1] := ParamFile('TASKPASSWORDFILE');

  DoctorPage := CreateOutputMsgMemoPage(wpInstalling, CustomMessage('DoctorTitle'),
    CustomMessage('DoctorDescription'), CustomMessage('DoctorPrompt'), '');
  if not Upgrading() then
    KeepPage.SelectedValueIndex := 1;
end;

function ShouldSkipPage(PageID: Integer): Boolean;
begin
  Result := False;
  if PageID = KeepPage.ID then
    Result := not Upgrading()
  else if PageID = wpSelectTasks then
    Result := Keeping()  { an upgrade keeps the previous tasks (UsePreviousTasks) }
  else if (PageID = CloudPage.ID) or (PageID = SqlAuthPage.ID) or (PageID = SqlPage.ID)
    or (PageID = TangoPage.ID) then
    Result := Keeping()
  else if PageID = AccountPage.ID then
    Result := Keeping() or not WizardIsTaskSelected('enginetask');
end;

{ Also called on silent installs ("simulated clicks"): returning False there ends Setup,
  so a silent install with a missing answer fails instead of installing half configured. }
function NextButtonClick(CurPageID: Integer): Boolean;
var
  Talonario: Integer;
begin
  Result := True;
  if (CurPageID = wpSelectTasks) and not WizardIsTaskSelected('enginetask')
    and not WizardIsTaskSelected('traylogon') then
    Result := SuppressibleMsgBox(CustomMessage('ErrNoTask'), mbConfirmation, MB_YESNO, IDYES) = IDYES
  else if CurPageID = CloudPage.ID then
  begin
    if (Pos('https://', Lowercase(Trim(CloudPage.Values[0]))) <> 1)
      and (Pos('http://127.0.0.1', Lowercase(Trim(CloudPage.Values[0]))) <> 1)
      and (Pos('http://localhost', Lowercase(Trim(CloudPage.Values[0]))) <> 1) then
    begin
      SuppressibleMsgBox(CustomMessage('ErrUrl'), mbError, MB_OK, IDOK);
      Result := False;
    end
    else if Trim(CloudPage.Values[1]) = '' then
    begin
      SuppressibleMsgBox(CustomMessage('ErrToken'), mbError, MB_OK, IDOK);
      Result := False;
    end
    else if (Trim(CloudPage.Values[2]) <> '') and ((Pos('://', Trim(CloudPage.Values[2])) = 0)
      or (Pos('@', CloudPage.Values[2]) > 0)) then
    begin
      { A proxy password would land in activo.toml: refused (docs/install.md, Proxy). }
      SuppressibleMsgBox(CustomMessage('ErrProxy'), mbError, MB_OK, IDOK);
      Result := False;
    end;
  end
  else if CurPageID = SqlPage.ID then
  begin
    if (CmdParam('TANGOCONNECTION', ParamNone) = '')
      and ((Trim(SqlPage.Values[0]) = '') or (Trim(SqlPage.Values[1]) = '')) then
    begin
      SuppressibleMsgBox(CustomMessage('ErrServer'), mbError, MB_OK, IDOK);
      Result := False;
    end
    else if UsesSqlLogin() and ((Trim(SqlPage.Values[2]) = '') or (SqlPage.Values[3] = '')) then
    begin
      SuppressibleMsgBox(CustomMessage('ErrSqlUser'), mbError, MB_OK, IDOK);
      Result := False;
    end;
  end
  else if CurPageID = TangoPage.ID then
  begin
    Talonario := StrToIntDef(Trim(TangoPage.Values[0]), 0);
    if (Talonario < 1) or (Talonario > 99999) then
    begin
      SuppressibleMsgBox(CustomMessage('ErrTalonario'), mbError, MB_OK, IDOK);
      Result := False;
    end
    else if (Length(Trim(TangoPage.Values[1])) < 1) or (Length(Trim(TangoPage.Values[1])) > 2) then
    begin
      SuppressibleMsgBox(CustomMessage('ErrDeposito'), mbError, MB_OK, IDOK);
      Result := False;
    end;
  end
  else if CurPageID = AccountPage.ID then
  begin
    if not SystemAccount(Trim(AccountPage.Values[0])) and (AccountPage.Values[1] = '') then
    begin
      SuppressibleMsgBox(CustomMessage('ErrAccountPassword'), mbError, MB_OK, IDOK);
      Result := False;
    end;
  end;
end;

function RunTasksScript(const Script, Arguments: String): Integer;
var
  Code: Integer;
begin
  if not Exec(PowerShell(), '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "'
    + Script + '" ' + Arguments, '', SW_HIDE, ewWaitUntilTerminated, Code) then
    Code := -1;
  Log(Format('tasks.ps1 %s -> %d', [Arguments, Code]));
  Result := Code;
end;

{ Upgrade in place: stop the running engine and trays before their files are replaced. }
function PrepareToInstall(var NeedsRestart: Boolean): String;
begin
  Result := '';
  if FileExists(ExpandConstant('{app}\activo.exe')) then
  begin
    ExtractTemporaryFile('tasks.ps1');
    RunTasksScript(ExpandConstant('{tmp}\tasks.ps1'),
      '-Action Stop -AppDir "' + ExpandConstant('{app}') + '"');
  end;
end;

procedure WriteConfig();
var
  Lines: TArrayOfString;
begin
  SetArrayLength(Lines, 15);
  Lines[0] := '# Configuración de ACTIVO escrita por el instalador. Cada clave se explica en';
  Lines[1] := '# config.example.toml, en la carpeta del programa. Contraseñas y tokens NO van acá:';
  Lines[2] := '# están en el Administrador de credenciales de Windows (activo-cli secrets set …).';
  Lines[3] := '';
  Lines[4] := '[cloud]';
  Lines[5] := 'url = ' + TomlString(Trim(CloudPage.Values[0]));
  Lines[6] := 'proxy = ' + TomlString(Trim(CloudPage.Values[2]));
  Lines[7] := '[tango]';
  Lines[8] := 'connection = ' + TomlString(TangoConnection());
  Lines[9] := 'talonario = ' + IntToStr(StrToIntDef(Trim(TangoPage.Values[0]), 0));
  Lines[10] := 'deposit = ' + TomlString(Trim(TangoPage.Values[1]));
  Lines[11] := '';
  Lines[12] := '[logging]';
  Lines[13] := 'level = "INFO"';
  Lines[14] := '';
  ForceDirectories(DataDir());
  SaveStringsToUTF8File(ConfigFile(), Lines, False);
end;

{ Only Administrators and SYSTEM may change activo.toml; users (the tray) may read it. SIDs,
  so it works on a Windows in any language. No secret is on this command line. }
procedure LockConfigFile();
var
  Code: Integer;
begin
  Exec(ExpandConstant('{sys}\icacls.exe'), '"' + ConfigFile()
    + '" /inheritance:r /grant:r *S-1-5-18:F *S-1-5-32-544:F *S-1-5-32-545:R', '',
    SW_HIDE, ewWaitUntilTerminated, Code);
  Log(Format('icacls activo.toml -> %d', [Code]));
end;

{ Secrets go to tasks.ps1 in a file of Setup's private temporary folder (the installing
  administrator, Administrators and SYSTEM only): its path is on the command line, the values
  never are. tasks.ps1 deletes the file as soon as it has read it; so does this, in any case. }
function Configure(const DoctorOut: String): Integer;
var
  Handoff, Arguments: String;
  Lines: TArrayOfString;
begin
  Handoff := ExpandConstant('{tmp}\handoff.txt');
  SetArrayLength(Lines, 3);
  Lines[0] := 'cloud-token' + #9 + Trim(CloudPage.Values[1]);
  Lines[1] := 'tango-password' + #9 + SqlPage.Values[3];
  Lines[2] := 'task-password' + #9 + AccountPage.Values[1];
  if not UsesSqlLogin() then
    Lines[1] := 'tango-password' + #9;
  SaveStringsToUTF8File(Handoff, Lines, False);
  try
    Arguments := '-Action Configure -AppDir "' + ExpandConstant('{app}') + '" -HandoffFile "'
      + Handoff + '"';
    if WizardIsTaskSelected('enginetask') then
      Arguments := Arguments + ' -EngineTask -Account "' + Trim(AccountPage.Values[0])
        + '" -DoctorOut "' + DoctorOut + '"';
    Result := RunTasksScript(ExpandConstant('{app}\tasks.ps1'), Arguments);
  finally
    DeleteFile(Handoff);
  end;
end;

{ `activo doctor` as the installing user (when the engine is not a scheduled task). UTF-8
  output: the bundle runs Python in UTF-8 mode. }
procedure DoctorAsMe(const DoctorOut: String);
var
  Code: Integer;
begin
  Exec(ExpandConstant('{cmd}'), '/d /c ""' + ExpandConstant('{app}\activo-cli.exe')
    + '" doctor > "' + DoctorOut + '" 2>&1"', ExpandConstant('{app}'), SW_HIDE,
    ewWaitUntilTerminated, Code);
end;

procedure ShowDoctor(const DoctorOut: String);
var
  Lines: TArrayOfString;
  Report: String;
  I: Integer;
begin
  Report := '';
  if LoadStringsFromFile(DoctorOut, Lines) then
  begin
    for I := 0 to GetArrayLength(Lines) - 1 do
      Report := Report + Lines[I] + #13#10;
  end
  else
    Report := CustomMessage('NoDoctor');
  DoctorPage.RichEditViewer.Lines.Text := Report;
  Log('activo doctor:' + #13#10 + Report);
end;

procedure CurStepChanged(CurStep: TSetupStep);
var
  DoctorOut: String;
  Code: Integer;
begin
  if CurStep <> ssPostInstall then
    Exit;
  DoctorOut := ExpandConstant('{tmp}\doctor.txt');
  if Keeping() then
  begin
    { Upgrade: same configuration, secrets and task; start the engine again. }
    if WizardIsTaskSelected('enginetask') then
      RunTasksScript(ExpandConstant('{app}\tasks.ps1'), '-Action Start');
    DoctorAsMe(DoctorOut);
  end
  else
  begin
    WriteConfig();
    LockConfigFile();
    if not WizardIsTaskSelected('enginetask') then
      RunTasksScript(ExpandConstant('{app}\tasks.ps1'),
        '-Action Unregister -AppDir "' + ExpandConstant('{app}') + '"');
    Code := Configure(DoctorOut);
    if Code <> 0 then
      SuppressibleMsgBox(FmtMessage(CustomMessage('ErrConfigure'), [IntToStr(Code)]),
        mbError, MB_OK, IDOK);
    if not WizardIsTaskSelected('enginetask') then
      DoctorAsMe(DoctorOut);
  end;
  ShowDoctor(DoctorOut);
end;

{ Uninstall keeps the data folder unless asked (interactive question; /PURGE=1 when silent). }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Purge: Boolean;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  if UninstallSilent() then
    Purge := ExpandConstant('{param:PURGE|0}') = '1'
  else
    Purge := MsgBox(FmtMessage(CustomMessage('PurgeQuestion'), [DataDir()]), mbConfirmation,
      MB_YESNO or MB_DEFBUTTON2) = IDYES;
  if Purge then
    DelTree(DataDir(), True, True, True);
end;
