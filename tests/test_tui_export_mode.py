"""The app's export file gets the permissions the CLI's would (0644 for a new file, the old ones
for a file written again), not the 0600 of the temporary file it is written through."""

from __future__ import annotations

from reviewtui.core.state import ReviewState
from reviewtui.tui.exporting import write_export
from tests.gitrepo import GitRepo


def test_a_new_export_is_readable_by_others_and_an_old_one_keeps_its_mode(
    git_repo: GitRepo,
) -> None:
    state = ReviewState.load(git_repo.root)
    target = git_repo.root / ".reviewtui" / "review.md"
    assert write_export(state, target, "# review\n") is None
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o640)
    assert write_export(state, target, "# review, again\n") is None
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text(encoding="utf-8") == "# review, again\n"
