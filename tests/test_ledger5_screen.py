"""The ledger screen's spec column says what each setting is judged against (the API model's row
does not read "claude-haiku-4-5 or EleutherAI/pythia-410m"), and a model the spec names that no
setting is judged against has a "not set" row."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from reviewtui.tui.screens.ledger import LedgerScreen
from tests.gitrepo import GitRepo
from tests.tui_support import review

SPEC = """\
# Spec

## Method

Fine-tune `EleutherAI/pythia-410m` as a reranker. Generate the training queries with
`claude-haiku-4-5`.
"""

CODE = 'import anthropic\n\nMODEL = "claude-haiku-4-5"\n\n\ndef ask(client, p):\n    return client.messages.create(model=MODEL, max_tokens=64, messages=[p])\n'


async def test_api_model_row_and_unset_weights_row(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    repo.write("gen.py", CODE)
    async with review(repo.root, size=(140, 30)) as (app, pilot):
        await pilot.press("L")
        assert isinstance(app.screen, LedgerScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
    models = [row for row in rows if row[1] == "model_name"]
    assert ["agrees", "claude-haiku-4-5"] in [[row[0], row[2]] for row in models]
    assert ["not set", "EleutherAI/pythia-410m", "—"] in [[r[0], r[2], r[3]] for r in models]
    assert not any(" or " in row[2] for row in models)
