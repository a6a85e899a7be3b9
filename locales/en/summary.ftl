# The dry-run summary and control totals (src/output/summary.rs, src/cli/validate.rs).
# The labels of the first block are padded to one width: keep them aligned.
summary-read-as = read as { $input }
summary-input-sheet = sheet '{ $sheet }'
summary-input-delimiter = delimiter { $delimiter }
summary-input-decimal-comma = decimal comma
summary-input-decimal-point = decimal point
summary-input-decimal-unknown = decimal separator not known
summary-input-blank-rows = { $count } blank rows skipped
summary-type-b2b = B2B
summary-type-b2b-grouped = B2B grouped
summary-type-b2c = B2C
summary-invoices = Invoices  { $count } in the file, { $valid } valid ({ $types })
summary-lines = Lines     { $count }
summary-ignored = Ignored   { $count ->
        [one] { $count } column
       *[other] { $count } columns
    }: { $columns } (not read; check the spelling if it was meant to be)
summary-problems = Problems  { $errors ->
        [one] { $errors } error
       *[other] { $errors } errors
    }, { $warnings ->
        [one] { $warnings } warning
       *[other] { $warnings } warnings
    }
summary-totals-title = Totals of the valid invoices
summary-col-currency = currency
summary-col-invoices = invoices
summary-col-incl-vat = incl. VAT
summary-col-vat = VAT
summary-col-excl-vat = excl. VAT
summary-col-type = type
summary-col-rate = rate
summary-col-lines = lines
summary-col-base = base
summary-too-large = too large to total: see the errors
summary-by-type-title = Per invoice type
summary-rates-title = VAT per rate
summary-largest-title = Largest invoice
summary-problems-title = Problems
summary-severity-error = error
summary-severity-warning = warning
summary-more-in-report = ... and { $more } more: all are in { $report }
summary-more = ... and { $more } more: write them all with --report FILE
summary-result-errors = Result: { $errors ->
        [one] { $errors } error
       *[other] { $errors } errors
    } ({ $rejected } of { $invoices } invoices affected); nothing would be sent. Fix the rows listed in the export and run again.
summary-result-valid = Result: all { $invoices } invoices are valid. Nothing was sent (dry run).
