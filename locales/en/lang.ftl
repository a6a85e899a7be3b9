# Choosing the language (src/i18n).
lang-unknown = '{ $value }' is not a language kravia-batch speaks: use nb (Norwegian bokmål) or en (English)
lang-name = English
