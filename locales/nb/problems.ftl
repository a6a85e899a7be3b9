# Problemer i en inndatafil (src/problem.rs, src/validate, src/model, src/input, src/mapping).
# Rad, kolonne og verdi vises rundt setningen; bare setningen står her.
problem-at-row = rad { $row }
problem-at-column = kolonne { $column }
problem-verbatim = { $text }
problem-totals-too-large = de gyldige { $currency }-fakturaene summerer seg til mer enn { $max } { $currency }, mer enn kontrollsummene kan romme: sjekk beløpene, eller del filen i mindre filer
