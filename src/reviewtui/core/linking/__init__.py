"""The parts of the linking engine behind `core/links.py`: terms, the BM25 section index, explicit
references, marker regions, spec mentions, per-chunk signals and structure rules."""
