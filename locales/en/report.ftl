# The error report, --report FILE (src/output/report.rs).
report-ignored-column = not a column kravia-batch reads: ignored. If it was meant to be read, fix its header or map it with --mapping (see docs/input-format.md)
