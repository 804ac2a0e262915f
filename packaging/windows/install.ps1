<#
.SYNOPSIS
  Installs the desk-onvif capture agent on this PC: copies it, writes its configuration and
  registers the Task Scheduler logon task that runs it in the user's session.

.DESCRIPTION
  Shared mode (one camera per PC, the default): run from an administrator's PowerShell. The agent
  goes to "C:\Program Files\desk-onvif", its configuration to
  "C:\ProgramData\desk-onvif\agent.json" (readable by the PC's users, who each run the agent at
  logon), and the task "desk-onvif-agent (shared)" starts it at every user's logon. The agent
  enrols once, here, as administrator: the camera's credential goes to
  "C:\ProgramData\desk-onvif\nats" (SYSTEM and Administrators full control, the PC's users read
  only), so that every user's agent is the same camera; the token then leaves agent.json.

  Per-user mode (one camera per Windows user): run as that user, without administrator rights.
  The agent goes to "%LOCALAPPDATA%\Programs\desk-onvif", its configuration to
  "%APPDATA%\desk-onvif\agent.json" (that user and SYSTEM only), and the task
  "desk-onvif-agent (<DOMAIN>_<user>)" starts it at that user's logon.

  Every setting can be edited in agent.json afterwards (the agent's README lists them); the task
  reads it at the next start.

.EXAMPLE
  .\install.ps1 -MediaUrl rtsp://lab-server:8554
  (asks for the enrolment token: on the lab server, docker compose run --rm cli enrolment issue
  --host-id <this PC's MachineGuid>; it carries where NATS is and the site CA)

.EXAMPLE
  .\install.ps1 -Mode per-user -MediaUrl rtsp://lab-server:8554 -StartNow
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory = $true)] [string] $MediaUrl,
  [ValidateSet('shared', 'per-user')] [string] $Mode = 'shared',
  # The enrolment token (DOE1.…) an administrator issued for this PC; asked for (not echoed) when
  # absent, so that it is in no command history. Used once: the agent enrols with a key pair it
  # generates and from then on holds only its own camera's credential.
  [System.Security.SecureString] $EnrollmentToken,
  [string] $InstallDir,
  # Use this agent.json as it is instead of writing one.
  [string] $ConfigFile,
  [switch] $StartNow
)
$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path

$isAdmin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole(
  [Security.Principal.WindowsBuiltInRole]::Administrator)
if ($Mode -eq 'shared' -and -not $isAdmin) {
  throw 'Shared mode registers a task for every user: run this from an administrator''s PowerShell (or use -Mode per-user).'
}
if (-not $InstallDir) {
  $InstallDir = if ($Mode -eq 'shared') { Join-Path $env:ProgramFiles 'desk-onvif' } else { Join-Path $env:LOCALAPPDATA 'Programs\desk-onvif' }
}

# 1. The program (and ffmpeg.exe with its licence when the zip has one).
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
foreach ($file in 'desk-onvif-agent.exe', 'ffmpeg.exe', 'FFMPEG-LICENSE.txt') {
  $source = Join-Path $here $file
  if (Test-Path $source) { Copy-Item -Force $source $InstallDir }
}
$agent = Join-Path $InstallDir 'desk-onvif-agent.exe'
if (-not (Test-Path (Join-Path $InstallDir 'ffmpeg.exe'))) {
  Write-Warning 'No ffmpeg.exe in this package: the agent uses the ffmpeg on PATH, or set "ffmpegPath" in agent.json.'
}

# 2. The configuration: UTF-8 without a byte order mark, readable only by whoever runs the agent.
if (-not $ConfigFile) {
  $configDir = if ($Mode -eq 'shared') { Join-Path $env:ProgramData 'desk-onvif' } else { Join-Path $env:APPDATA 'desk-onvif' }
  New-Item -ItemType Directory -Force -Path $configDir | Out-Null
  $ConfigFile = Join-Path $configDir 'agent.json'
  if (-not $EnrollmentToken) { $EnrollmentToken = Read-Host -AsSecureString 'Enrolment token (desk-onvif enrolment issue, on the lab server)' }
  $token = [Runtime.InteropServices.Marshal]::PtrToStringBSTR([Runtime.InteropServices.Marshal]::SecureStringToBSTR($EnrollmentToken))
  if (-not $token.StartsWith('DOE1.')) { throw 'That is not an enrolment token (it starts with DOE1.).' }
  $config = [ordered]@{ enrollmentToken = $token; mediaUrl = $MediaUrl; mode = $Mode }
  [IO.File]::WriteAllText($ConfigFile, ($config | ConvertTo-Json), (New-Object Text.UTF8Encoding $false))
  $token = $null
  # The file holds the enrolment token until it is used: no inherited entries; SYSTEM and the administrators, and the
  # users who run the agent (shared: the PC's users, read only; per-user: that user).
  $who = if ($Mode -eq 'shared') { @('*S-1-5-32-544:F', '*S-1-5-32-545:R') } else { @("$env:USERDOMAIN\$env:USERNAME`:F") }
  & icacls $ConfigFile /inheritance:r /grant:r '*S-1-5-18:F' @who | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls could not restrict $ConfigFile" }
}

# 3. Shared mode: enrol now, as administrator, so that the camera's credential is machine-wide
#    (%ProgramData%\desk-onvif\nats: SYSTEM and Administrators full control, the PC's users read only)
#    and every Windows user's agent reads it instead of enrolling again (refused: IDENTITY_BOUND).
if ($Mode -eq 'shared') {
  & $agent enrol --config $ConfigFile
  if ($LASTEXITCODE -ne 0) { throw "desk-onvif-agent enrol failed ($LASTEXITCODE): ask for a new token or a binding reset" }
  # The token is used: it leaves agent.json, which the PC's users can read (the file keeps its ACL).
  $saved = Get-Content -Raw $ConfigFile | ConvertFrom-Json
  $saved.PSObject.Properties.Remove('enrollmentToken')
  [IO.File]::WriteAllText($ConfigFile, ($saved | ConvertTo-Json), (New-Object Text.UTF8Encoding $false))
}

# 4. The logon task (the agent's own install command: schtasks /SC ONLOGON, not a service).
& $agent install --mode $Mode --config $ConfigFile
if ($LASTEXITCODE -ne 0) { throw "desk-onvif-agent install failed ($LASTEXITCODE)" }

if ($StartNow) {
  $task = if ($Mode -eq 'shared') { 'desk-onvif-agent (shared)' } else { "desk-onvif-agent ($($env:USERDOMAIN)_$($env:USERNAME))" }
  & schtasks /Run /TN $task | Out-Null
  Start-Sleep -Seconds 5
}
Write-Host "Installed $agent ($Mode), configuration $ConfigFile."
Write-Host "Check it: & '$agent' status --config '$ConfigFile'"
