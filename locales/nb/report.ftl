# Feilrapporten, --report FIL (src/output/report.rs).
report-ignored-column = ikke en kolonne kravia-batch leser: ignorert. Hvis den skulle vært lest, rett overskriften eller koble den med --mapping (se docs/input-format.md)
