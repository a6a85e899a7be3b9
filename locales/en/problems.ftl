# Problems in an input file (src/problem.rs, src/validate, src/model, src/input, src/mapping).
# Row, column and value are shown around the sentence; only the sentence is here.
problem-at-row = row { $row }
problem-at-column = column { $column }
problem-verbatim = { $text }
problem-totals-too-large = the valid { $currency } invoices add up to more than { $max } { $currency }, more than the control totals can hold: check the amounts, or split the file into smaller files
