#!/usr/bin/env bash
# month-end.sh: send a month's invoices to Kravia, in plain words, for accountants.
#
#   scripts/month-end.sh EXPORT-FILE [extra options for the sending step]
#
# 1. checks the file with `kravia-batch validate` (nothing is sent), writing an error
#    report, an annotated copy and a plan next to the file;
# 2. shows the control totals and any problems; on errors opens the annotated copy and
#    stops;
# 3. asks "Send N invoices totalling X NOK? (yes/no)";
# 4. sends with `kravia-batch import FILE --plan PLAN` (refused if the file changed since
#    the check);
# 5. shows where the results file is, and how many invoices were created, already
#    existed, failed or are unknown.
# A second run of the same file resumes an interrupted one; kravia-batch never sends an
# invoice twice.
#
# Only kravia-batch's exit codes and its `--format json` output are read, never its text.
# The script's own exit code is kravia-batch's: 0 done, 1 errors in the file (nothing
# sent), 2 not confirmed or wrong command, 3 setup problem (credentials, network, files),
# 4 some invoices refused, 5 not finished: run the script again.
#
# Environment:
#   KRAVIA_BATCH        the kravia-batch program (default: kravia-batch on PATH)
#   KRAVIA_IMPORT_ARGS  extra options for the sending step, split on spaces, e.g.
#                       "--sandbox" for a rehearsal or "--live" for a production account
#   KRAVIA_NO_OPEN=1    never open files (servers, tests)
# Input settings (mapping file, default currency...) belong in kravia-batch's config file
# or its KRAVIA_BATCH_* variables, so that the check and the sending read the file alike.
#
# Needs bash 3.2 or later and python3 (to read the JSON). See docs/accountant-guide.md.

set -euo pipefail

say() { printf '%s\n' "$*"; }

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    say "Usage: $(basename -- "$0") EXPORT-FILE [extra options for the sending step]"
    say "Checks the month's invoice export, shows its totals, asks, then sends the invoices."
    say "Example: $(basename -- "$0") november.csv"
    say "Rehearsal without sending anything real: $(basename -- "$0") november.csv --sandbox"
    [ $# -lt 1 ] && exit 2
    exit 0
fi

input=$1
shift
# Extra options for the sending step: the script's arguments, then KRAVIA_IMPORT_ARGS.
extra=("$@")
if [ -n "${KRAVIA_IMPORT_ARGS:-}" ]; then
    read -r -a env_extra <<<"$KRAVIA_IMPORT_ARGS"
    extra+=(${env_extra[@]+"${env_extra[@]}"})
fi

# ---------------------------------------------------------------------------------------
# What the script needs.

bin=${KRAVIA_BATCH:-kravia-batch}
if ! command -v -- "$bin" >/dev/null 2>&1; then
    say "Cannot find the kravia-batch program ('$bin')."
    say "Ask whoever set up this computer: kravia-batch must be installed, or KRAVIA_BATCH must name it."
    exit 3
fi

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import json' >/dev/null 2>&1; then
    say "This script needs python3, which is not installed on this computer."
    say "On a Mac: run 'xcode-select --install' in Terminal once (Apple's free command line tools)."
    say "On Linux: install the python3 package (e.g. 'sudo apt install python3')."
    exit 3
fi

if [ ! -f "$input" ]; then
    say "The file '$input' was not found. Check the name and the folder, and try again."
    exit 3
fi

# Files written next to the export; full paths, so that every path shown can be found.
base=$(basename -- "$input")
dir=$(CDPATH='' cd -- "$(dirname -- "$input")" && pwd)
input="$dir/$base"
case "$base" in
*.*) stem=${base%.*} ext=${base##*.} ;;
*) stem=$base ext= ;;
esac
report="$dir/$stem.errors.csv"
plan="$dir/$stem.plan.json"
state="$dir/$stem.last-run.json"
# A rehearsal (--sandbox) keeps its results, journal and state apart: the real run must
# not find a rehearsal's journal (it belongs to the emulator's account).
rehearsal=no given_results=no
for a in ${extra[@]+"${extra[@]}"}; do
    case "$a" in
    --sandbox) rehearsal=yes ;;
    --results | --results=*) given_results=yes ;;
    esac
done
results_args=()
if [ "$rehearsal" = yes ]; then
    state="$dir/$stem.rehearsal.last-run.json"
    if [ "$given_results" = no ]; then
        results_args=(--results "$dir/$stem.rehearsal.results.csv")
    fi
fi
# The annotated copy keeps the input's format: CSV stays CSV, spreadsheets become .xlsx.
if [ "$(printf '%s' "$ext" | tr '[:upper:]' '[:lower:]')" = "csv" ]; then
    annotated="$dir/$stem.annotated.$ext"
else
    annotated="$dir/$stem.annotated.xlsx"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/month-end.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

# ---------------------------------------------------------------------------------------
# JSON to plain words. Every read of kravia-batch's output is here.

read -r -d '' PY <<'PYTHON' || true
import datetime, json, os, sys

def load(path):
    try:
        with open(path, encoding="utf-8-sig") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def money(minor):
    # Every currency kravia-batch serves (NOK, SEK, EUR, DKK) has 2 decimals.
    minor = int(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 100)
    return "%s%s,%02d" % (sign, "{:,}".format(whole).replace(",", " "), frac)

def plain_amount(minor):
    minor = int(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 100)
    return "%s%d.%02d" % (sign, whole, frac)

def n_of(n, one, many=None):
    return "%d %s" % (n, one if n == 1 else (many or one + "s"))

def and_list(parts):
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]

def amounts(items):
    return and_list(["%s %s" % (money(t["amount"]), t["currency"]) for t in items])

def indent(text, by="    "):
    return "\n".join(by + line for line in str(text).splitlines())

def problem_line(p):
    where = []
    if p.get("row") is not None:
        where.append("row %s" % p["row"])
    if p.get("column"):
        if p.get("column_letter"):
            where.append("column %s (%s)" % (p["column_letter"], p["column"]))
        else:
            where.append("column '%s'" % p["column"])
    if p.get("merchant_reference"):
        where.append("invoice %s" % p["merchant_reference"])
    text = p.get("message") or ""
    value = p.get("value")
    if value not in (None, ""):
        text = "'%s' %s" % (value, text)
    head = ", ".join(where)
    return ("%s: %s" % (head[0].upper() + head[1:], text)) if head else text

TYPES = {
    "kravia.invoice_b2b": "to businesses",
    "kravia.invoice_b2b_grouped": "to businesses (grouped)",
    "kravia.invoice_b2c": "to private persons",
}

def check_facts(j):
    """key=value lines for the script's decisions."""
    if not isinstance(j, dict):
        print("kind=none")
    elif "error" in j:
        print("kind=error")
    else:
        print("kind=summary")
        print("errors=%d" % j.get("errors", 0))
        print("valid=%d" % j.get("valid_invoices", 0))
        totals = j.get("totals") or []
        print("confirm=" + ",".join("%s=%s" % (t["currency"], plain_amount(t["amount"])) for t in totals))

def check_text(j):
    """The dry run's summary: control totals and problems."""
    if not isinstance(j, dict):
        return
    if "error" in j:
        if j.get("exit_code") == 1:
            print("The file cannot be read as an invoice list:")
        else:
            print("kravia-batch could not check the file:")
        print(indent(j["error"]))
        return
    out = []
    invoices, valid, errors = j.get("invoices", 0), j.get("valid_invoices", 0), j.get("errors", 0)
    warnings = j.get("warnings", 0)
    out.append("The file has %s on %s." % (n_of(invoices, "invoice"), n_of(j.get("lines", 0), "line")))
    if errors == 0:
        out.append("All %s correct." % ("of them are" if invoices != 1 else "of it is"))
    else:
        out.append("%s %s errors (%s in all); %s correct."
                   % (n_of(j.get("invalid_invoices", 0), "invoice"),
                      "has" if j.get("invalid_invoices", 0) == 1 else "have",
                      n_of(errors, "error"), n_of(valid, "invoice is", "invoices are")))
    types = [(n, TYPES.get(k, k)) for k, n in sorted((j.get("by_type") or {}).items()) if n]
    if types:
        out.append("Kinds: " + ", ".join("%d %s" % t for t in types) + ".")
    totals = j.get("totals") or []
    if totals:
        out.append("")
        out.append("Control totals%s (compare them with the ledger):"
                   % (" of the correct invoices" if errors else ""))
        out.append("  %-9s %8s %18s %16s %18s" % ("Currency", "Invoices", "Incl. VAT", "VAT", "Excl. VAT"))
        for t in totals:
            out.append("  %-9s %8d %18s %16s %18s" % (t["currency"], t["invoices"], money(t["amount"]),
                                                      money(t["vat_amount"]), money(t["net_amount"])))
        # With errors the problems matter; the details of the totals come when they are fixed.
        rates = [] if errors else (j.get("vat_rates") or [])
        if rates:
            out.append("")
            out.append("VAT per rate:")
            for r in rates:
                out.append("  %-9s %-7s base %16s   VAT %14s   (%s)"
                           % (r["currency"], "%s %%" % str(r["rate"]).replace(".", ","), money(r["base"]),
                              money(r["vat_amount"]), n_of(r["lines"], "line")))
        largest = [] if errors else [t for t in totals if t.get("largest")]
        if largest:
            out.append("")
            out.append("Largest invoice:")
            for t in largest:
                l = t["largest"]
                out.append("  %-9s %16s   invoice %s to %s" % (t["currency"], money(l["amount"]),
                                                                l["merchant_reference"], l["customer"]))
    problems = j.get("problems") or []
    shown = 12
    for severity, title in (("error", "Errors (these must be corrected before anything can be sent):"),
                            ("warning", "Warnings (these do not stop anything; check them):")):
        these = [p for p in problems if p.get("severity") == severity]
        if not these:
            continue
        out.append("")
        out.append(title)
        for p in these[:shown]:
            out.append("  " + problem_line(p))
        total = errors if severity == "error" else warnings
        if total > min(len(these), shown):
            out.append("  ... and %d more: all of them are in the error report." % (total - min(len(these), shown)))
    print("\n".join(out))

def question(j):
    totals = j.get("totals") or []
    print("Send %s totalling %s? (yes/no) " % (n_of(j.get("valid_invoices", 0), "invoice"), amounts(totals)), end="")

STATUS_WORDS = [
    ("created", "Created at Kravia"),
    ("already_exists", "Already at Kravia before"),
    ("failed", "Refused by Kravia"),
    ("unknown", "Outcome not known yet"),
    ("not_sent", "Not sent"),
]

def result_facts(j):
    if not isinstance(j, dict):
        print("kind=none")
    elif "error" in j:
        print("kind=error")
    elif "counts" in j:
        print("kind=result")
        print("results=%s" % j.get("results_file", ""))
    else:
        print("kind=summary")

def result_text(j):
    """The live run's outcome."""
    if not isinstance(j, dict):
        return
    if "error" in j:
        # kravia-batch has just shown it on the screen (stderr).
        return
    if "counts" not in j:
        check_text(j)
        return
    counts = j.get("counts") or {}
    totals = j.get("totals") or {}
    out = ["Dintero account %s." % j.get("account", "?")]
    for key, words in STATUS_WORDS:
        n = counts.get(key, 0)
        if n == 0 and key in ("unknown", "not_sent"):
            continue
        line = "  %-26s %5d" % (words + ":", n)
        if totals.get(key):
            line += "   " + amounts(totals[key])
        out.append(line)
    if j.get("interrupted"):
        out.append("The run was interrupted before the end.")
    if j.get("reconciled") is False:
        out.append("WARNING: the totals in the results file differ from the checked totals."
                   " Do not send again; contact support with the results file.")
    out.append("")
    out.append("Results file (one line per invoice, with its Kravia invoice number):")
    out.append("  " + j.get("results_file", ""))
    print("\n".join(out))

def now():
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M")

def state_start(path, file):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"file": file, "started_at": now(), "finished_at": None, "exit_code": None,
                   "import": None}, f, indent=2)

def state_end(path, import_json, code):
    s = load(path) or {}
    s["finished_at"] = now()
    s["exit_code"] = int(code)
    s["import"] = load(import_json)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(s, f, indent=2, ensure_ascii=False)

def state_facts(path):
    s = load(path)
    if not isinstance(s, dict):
        print("previous=none")
        return
    code = s.get("exit_code")
    print("previous=%s" % ("unfinished" if code is None else code))
    print("when=%s" % (s.get("started_at") or "earlier"))
    imp = s.get("import") or {}
    print("results=%s" % (imp.get("results_file") or ""))

mode, args = sys.argv[1], sys.argv[2:]
if mode == "check-facts":
    check_facts(load(args[0]))
elif mode == "check-text":
    check_text(load(args[0]))
elif mode == "question":
    question(load(args[0]))
elif mode == "result-facts":
    result_facts(load(args[0]))
elif mode == "result-text":
    result_text(load(args[0]))
elif mode == "state-start":
    state_start(args[0], args[1])
elif mode == "state-end":
    state_end(args[0], args[1], args[2])
elif mode == "state-facts":
    state_facts(args[0])
else:
    sys.exit("unknown mode " + mode)
PYTHON

py() { python3 -c "$PY" "$@"; }

# Reads key=value lines (from `py ...-facts`) into variables named fact_KEY.
read_facts() {
    local key value
    while IFS='=' read -r key value; do
        if [ -n "$key" ]; then
            printf -v "fact_$key" '%s' "$value"
        fi
    done
    return 0
}

open_file() {
    case "${KRAVIA_NO_OPEN:-}" in
    "" | 0) ;;
    *) return 1 ;;
    esac
    case "$(uname -s)" in
    Darwin) open "$1" >/dev/null 2>&1 ;; # an absolute path: never read as an option
    *)
        command -v xdg-open >/dev/null 2>&1 || return 1
        # xdg-open may wait for the program it starts: leave it running in the background.
        (xdg-open "$1" >/dev/null 2>&1 &)
        ;;
    esac
}

# ---------------------------------------------------------------------------------------
# 0. Was this file sent before?

fact_previous=none fact_when=''
read_facts < <(py state-facts "$state")
say "Month end: $base"
if [ "$rehearsal" = yes ]; then
    say "REHEARSAL: the invoices go to a simulated Kravia on this computer; nothing real is sent."
fi
say ""
case "$fact_previous" in
none | 1 | 2 | 3) resuming=no ;;
0)
    resuming=yes
    say "This file was already sent on $fact_when, and every invoice was created then."
    say "Running it again sends nothing twice: invoices that already exist are skipped."
    say ""
    ;;
4)
    resuming=yes
    say "This file was sent on $fact_when, and Kravia refused some invoices then."
    say "Running it again resumes: it sends only invoices that were never sent, and nothing twice."
    say "(Refused invoices are not sent again: correct them and send them in a separate file.)"
    say ""
    ;;
*)
    resuming=yes
    say "This file was sent on $fact_when, and that run did not finish."
    say "This run resumes it: invoices that were already created are skipped, and no invoice is sent twice."
    say ""
    ;;
esac

# ---------------------------------------------------------------------------------------
# 1. Check the file: nothing is sent.

say "Step 1 of 3: checking the file (nothing is sent yet)..."
say ""
check_json="$tmp/check.json"
code=0
# Its messages on stderr are for people at a terminal ("send with: kravia-batch import
# ..."): kept aside, and shown only when there is no JSON to explain.
"$bin" validate "$input" --format json --report "$report" --annotate "$annotated" \
    --plan "$plan" >"$check_json" 2>"$tmp/check.err" || code=$?

fact_kind=none fact_valid=0 fact_confirm=''
read_facts < <(py check-facts "$check_json")
[ "$fact_kind" = none ] && cat -- "$tmp/check.err"

# ---------------------------------------------------------------------------------------
# 2. Control totals and problems, in plain words.

py check-text "$check_json"
say ""

case "$code" in
0) ;;
1)
    if [ "$fact_kind" = "summary" ]; then
        say "NOTHING WAS SENT: the file has errors."
        shown=
        if [ -f "$annotated" ]; then
            shown=$annotated
            say "A checked copy of your file, with a status and a message on every row, is here:"
        else
            shown=$report
            say "The list of every problem (row, column, message) is here:"
        fi
        say "  $shown"
        if open_file "$shown"; then
            say "It opens now."
        fi
        [ -f "$annotated" ] && [ -f "$report" ] && say "(The same problems as a list: $report)"
        say ""
        say "What to do:"
        say "  1. Correct the rows marked as errors in your own file, $base (not in the checked copy):"
        say "     open it in Excel, correct, and save it under the same name and type;"
        say "     or correct them in the accounting system and export the file again."
        say "  2. Run this again."
    else
        say "NOTHING WAS SENT: the file cannot be read."
        say "What to do: export the invoices again from the accounting system (as CSV UTF-8"
        say "or as an Excel workbook), then run this again. If the message speaks of a column,"
        say "the export's columns need to be mapped: ask whoever set up kravia-batch."
    fi
    exit 1
    ;;
3)
    say "NOTHING WAS SENT: kravia-batch could not check the file."
    say "If a file next to $base is open in Excel (the checked copy or the error report),"
    say "close it; check that the folder can be written to; then run this again."
    say "If it says something about the settings or the mapping, ask whoever set up kravia-batch."
    exit 3
    ;;
*)
    say "NOTHING WAS SENT: kravia-batch did not accept the check (exit code $code)."
    say "Its message is just above. This script and kravia-batch may not fit together:"
    say "ask whoever set up kravia-batch."
    [ "$code" -eq 2 ] && exit 2
    exit 3
    ;;
esac

if [ "$fact_kind" != "summary" ] || [ "${fact_valid:-0}" -eq 0 ]; then
    say "There is nothing to send in this file."
    exit 1
fi

# ---------------------------------------------------------------------------------------
# 3. Ask.

say "Step 2 of 3: your approval."
answer=
for _ in 1 2 3; do
    py question "$check_json"
    if ! IFS= read -r answer; then
        answer=
        say ""
        break
    fi
    answer=$(printf '%s' "$answer" | tr '[:upper:]' '[:lower:]' | tr -d '[:space:]')
    case "$answer" in
    yes | y | ja | j | no | n | nei) break ;;
    *) say "Please type yes or no." ;;
    esac
done
case "$answer" in
yes | y | ja | j) ;;
*)
    say ""
    say "NOTHING WAS SENT: you did not answer yes."
    say "Run this again when you want to send the invoices."
    exit 2
    ;;
esac

# ---------------------------------------------------------------------------------------
# 4. Send. kravia-batch refuses if the file changed since the check (the plan), and never
#    sends an invoice twice (its journal); Ctrl-C stops it cleanly with exit code 5.

say ""
if [ "$resuming" = yes ]; then
    say "Step 3 of 3: sending (resuming the earlier run)..."
else
    say "Step 3 of 3: sending..."
fi
say ""
run_json="$tmp/run.json"
# Its stderr stays on the screen: progress, and what stopped it.
[ -f "$state" ] && cp -- "$state" "$tmp/state.before"
py state-start "$state" "$input"
# Ctrl-C reaches kravia-batch too, which stops cleanly (exit code 5): the script goes on
# to say so. (A handler, not an ignored signal, which kravia-batch would inherit.)
trap ':' INT
code=0
"$bin" import "$input" --plan "$plan" --format json --confirm-total "$fact_confirm" \
    ${results_args[@]+"${results_args[@]}"} ${extra[@]+"${extra[@]}"} >"$run_json" || code=$?
trap - INT
if [ "$code" -ge 1 ] && [ "$code" -le 3 ]; then
    # Nothing was sent by this run (1, 2), or it stopped on the setup (3; usually before
    # sending): keep what the earlier run recorded, so that the next run does not claim
    # to resume a run that never sent anything.
    if [ -f "$tmp/state.before" ]; then
        cp -- "$tmp/state.before" "$state"
    else
        rm -f -- "$state"
    fi
else
    py state-end "$state" "$run_json" "$code"
fi

# ---------------------------------------------------------------------------------------
# 5. The outcome, in plain words.

fact_kind=none
read_facts < <(py result-facts "$run_json")
say ""
py result-text "$run_json"
say ""
case "$code" in
0)
    if [ "$rehearsal" = yes ]; then
        say "REHEARSAL DONE: the simulated Kravia accepted every invoice of $base."
    else
        say "DONE: every invoice of $base is at Kravia."
        say "Keep the results file with the month's papers."
    fi
    ;;
4)
    say "PARTLY DONE: some invoices were not created. The results file says why, for each one"
    say "(column 'error'). Correct them and send them in a separate file with only those invoices:"
    say "running this file again does not send refused invoices again."
    ;;
5)
    say "NOT FINISHED: the run stopped before every invoice had an answer."
    say "Nothing is lost, and no invoice will be sent twice."
    say "Run this again with the same file: it resumes where it stopped."
    ;;
1)
    say "NOTHING WAS SENT (kravia-batch's message is above)."
    if [ "$fact_kind" = "summary" ]; then
        say "The file has errors now: it was changed after the check. Run this again to check it anew."
    else
        say "Usually one of these:"
        say "  - the file was changed after the check: run this again, to check and approve it anew;"
        say "  - some invoices were already invoiced earlier (another file, or an earlier month):"
        say "    remove them from the file if they are duplicates, then run this again;"
        say "  - an invoice differs from what was sent for it earlier: restore the file as it was."
        say "See docs/accountant-guide.md, or ask whoever set up kravia-batch."
    fi
    ;;
2)
    say "NOTHING WAS SENT: kravia-batch did not accept the command (its message is above)."
    say "If it speaks of a PRODUCTION account, this computer is not set up to send real"
    say "invoices from this script: ask whoever set up kravia-batch."
    ;;
3)
    say "STOPPED: a problem with the setup (credentials, network or files); kravia-batch's"
    say "message is above."
    say "  - if it speaks of credentials or 401: the Dintero credentials are wrong or expired;"
    say "    ask whoever set up kravia-batch;"
    say "  - if it speaks of connecting, timeouts or DNS: check the internet connection;"
    say "  - if it speaks of a file: close the results file in Excel, and check the folder."
    say "Then run this again: invoices already created are not sent again."
    ;;
*)
    say "NOT FINISHED: kravia-batch was stopped before the end (exit code $code)."
    say "Nothing is lost, and no invoice will be sent twice."
    say "Run this again with the same file: it resumes where it stopped."
    code=5
    ;;
esac
if [ "$rehearsal" = yes ]; then
    say "(This was a rehearsal: nothing real was sent. Without --sandbox the same steps send for real.)"
fi
exit "$code"
