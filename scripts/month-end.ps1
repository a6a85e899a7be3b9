<#
.SYNOPSIS
    month-end.ps1: send a month's invoices to Kravia, in plain words, for accountants.

.DESCRIPTION
    powershell -ExecutionPolicy Bypass -File month-end.ps1 EXPORT-FILE [extra options for the sending step]

    The Windows twin of month-end.sh, line for line. The steps, and every word they
    show, are kravia-batch's own (`kravia-batch month-end`, see docs/commands.md). This
    script runs them in order, asks the question, and stops at the first step that does
    not end with 0, with its exit code:
    1. `kravia-batch month-end check FILE`: checks the file (nothing is sent), writing an
       error report, a checked copy and a plan next to it; shows the control totals and
       any problems; on errors opens the checked copy and stops;
    2. `kravia-batch month-end question FILE`: "Send N invoices totalling X NOK? (yes/no)",
       answered here;
    3. `kravia-batch month-end send FILE`: sends what the plan approved (refused if the
       file changed since the check) and shows the results file and how many invoices
       were created, already existed, failed or are unknown.
    A second run of the same file resumes an interrupted one; kravia-batch never sends an
    invoice twice.

    The script's exit code is kravia-batch's: 0 done, 1 errors in the file (nothing
    sent), 2 not confirmed or wrong command, 3 setup problem (credentials, network, files),
    4 some invoices refused, 5 not finished: run the script again.

    Environment:
      KRAVIA_BATCH        the kravia-batch program (default: kravia-batch on PATH)
      KRAVIA_IMPORT_ARGS  extra options for the sending step, split on spaces, e.g.
                          "--sandbox" for a rehearsal or "--live" for a production account
      KRAVIA_NO_OPEN=1    never open files (servers, tests)
    Input settings (mapping file, default currency...) belong in kravia-batch's config file
    or its KRAVIA_BATCH_* variables, so that the check and the sending read the file alike.

    Windows PowerShell 5.1 and PowerShell 7. Kept to ASCII: Windows PowerShell reads a
    script without a byte order mark in the ANSI code page. See docs/accountant-guide.md.

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File month-end.ps1 november.csv

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File month-end.ps1 november.csv --sandbox
#>

# No param() block: every argument after the file, `--sandbox` included, is passed on
# to the sending step as it was written.
Set-StrictMode -Version 1
$ErrorActionPreference = 'Stop'
# PowerShell 7.3+: a native program's exit code must not turn into an exception.
$PSNativeCommandUseErrorActionPreference = $false

function Say([string]$Text = '') { Write-Host $Text }

if ($args.Count -lt 1 -or $args[0] -eq '-h' -or $args[0] -eq '--help' -or $args[0] -eq '-?') {
    Say 'Usage: month-end.ps1 EXPORT-FILE [extra options for the sending step]'
    Say "Checks the month's invoice export, shows its totals, asks, then sends the invoices."
    Say 'Example: month-end.ps1 november.csv'
    Say 'Rehearsal without sending anything real: month-end.ps1 november.csv --sandbox'
    if ($args.Count -lt 1) { exit 2 }
    exit 0
}

$inputArg = [string]$args[0]
# Extra options for the sending step: the script's arguments, then KRAVIA_IMPORT_ARGS.
$extra = @()
if ($args.Count -gt 1) { $extra += @($args[1..($args.Count - 1)] | ForEach-Object { [string]$_ }) }
if ($env:KRAVIA_IMPORT_ARGS) {
    $extra += @($env:KRAVIA_IMPORT_ARGS -split '\s+' | Where-Object { $_ -ne '' })
}

$bin = $env:KRAVIA_BATCH
if (-not $bin) { $bin = 'kravia-batch' }
if (-not (Get-Command $bin -ErrorAction SilentlyContinue)) {
    Say "Cannot find the kravia-batch program ('$bin')."
    Say 'Ask whoever set up this computer: kravia-batch must be installed, or KRAVIA_BATCH must name it.'
    exit 3
}

# kravia-batch writes UTF-8; Windows PowerShell would decode what passes through it in
# the OEM code page. Set back by Stop-Script.
$savedEncoding = $null
try {
    $savedEncoding = [Console]::OutputEncoding
    [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
} catch {
    $savedEncoding = $null
}

# Ends the script with kravia-batch's exit code, the console's encoding as it was.
function Stop-Script([int]$Code) {
    if ($null -ne $savedEncoding) {
        try { [Console]::OutputEncoding = $savedEncoding } catch { }
    }
    exit $Code
}

function Read-Answer {
    # $null at the end of the input.
    if ([Console]::IsInputRedirected) { return [Console]::In.ReadLine() }
    return (Read-Host)
}

# 1. Check the file: nothing is sent.
& $bin month-end check $inputArg @extra
if ($LASTEXITCODE -ne 0) { Stop-Script $LASTEXITCODE }

# 2. Ask: yes (y, ja, j) sends; no (n, nei), no answer or three unclear ones do not.
$answer = ''
for ($try = 0; $try -lt 3; $try++) {
    # The question has no line break: the answer is typed after it.
    $question = @(& $bin month-end question $inputArg @extra) -join ''
    if ($LASTEXITCODE -ne 0) { Stop-Script $LASTEXITCODE }
    Write-Host -NoNewline $question
    $line = Read-Answer
    if ($null -eq $line) {
        $answer = ''
        Say ''
        break
    }
    $answer = ($line -replace '\s', '').ToLowerInvariant()
    if (@('yes', 'y', 'ja', 'j', 'no', 'n', 'nei') -contains $answer) { break }
    Say 'Please type yes or no.'
}
if (@('yes', 'y', 'ja', 'j') -notcontains $answer) {
    Say ''
    Say 'NOTHING WAS SENT: you did not answer yes.'
    Say 'Run this again when you want to send the invoices.'
    Stop-Script 2
}

# 3. Send. Ctrl-C reaches kravia-batch too, which stops cleanly with exit code 5 and
#    says so.
& $bin month-end send $inputArg @extra
Stop-Script $LASTEXITCODE
