# Valg av språk (src/i18n).
lang-unknown = '{ $value }' er ikke et språk kravia-batch snakker: bruk nb (norsk bokmål) eller en (engelsk)
lang-name = norsk bokmål
