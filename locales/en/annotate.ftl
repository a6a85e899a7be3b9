# The annotated copy's message column (src/output/annotate).
annotate-warning = warning: { $text }
annotate-blocked-other-rows = invoice { $reference } is not sent: it has errors on other rows
annotate-blocked-row = invoice { $reference } is not sent: row { $row } has errors
annotate-blocked-rows = invoice { $reference } is not sent: rows { $rows } have errors
annotate-rows-and-more = { $rows } and { $more } more
annotate-rows-and-last = { $rows } and { $last }
