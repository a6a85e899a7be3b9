# Sammendraget av prøvekjøringen og kontrollsummene (src/output/summary.rs, src/cli/validate.rs).
# Etikettene i første blokk er fylt ut til samme bredde: hold dem på linje.
summary-read-as = lest som { $input }
summary-input-sheet = ark '{ $sheet }'
summary-input-delimiter = skilletegn { $delimiter }
summary-input-decimal-comma = desimalkomma
summary-input-decimal-point = desimalpunktum
summary-input-decimal-unknown = desimaltegnet er ukjent
summary-input-blank-rows = { $count ->
        [one] { $count } tom rad hoppet over
       *[other] { $count } tomme rader hoppet over
    }
summary-type-b2b = B2B
summary-type-b2b-grouped = B2B samlet
summary-type-b2c = B2C
summary-invoices = Fakturaer { $count } i filen, { $valid } gyldige ({ $types })
summary-lines = Linjer    { $count }
summary-ignored = Ignorert  { $count ->
        [one] { $count } kolonne
       *[other] { $count } kolonner
    }: { $columns } (ikke lest; sjekk stavemåten hvis den skulle vært lest)
summary-problems = Problemer { $errors ->
        [one] { $errors } feil
       *[other] { $errors } feil
    }, { $warnings ->
        [one] { $warnings } advarsel
       *[other] { $warnings } advarsler
    }
summary-totals-title = Summer for de gyldige fakturaene
summary-col-currency = valuta
summary-col-invoices = fakturaer
summary-col-incl-vat = inkl. mva
summary-col-vat = mva
summary-col-excl-vat = ekskl. mva
summary-col-type = type
summary-col-rate = sats
summary-col-lines = linjer
summary-col-base = grunnlag
summary-too-large = for stor til å summeres: se feilene
summary-by-type-title = Per fakturatype
summary-rates-title = Mva per sats
summary-largest-title = Største faktura
summary-problems-title = Problemer
summary-severity-error = feil
summary-severity-warning = advarsel
summary-more-in-report = ... og { $more } til: alle står i { $report }
summary-more = ... og { $more } til: skriv alle med --report FIL
summary-result-errors = Resultat: { $errors ->
        [one] { $errors } feil
       *[other] { $errors } feil
    } ({ $rejected } av { $invoices } fakturaer berørt); ingenting ville blitt sendt. Rett radene som er listet i eksporten, og kjør igjen.
summary-result-valid = Resultat: alle { $invoices } fakturaene er gyldige. Ingenting ble sendt (prøvekjøring).
