#!/usr/bin/env bash
# month-end.sh: send a month's invoices to Kravia, in plain words, for accountants.
#
#   scripts/month-end.sh EXPORT-FILE [extra options for the sending step]
#
# The steps, and every word they show, are kravia-batch's own (`kravia-batch month-end`,
# see docs/commands.md). This script runs them in order, asks the question, and stops at
# the first step that does not end with 0, with its exit code:
# 1. `kravia-batch month-end check FILE`: checks the file (nothing is sent), writing an
#    error report, a checked copy and a plan next to it; shows the control totals and any
#    problems; on errors opens the checked copy and stops;
# 2. `kravia-batch month-end question FILE`: "Send N invoices totalling X NOK? (yes/no)",
#    answered here;
# 3. `kravia-batch month-end send FILE`: sends what the plan approved (refused if the file
#    changed since the check) and shows the results file and how many invoices were
#    created, already existed, failed or are unknown.
# A second run of the same file resumes an interrupted one; kravia-batch never sends an
# invoice twice.
#
# The script's exit code is kravia-batch's: 0 done, 1 errors in the file (nothing sent),
# 2 not confirmed or wrong command, 3 setup problem (credentials, network, files), 4 some
# invoices refused, 5 not finished: run the script again.
#
# Environment:
#   KRAVIA_BATCH        the kravia-batch program (default: kravia-batch on PATH)
#   KRAVIA_IMPORT_ARGS  extra options for the sending step, split on spaces, e.g.
#                       "--sandbox" for a rehearsal or "--live" for a production account
#   KRAVIA_NO_OPEN=1    never open files (servers, tests)
# Input settings (mapping file, default currency...) belong in kravia-batch's config file
# or its KRAVIA_BATCH_* variables, so that the check and the sending read the file alike.
#
# Needs bash 3.2 or later, nothing else. See docs/accountant-guide.md.

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

bin=${KRAVIA_BATCH:-kravia-batch}
if ! command -v -- "$bin" >/dev/null 2>&1; then
    say "Cannot find the kravia-batch program ('$bin')."
    say "Ask whoever set up this computer: kravia-batch must be installed, or KRAVIA_BATCH must name it."
    exit 3
fi

# A step of `kravia-batch month-end`, on the file, with the extra options.
step() { "$bin" month-end "$1" "$input" ${extra[@]+"${extra[@]}"}; }

# 1. Check the file: nothing is sent.
step check || exit $?

# 2. Ask: yes (y, ja, j) sends; no (n, nei), no answer or three unclear ones do not.
answer=
for _ in 1 2 3; do
    step question || exit $?
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

# 3. Send. Ctrl-C reaches kravia-batch too, which stops cleanly with exit code 5 and
#    says so; the script waits for it. (A handler, not an ignored signal, which
#    kravia-batch would inherit.)
trap ':' INT
code=0
step send || code=$?
exit "$code"
