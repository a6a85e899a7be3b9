# The help of the command line (src/cli/args.rs). English has no entries: its help is
# the text written in args.rs, exactly. Every key of the Norwegian file is listed here
# too (the catalogue test wants the same keys), as an empty comment-free copy would
# change nothing: these English entries are never shown, since `localized` leaves the
# English help alone. Keys: help-{command}-about, help-{command}-after,
# help-{command}-{argument}, help-arg-{argument} (any command).
help-top-about = Turn a month's invoice export (CSV or Excel) into Kravia invoices through Dintero.
help-top-after = (see TOP_HELP in args.rs)
help-validate-about = Check a file and print its control totals. No network, no credentials
help-validate-after = (see VALIDATE_HELP in args.rs)
help-import-about = Create the invoices of a file (with --dry-run: exactly what validate does)
help-import-after = (see IMPORT_HELP in args.rs)
help-status-about = Fetch the current status of every invoice in a results file (paid, unpaid, voided)
help-void-about = Cancel invoices of a results file (only AUTHORIZED or PARTIALLY_CAPTURED ones)
help-capture-about = Start collection of invoices the merchant delivers itself (invoice_channel merchant)
help-config-about = Show or test the effective settings
help-sandbox-about = Serve a local Dintero emulator on loopback, for rehearsals
help-arg-config = Settings file (default: the per-user location `kravia-batch config check` shows)
help-arg-lang = Language: nb (Norwegian bokmål) or en (English); default: config, then LC_ALL, LC_MESSAGES, LANG
help-arg-file = The export: .csv (any delimiter), .xlsx, .xlsm, .xls or .ods
help-arg-mapping = TOML file mapping your headers to kravia-batch's columns, with defaults
help-arg-sheet = Worksheet to read (default: the first)
help-arg-delimiter = CSV delimiter: ',', ';', 'tab' or '|' (default: detected)
help-arg-encoding = CSV encoding (default: detected)
help-arg-decimal = Decimal separator of numbers written as text (default: detected from the file)
help-arg-currency = Currency for invoices that do not say (default NOK)
help-arg-country = Country for customers whose row does not say (default NO)
help-arg-days-until-due = Days until due for invoices that do not say (default 14)
help-arg-invoice-channel = Who delivers invoices whose row does not say: kravia (default) or merchant
help-arg-format = Output format of the summary on stdout
help-arg-report = Write every problem to this CSV file (row, column, value, severity, message)
help-arg-emit-payloads = Write the request bodies of every valid invoice to this file, one JSON per line (with --flow two-step: the session body and the pay body)
help-arg-annotate = Write a copy of the input with two more columns (status, message), in the input's own format (CSV dialect, or XLSX with the problem cells highlighted)
help-arg-quiet = No progress on stderr
help-validate-flow = The flow whose bodies --emit-payloads writes: one-step, or two-step (the session body and the pay body of each invoice)
help-validate-plan = Write a plan (the file's SHA-256, the mapping, every invoice's content hash and the control totals) for `import --plan` to check against
help-import-dry-run = Only check the file, exactly as validate does: no network, no credentials
help-import-sandbox = Send to an in-process Dintero emulator instead of Dintero (a rehearsal)
help-import-rate = Requests per second at most (default 10)
