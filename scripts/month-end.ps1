<#
.SYNOPSIS
    month-end.ps1: send a month's invoices to Kravia, in plain words, for accountants.

.DESCRIPTION
    powershell -ExecutionPolicy Bypass -File month-end.ps1 EXPORT-FILE [extra options for the sending step]

    The Windows twin of month-end.sh, step for step:
    1. checks the file with `kravia-batch validate` (nothing is sent), writing an error
       report, an annotated copy and a plan next to the file;
    2. shows the control totals and any problems; on errors opens the annotated copy and
       stops;
    3. asks "Send N invoices totalling X NOK? (yes/no)";
    4. sends with `kravia-batch import FILE --plan PLAN` (refused if the file changed since
       the check);
    5. shows where the results file is, and how many invoices were created, already
       existed, failed or are unknown.
    A second run of the same file resumes an interrupted one; kravia-batch never sends an
    invoice twice.

    Only kravia-batch's exit codes and its `--format json` output are read, never its text.
    The script's own exit code is kravia-batch's: 0 done, 1 errors in the file (nothing
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

# ---------------------------------------------------------------------------------------
# What the script needs.

$bin = $env:KRAVIA_BATCH
if (-not $bin) { $bin = 'kravia-batch' }
if (-not (Get-Command $bin -ErrorAction SilentlyContinue)) {
    Say "Cannot find the kravia-batch program ('$bin')."
    Say 'Ask whoever set up this computer: kravia-batch must be installed, or KRAVIA_BATCH must name it.'
    exit 3
}

if (-not (Test-Path -LiteralPath $inputArg -PathType Leaf)) {
    Say "The file '$inputArg' was not found. Check the name and the folder, and try again."
    exit 3
}

# Files written next to the export; full paths, so that every path shown can be found.
$inputPath = (Resolve-Path -LiteralPath $inputArg).ProviderPath
$dir = [System.IO.Path]::GetDirectoryName($inputPath)
$base = [System.IO.Path]::GetFileName($inputPath)
$stem = [System.IO.Path]::GetFileNameWithoutExtension($inputPath)
$ext = [System.IO.Path]::GetExtension($inputPath)
$report = Join-Path $dir "$stem.errors.csv"
$plan = Join-Path $dir "$stem.plan.json"
$state = Join-Path $dir "$stem.last-run.json"
# A rehearsal (--sandbox) keeps its results, journal and state apart: the real run must
# not find a rehearsal's journal (it belongs to the emulator's account).
$rehearsal = $extra -contains '--sandbox'
$givenResults = @($extra | Where-Object { $_ -eq '--results' -or $_ -like '--results=*' }).Count -gt 0
$resultsArgs = @()
if ($rehearsal) {
    $state = Join-Path $dir "$stem.rehearsal.last-run.json"
    if (-not $givenResults) { $resultsArgs = @('--results', (Join-Path $dir "$stem.rehearsal.results.csv")) }
}
# The annotated copy keeps the input's format: CSV stays CSV, spreadsheets become .xlsx.
if ($ext -ieq '.csv') {
    $annotated = Join-Path $dir "$stem.annotated$ext"
} else {
    $annotated = Join-Path $dir "$stem.annotated.xlsx"
}

# ---------------------------------------------------------------------------------------
# Running kravia-batch, and its JSON in plain words.

# Runs kravia-batch; returns @{ Code = exit code; Json = parsed stdout or $null;
# Errors = its stderr }. Its stderr (progress, messages) goes straight to the console,
# unless -CaptureErrors keeps it aside.
function Invoke-Kravia([string[]]$Arguments, [switch]$CaptureErrors) {
    # Lines on stderr must not become terminating errors (Windows PowerShell, 2>&1).
    $ErrorActionPreference = 'Continue'
    $errText = ''
    # kravia-batch writes UTF-8; Windows PowerShell would decode it in the OEM code page.
    $savedEncoding = $null
    try {
        $savedEncoding = [Console]::OutputEncoding
        [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
    } catch {
        $savedEncoding = $null
    }
    try {
        if ($CaptureErrors) {
            $all = @(& $bin @Arguments 2>&1)
            $code = $LASTEXITCODE
            $lines = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
            $errText = (@($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $_.ToString() }) -join "`n")
        } else {
            $lines = & $bin @Arguments
            $code = $LASTEXITCODE
        }
    } finally {
        if ($null -ne $savedEncoding) {
            try { [Console]::OutputEncoding = $savedEncoding } catch { }
        }
    }
    $json = $null
    $text = (@($lines) | ForEach-Object { [string]$_ }) -join "`n"
    if ($text.Trim()) {
        try { $json = $text | ConvertFrom-Json } catch { $json = $null }
    }
    return @{ Code = $code; Json = $json; Errors = $errText }
}

function Has($Object, [string]$Name) {
    return ($null -ne $Object) -and ($null -ne $Object.PSObject.Properties[$Name])
}

function List($Value) {
    # A JSON array as a PowerShell array (empty for null), kept whole on return.
    if ($null -eq $Value) { return , @() }
    return , @($Value)
}

# Every currency kravia-batch serves (NOK, SEK, EUR, DKK) has 2 decimals.
function Format-Money($Minor) {
    $m = [decimal]$Minor
    $sign = ''
    if ($m -lt 0) { $sign = '-'; $m = -$m }
    $whole = [decimal]::Truncate($m / 100)
    $frac = [int]($m - $whole * 100)
    $grouped = $whole.ToString('#,0', [System.Globalization.CultureInfo]::InvariantCulture).Replace(',', ' ')
    return ('{0}{1},{2:D2}' -f $sign, $grouped, $frac)
}

function Format-Plain($Minor) {
    $m = [decimal]$Minor
    $sign = ''
    if ($m -lt 0) { $sign = '-'; $m = -$m }
    $whole = [decimal]::Truncate($m / 100)
    $frac = [int]($m - $whole * 100)
    return ('{0}{1}.{2:D2}' -f $sign, $whole.ToString([System.Globalization.CultureInfo]::InvariantCulture), $frac)
}

function N-Of([long]$N, [string]$One, [string]$Many = '') {
    if (-not $Many) { $Many = $One + 's' }
    if ($N -eq 1) { return "$N $One" }
    return "$N $Many"
}

function And-List([string[]]$Parts) {
    if ($Parts.Count -eq 0) { return '' }
    if ($Parts.Count -eq 1) { return $Parts[0] }
    return (($Parts[0..($Parts.Count - 2)]) -join ', ') + ' and ' + $Parts[$Parts.Count - 1]
}

function Format-Amounts($Items) {
    $parts = @()
    foreach ($i in (List $Items)) { $parts += ('{0} {1}' -f (Format-Money $i.amount), $i.currency) }
    return (And-List $parts)
}

function Indent([string]$Text) {
    return ((($Text -split "`r?`n") | ForEach-Object { '    ' + $_ }) -join "`n")
}

function Format-Problem($P) {
    $where = @()
    if ($null -ne $P.row) { $where += "row $($P.row)" }
    if ($P.column) {
        if ($P.column_letter) { $where += "column $($P.column_letter) ($($P.column))" }
        else { $where += "column '$($P.column)'" }
    }
    if ($P.merchant_reference) { $where += "invoice $($P.merchant_reference)" }
    $text = [string]$P.message
    if ($null -ne $P.value -and [string]$P.value -ne '') { $text = "'$($P.value)' $text" }
    $head = $where -join ', '
    if (-not $head) { return $text }
    return $head.Substring(0, 1).ToUpper() + $head.Substring(1) + ': ' + $text
}

$TypeWords = @{
    'kravia.invoice_b2b'         = 'to businesses'
    'kravia.invoice_b2b_grouped' = 'to businesses (grouped)'
    'kravia.invoice_b2c'         = 'to private persons'
}

# The dry run's summary: control totals and problems.
function Show-Check($J) {
    if ($null -eq $J) { return }
    if (Has $J 'error') {
        if ([int]$J.exit_code -eq 1) { Say 'The file cannot be read as an invoice list:' }
        else { Say 'kravia-batch could not check the file:' }
        Say (Indent ([string]$J.error))
        return
    }
    $invoices = [long]$J.invoices
    $valid = [long]$J.valid_invoices
    $errors = [long]$J.errors
    $warnings = [long]$J.warnings
    $invalid = [long]$J.invalid_invoices
    Say ('The file has {0} on {1}.' -f (N-Of $invoices 'invoice'), (N-Of ([long]$J.lines) 'line'))
    if ($errors -eq 0) {
        if ($invoices -eq 1) { Say 'All of it is correct.' } else { Say 'All of them are correct.' }
    } else {
        $verb = 'have'
        if ($invalid -eq 1) { $verb = 'has' }
        Say ('{0} {1} errors ({2} in all); {3} correct.' -f (N-Of $invalid 'invoice'), $verb, (N-Of $errors 'error'), (N-Of $valid 'invoice is' 'invoices are'))
    }
    if ($null -ne $J.by_type) {
        $types = @($J.by_type.PSObject.Properties | Sort-Object Name | Where-Object { [long]$_.Value -gt 0 } | ForEach-Object {
                $word = $_.Name
                if ($TypeWords.ContainsKey($_.Name)) { $word = $TypeWords[$_.Name] }
                '{0} {1}' -f $_.Value, $word
            })
        if ($types.Count -gt 0) { Say ('Kinds: ' + ($types -join ', ') + '.') }
    }
    $totals = List $J.totals
    if ($totals.Count -gt 0) {
        Say ''
        if ($errors -gt 0) { Say 'Control totals of the correct invoices (compare them with the ledger):' }
        else { Say 'Control totals (compare them with the ledger):' }
        Say ('  {0,-9} {1,8} {2,18} {3,16} {4,18}' -f 'Currency', 'Invoices', 'Incl. VAT', 'VAT', 'Excl. VAT')
        foreach ($t in $totals) {
            Say ('  {0,-9} {1,8} {2,18} {3,16} {4,18}' -f $t.currency, $t.invoices, (Format-Money $t.amount), (Format-Money $t.vat_amount), (Format-Money $t.net_amount))
        }
        # With errors the problems matter; the details of the totals come when they are fixed.
        if ($errors -eq 0) {
            $rates = List $J.vat_rates
            if ($rates.Count -gt 0) {
                Say ''
                Say 'VAT per rate:'
                foreach ($r in $rates) {
                    $rate = ('{0} %' -f ([string]$r.rate).Replace('.', ','))
                    Say ('  {0,-9} {1,-7} base {2,16}   VAT {3,14}   ({4})' -f $r.currency, $rate, (Format-Money $r.base), (Format-Money $r.vat_amount), (N-Of ([long]$r.lines) 'line'))
                }
            }
            $largest = @($totals | Where-Object { $null -ne $_.largest })
            if ($largest.Count -gt 0) {
                Say ''
                Say 'Largest invoice:'
                foreach ($t in $largest) {
                    Say ('  {0,-9} {1,16}   invoice {2} to {3}' -f $t.currency, (Format-Money $t.largest.amount), $t.largest.merchant_reference, $t.largest.customer)
                }
            }
        }
    }
    $problems = List $J.problems
    $shown = 12
    foreach ($sev in @(
            @('error', 'Errors (these must be corrected before anything can be sent):', $errors),
            @('warning', 'Warnings (these do not stop anything; check them):', $warnings))) {
        $these = @($problems | Where-Object { $_.severity -eq $sev[0] })
        if ($these.Count -eq 0) { continue }
        Say ''
        Say $sev[1]
        foreach ($p in @($these | Select-Object -First $shown)) { Say ('  ' + (Format-Problem $p)) }
        $listed = [Math]::Min($these.Count, $shown)
        if ([long]$sev[2] -gt $listed) {
            Say ('  ... and {0} more: all of them are in the error report.' -f ([long]$sev[2] - $listed))
        }
    }
}

# The live run's outcome.
function Show-Result($J) {
    if ($null -eq $J) { return }
    if (Has $J 'error') {
        # kravia-batch has just shown it on the screen (stderr).
        return
    }
    if (-not (Has $J 'counts')) {
        Show-Check $J
        return
    }
    Say ('Dintero account {0}.' -f $J.account)
    $words = @(
        @('created', 'Created at Kravia'),
        @('already_exists', 'Already at Kravia before'),
        @('failed', 'Refused by Kravia'),
        @('unknown', 'Outcome not known yet'),
        @('not_sent', 'Not sent'))
    foreach ($w in $words) {
        $n = [long]0
        if (Has $J.counts $w[0]) { $n = [long]$J.counts.($w[0]) }
        if ($n -eq 0 -and ($w[0] -eq 'unknown' -or $w[0] -eq 'not_sent')) { continue }
        $line = '  {0,-26} {1,5}' -f ($w[1] + ':'), $n
        if ((Has $J.totals $w[0]) -and $J.totals.($w[0])) {
            $line += '   ' + (Format-Amounts $J.totals.($w[0]))
        }
        Say $line
    }
    if ($J.interrupted -eq $true) { Say 'The run was interrupted before the end.' }
    if ((Has $J 'reconciled') -and $J.reconciled -eq $false) {
        Say 'WARNING: the totals in the results file differ from the checked totals. Do not send again; contact support with the results file.'
    }
    Say ''
    Say 'Results file (one line per invoice, with its Kravia invoice number):'
    Say ('  ' + $J.results_file)
}

function Get-Now { return (Get-Date).ToString('yyyy-MM-dd HH:mm') }

function Read-State {
    if (-not (Test-Path -LiteralPath $state -PathType Leaf)) { return $null }
    try {
        return ([System.IO.File]::ReadAllText($state) | ConvertFrom-Json)
    } catch {
        return $null
    }
}

function Write-State($Object) {
    $text = $Object | ConvertTo-Json -Depth 20
    [System.IO.File]::WriteAllText($state, $text, (New-Object System.Text.UTF8Encoding $false))
}

function Open-File([string]$Path) {
    if ($env:KRAVIA_NO_OPEN -and $env:KRAVIA_NO_OPEN -ne '0') { return $false }
    try {
        Invoke-Item -LiteralPath $Path
        return $true
    } catch {
        return $false
    }
}

function Read-Answer {
    # $null at the end of the input.
    if ([Console]::IsInputRedirected) { return [Console]::In.ReadLine() }
    return (Read-Host)
}

# ---------------------------------------------------------------------------------------
# 0. Was this file sent before?

$previous = Read-State
Say "Month end: $base"
if ($rehearsal) {
    Say 'REHEARSAL: the invoices go to a simulated Kravia on this computer; nothing real is sent.'
}
Say ''
$resuming = $false
if ($null -ne $previous) {
    $when = 'earlier'
    if ($previous.started_at) { $when = $previous.started_at }
    # PowerShell 7 reads a date-like JSON string as a date.
    if ($when -is [datetime]) { $when = $when.ToString('yyyy-MM-dd HH:mm') }
    $prevCode = $previous.exit_code
    if ($null -eq $prevCode) {
        $resuming = $true
        Say "This file was sent on $when, and that run did not finish."
        Say 'This run resumes it: invoices that were already created are skipped, and no invoice is sent twice.'
        Say ''
    } elseif ([int]$prevCode -eq 0) {
        $resuming = $true
        Say "This file was already sent on $when, and every invoice was created then."
        Say 'Running it again sends nothing twice: invoices that already exist are skipped.'
        Say ''
    } elseif ([int]$prevCode -eq 4) {
        $resuming = $true
        Say "This file was sent on $when, and Kravia refused some invoices then."
        Say 'Running it again resumes: it sends only invoices that were never sent, and nothing twice.'
        Say '(Refused invoices are not sent again: correct them and send them in a separate file.)'
        Say ''
    } elseif ([int]$prevCode -lt 1 -or [int]$prevCode -gt 3) {
        $resuming = $true
        Say "This file was sent on $when, and that run did not finish."
        Say 'This run resumes it: invoices that were already created are skipped, and no invoice is sent twice.'
        Say ''
    }
}

# ---------------------------------------------------------------------------------------
# 1. Check the file: nothing is sent.

Say 'Step 1 of 3: checking the file (nothing is sent yet)...'
Say ''
# Its messages on stderr are for people at a terminal ("send with: kravia-batch import
# ..."): kept aside, and shown only when there is no JSON to explain.
$check = Invoke-Kravia @('validate', $inputPath, '--format', 'json', '--report', $report, '--annotate', $annotated, '--plan', $plan) -CaptureErrors
$code = $check.Code
$cj = $check.Json
$kind = 'none'
if ($null -ne $cj) {
    if (Has $cj 'error') { $kind = 'error' } else { $kind = 'summary' }
}
if ($kind -eq 'none' -and $check.Errors) { Say $check.Errors }

# ---------------------------------------------------------------------------------------
# 2. Control totals and problems, in plain words.

Show-Check $cj
Say ''

switch ($code) {
    0 { }
    1 {
        if ($kind -eq 'summary') {
            Say 'NOTHING WAS SENT: the file has errors.'
            if (Test-Path -LiteralPath $annotated -PathType Leaf) {
                $shownFile = $annotated
                Say 'A checked copy of your file, with a status and a message on every row, is here:'
            } else {
                $shownFile = $report
                Say 'The list of every problem (row, column, message) is here:'
            }
            Say "  $shownFile"
            if (Open-File $shownFile) { Say 'It opens now.' }
            if ((Test-Path -LiteralPath $annotated -PathType Leaf) -and (Test-Path -LiteralPath $report -PathType Leaf)) {
                Say "(The same problems as a list: $report)"
            }
            Say ''
            Say 'What to do:'
            Say "  1. Correct the rows marked as errors in your own file, $base (not in the checked copy):"
            Say '     open it in Excel, correct, and save it under the same name and type;'
            Say '     or correct them in the accounting system and export the file again.'
            Say '  2. Run this again.'
        } else {
            Say 'NOTHING WAS SENT: the file cannot be read.'
            Say 'What to do: export the invoices again from the accounting system (as CSV UTF-8'
            Say 'or as an Excel workbook), then run this again. If the message speaks of a column,'
            Say "the export's columns need to be mapped: ask whoever set up kravia-batch."
        }
        exit 1
    }
    3 {
        Say 'NOTHING WAS SENT: kravia-batch could not check the file.'
        Say "If a file next to $base is open in Excel (the checked copy or the error report),"
        Say 'close it; check that the folder can be written to; then run this again.'
        Say 'If it says something about the settings or the mapping, ask whoever set up kravia-batch.'
        exit 3
    }
    default {
        Say "NOTHING WAS SENT: kravia-batch did not accept the check (exit code $code)."
        Say 'Its message is just above. This script and kravia-batch may not fit together:'
        Say 'ask whoever set up kravia-batch.'
        if ($code -eq 2) { exit 2 }
        exit 3
    }
}

if ($kind -ne 'summary' -or [long]$cj.valid_invoices -eq 0) {
    Say 'There is nothing to send in this file.'
    exit 1
}
$totals = List $cj.totals
$confirm = (@($totals | ForEach-Object { '{0}={1}' -f $_.currency, (Format-Plain $_.amount) }) -join ',')

# ---------------------------------------------------------------------------------------
# 3. Ask.

Say 'Step 2 of 3: your approval.'
$answer = ''
for ($try = 0; $try -lt 3; $try++) {
    Write-Host -NoNewline ('Send {0} totalling {1}? (yes/no) ' -f (N-Of ([long]$cj.valid_invoices) 'invoice'), (Format-Amounts $totals))
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
    exit 2
}

# ---------------------------------------------------------------------------------------
# 4. Send. kravia-batch refuses if the file changed since the check (the plan), and never
#    sends an invoice twice (its journal); Ctrl-C stops it cleanly with exit code 5.

Say ''
if ($resuming) { Say 'Step 3 of 3: sending (resuming the earlier run)...' }
else { Say 'Step 3 of 3: sending...' }
Say ''
$stateBefore = $null
if (Test-Path -LiteralPath $state -PathType Leaf) { $stateBefore = [System.IO.File]::ReadAllText($state) }
$startedAt = Get-Now
Write-State ([ordered]@{ file = $inputPath; started_at = $startedAt; finished_at = $null; exit_code = $null; import = $null })
$finished = $false
# Its stderr stays on the screen: progress, and what stopped it.
try {
    $importArgs = @('import', $inputPath, '--plan', $plan, '--format', 'json', '--confirm-total', $confirm) + $resultsArgs + $extra
    $run = Invoke-Kravia $importArgs
    $finished = $true
} finally {
    if (-not $finished) {
        # Ctrl-C stopped the script itself: the state above still says "did not finish".
        Say ''
        Say 'NOT FINISHED: the run stopped before every invoice had an answer.'
        Say 'Nothing is lost, and no invoice will be sent twice.'
        Say 'Run this again with the same file: it resumes where it stopped.'
    }
}
$code = $run.Code
$rj = $run.Json
if ($code -ge 1 -and $code -le 3) {
    # Nothing was sent by this run (1, 2), or it stopped on the setup (3; usually before
    # sending): keep what the earlier run recorded, so that the next run does not claim
    # to resume a run that never sent anything.
    if ($null -ne $stateBefore) {
        [System.IO.File]::WriteAllText($state, $stateBefore, (New-Object System.Text.UTF8Encoding $false))
    } else {
        Remove-Item -LiteralPath $state -Force -ErrorAction SilentlyContinue
    }
} else {
    Write-State ([ordered]@{ file = $inputPath; started_at = $startedAt; finished_at = (Get-Now); exit_code = $code; import = $rj })
}

# ---------------------------------------------------------------------------------------
# 5. The outcome, in plain words.

$kind = 'none'
if ($null -ne $rj) {
    if (Has $rj 'error') { $kind = 'error' } elseif (Has $rj 'counts') { $kind = 'result' } else { $kind = 'summary' }
}
Say ''
Show-Result $rj
Say ''
switch ($code) {
    0 {
        if ($rehearsal) {
            Say "REHEARSAL DONE: the simulated Kravia accepted every invoice of $base."
        } else {
            Say "DONE: every invoice of $base is at Kravia."
            Say "Keep the results file with the month's papers."
        }
    }
    4 {
        Say 'PARTLY DONE: some invoices were not created. The results file says why, for each one'
        Say "(column 'error'). Correct them and send them in a separate file with only those invoices:"
        Say 'running this file again does not send refused invoices again.'
    }
    5 {
        Say 'NOT FINISHED: the run stopped before every invoice had an answer.'
        Say 'Nothing is lost, and no invoice will be sent twice.'
        Say 'Run this again with the same file: it resumes where it stopped.'
    }
    1 {
        Say "NOTHING WAS SENT (kravia-batch's message is above)."
        if ($kind -eq 'summary') {
            Say 'The file has errors now: it was changed after the check. Run this again to check it anew.'
        } else {
            Say 'Usually one of these:'
            Say '  - the file was changed after the check: run this again, to check and approve it anew;'
            Say '  - some invoices were already invoiced earlier (another file, or an earlier month):'
            Say '    remove them from the file if they are duplicates, then run this again;'
            Say '  - an invoice differs from what was sent for it earlier: restore the file as it was.'
            Say 'See docs/accountant-guide.md, or ask whoever set up kravia-batch.'
        }
    }
    2 {
        Say 'NOTHING WAS SENT: kravia-batch did not accept the command (its message is above).'
        Say 'If it speaks of a PRODUCTION account, this computer is not set up to send real'
        Say 'invoices from this script: ask whoever set up kravia-batch.'
    }
    3 {
        Say "STOPPED: a problem with the setup (credentials, network or files); kravia-batch's"
        Say 'message is above.'
        Say '  - if it speaks of credentials or 401: the Dintero credentials are wrong or expired;'
        Say '    ask whoever set up kravia-batch;'
        Say '  - if it speaks of connecting, timeouts or DNS: check the internet connection;'
        Say '  - if it speaks of a file: close the results file in Excel, and check the folder.'
        Say 'Then run this again: invoices already created are not sent again.'
    }
    default {
        Say "NOT FINISHED: kravia-batch was stopped before the end (exit code $code)."
        Say 'Nothing is lost, and no invoice will be sent twice.'
        Say 'Run this again with the same file: it resumes where it stopped.'
        $code = 5
    }
}
if ($rehearsal) {
    Say '(This was a rehearsal: nothing real was sent. Without --sandbox the same steps send for real.)'
}
exit $code
