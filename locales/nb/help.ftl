# Hjelpeteksten til kommandolinjen (src/cli/args.rs), på norsk bokmål. En tekst som
# mangler her, vises på engelsk.
help-top-about = Gjør månedens fakturaeksport (CSV eller Excel) om til Kravia-fakturaer via Dintero.
help-top-after =
    Start her: kontroller filen, og øv deretter mot den innebygde sandkassen; ingenting når Dintero før begge ser riktige ut.

    Eksempler:
      kravia-batch validate november.csv                 # prøvekjøring: uten nettverk, uten innlogging
      kravia-batch import november.csv --sandbox         # øving mot en lokal Dintero-emulator
      kravia-batch import november.csv                   # den ekte kjøringen (innlogging: docs/configuration.md)

    Avslutningskoder: 0 alt i orden (advarsler tillatt); 1 filen har feil, ingenting sendt; 2 bruksfeil; 3 feil i oppsett, innlogging eller fil; 4 noen fakturaer (eller kanselleringer, innkrevinger) feilet; 5 ufullstendig: kjør samme kommando igjen.
help-validate-about = Kontroller en fil og skriv ut kontrollsummene. Uten nettverk, uten innlogging
help-validate-after =
    Eksempel:
      kravia-batch validate november.csv --report problemer.csv --emit-payloads bodies.jsonl

    Avslutningskoder: 0 alt i orden (advarsler tillatt); 1 filen har feil, ingenting sendt; 2 bruksfeil; 3 feil i oppsett, innlogging eller fil; 4 noen fakturaer (eller kanselleringer, innkrevinger) feilet; 5 ufullstendig: kjør samme kommando igjen.
help-import-about = Opprett fakturaene i en fil (med --dry-run: nøyaktig det validate gjør)
help-import-after =
    Eksempel:
      kravia-batch import november.csv --sandbox        # øv først: skriver november.rehearsal.results.csv
      kravia-batch import november.csv                  # send deretter; kjør igjen etter et avbrudd

    Avslutningskoder: 0 alt i orden (advarsler tillatt); 1 filen har feil, ingenting sendt; 2 bruksfeil; 3 feil i oppsett, innlogging eller fil; 4 noen fakturaer (eller kanselleringer, innkrevinger) feilet; 5 ufullstendig: kjør samme kommando igjen.
help-status-about = Hent gjeldende status for hver faktura i en resultatfil (betalt, ubetalt, kansellert)
help-void-about = Kanseller fakturaer i en resultatfil (bare AUTHORIZED eller PARTIALLY_CAPTURED)
help-capture-about = Start innkreving av fakturaer selgeren leverer selv (invoice_channel merchant)
help-config-about = Vis eller test innstillingene som gjelder
help-sandbox-about = Kjør en lokal Dintero-emulator på loopback, for øving
help-arg-config = Innstillingsfil (standard: brukerens plassering, som `kravia-batch config check` viser)
help-arg-lang = Språk: nb (norsk bokmål) eller en (engelsk); standard: innstillingsfilen, deretter LC_ALL, LC_MESSAGES, LANG
help-arg-file = Eksporten: .csv (hvilket som helst skilletegn), .xlsx, .xlsm, .xls eller .ods
help-arg-mapping = TOML-fil som kobler overskriftene dine til kravia-batch sine kolonner, med standardverdier
help-arg-sheet = Regnearkfane som skal leses (standard: den første)
help-arg-delimiter = Skilletegn i CSV: ',', ';', 'tab' eller '|' (standard: oppdages)
help-arg-encoding = Tegnkoding i CSV (standard: oppdages)
help-arg-decimal = Desimaltegn i tall skrevet som tekst (standard: oppdages fra filen)
help-arg-currency = Valuta for fakturaer som ikke oppgir den (standard NOK)
help-arg-country = Land for kunder der raden ikke oppgir det (standard NO)
help-arg-days-until-due = Dager til forfall for fakturaer som ikke oppgir det (standard 14)
help-arg-invoice-channel = Hvem som leverer fakturaer der raden ikke sier det: kravia (standard) eller merchant
help-arg-format = Format på sammendraget på stdout
help-arg-report = Skriv alle problemer til denne CSV-filen (rad, kolonne, verdi, alvorlighet, melding)
help-arg-emit-payloads = Skriv forespørslene for hver gyldige faktura til denne filen, én JSON per linje (med --flow two-step: sesjonen og betalingen)
help-arg-annotate = Skriv en kopi av filen med to kolonner til (status, melding), i filens eget format (CSV-dialekt, eller XLSX med problemcellene markert)
help-arg-quiet = Ingen fremdrift på stderr
help-validate-flow = Flyten som --emit-payloads skriver forespørsler for: one-step, eller two-step (sesjonen og betalingen for hver faktura)
help-validate-plan = Skriv en plan (filens SHA-256, koblingen, hver fakturas innholds-hash og kontrollsummene) som `import --plan` kontrollerer mot
help-import-dry-run = Bare kontroller filen, nøyaktig som validate: uten nettverk, uten innlogging
help-import-sandbox = Send til en Dintero-emulator i prosessen i stedet for til Dintero (en øving)
help-import-rate = Høyst så mange forespørsler per sekund (standard 10)
