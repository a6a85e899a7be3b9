# Meldingskolonnen i den kommenterte kopien (src/output/annotate).
annotate-warning = advarsel: { $text }
annotate-blocked-other-rows = faktura { $reference } sendes ikke: den har feil på andre rader
annotate-blocked-row = faktura { $reference } sendes ikke: rad { $row } har feil
annotate-blocked-rows = faktura { $reference } sendes ikke: radene { $rows } har feil
annotate-rows-and-more = { $rows } og { $more } til
annotate-rows-and-last = { $rows } og { $last }
