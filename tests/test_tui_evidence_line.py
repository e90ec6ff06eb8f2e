"""The evidence line of the requirement panel: a detail that opens with its kind's label (`commit
2bb19ad …`, `path src/… named in …`) is not labelled twice; other details keep their label."""

from __future__ import annotations

from reviewtui.core.models import Evidence, SectionLink
from reviewtui.tui.widgets.requirement import evidence_line


def test_a_detail_naming_its_own_kind_is_not_labelled_twice() -> None:
    link = SectionLink(
        "c1",
        "12-preprocessing",
        0.99,
        [
            Evidence("commit", "commit 2bb19ad trailer Spec: 1.2", 0.95),
            Evidence("lexical", "shares `tokenizer` with '1.2 Preprocessing'", 0.6),
            Evidence("path", "path src/dr/data.py named in task T01", 0.3),
        ],
    )
    text = evidence_line(link).plain
    assert text == (
        "confidence 0.99 · commit 2bb19ad trailer Spec: 1.2"
        " · mentions: shares `tokenizer` with '1.2 Preprocessing'"
        " · path src/dr/data.py named in task T01"
    )
