"""No secret of a typical ML repo reaches the LLM: the real pipeline against the local server.

An agent's phase commits the usual mistakes (a W&B key in the training script, an exported key in a
shell script, a YAML config with a token, `kaggle.json`, `.netrc`, an SSH key); the review is opened
with the real `ReviewSession`, every chunk is explained and linking help runs, and the test reads
every request the local Messages-API server received.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reviewtui.core.llm import explain_chunk, suggest_links
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo
from tests.llm_server import LLMServer, Reply
from tests.llm_support import SPEC, llm_env

WANDB_KEY = "0123456789abcdef0123456789abcdef01234567"
KAGGLE_KEY = "fedcba9876543210fedcba9876543210"
OPENAI = "Zx81kLmq09PpQrSt55Uv"
HF = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
NETRC_PASSWORD = "n3trcPassw0rdValue"
SSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAA"
DB_PASSWORD = "Hunter2Hunter2"

FILES = {
    "src/train.py": f"""\
import os

import wandb

os.environ["OPENAI_API_KEY"] = "{OPENAI}"


def train(model, data):
    wandb.login(key="{WANDB_KEY}")
    tokenizer = load_tokenizer("bert-base-uncased", max_tokens=512)
    for batch in data:
        model.step(batch, lr=2e-5)
    return model
""",
    "scripts/run.sh": f"""\
#!/bin/sh
export HF_TOKEN={HF}
OPENAI_API_KEY={OPENAI} python src/train.py --epochs 3
""",
    "configs/train.yaml": f"""\
lr: 2e-5
epochs: 3
database:
  url: postgres://admin:{DB_PASSWORD}@db.internal/runs
  api_key: {OPENAI}
""",
    "kaggle.json": f'{{"username":"alice","key":"{KAGGLE_KEY}"}}\n',
    ".netrc": f"machine api.wandb.ai\n  login user\n  password {NETRC_PASSWORD}\n",
    "deploy/id_rsa": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_BODY}\n-----END OPENSSH PRIVATE KEY-----\n",
}
SECRETS = [WANDB_KEY, KAGGLE_KEY, OPENAI, HF, NETRC_PASSWORD, SSH_BODY, DB_PASSWORD]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    with LLMServer() as running:
        llm_env(monkeypatch, running.url)
        yield running


def test_no_secret_of_an_ml_repo_reaches_the_llm(server: LLMServer, git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    for path, text in FILES.items():
        git_repo.write(path, text)
    session = ReviewSession.open(git_repo.root)
    paths = {chunk.path for chunk in session.chunks}
    assert {"kaggle.json", ".netrc", "deploy/id_rsa", "src/train.py"} <= paths

    answers = {chunk.path: explain_chunk(session, chunk, force=True) for chunk in session.chunks}
    server.queue(Reply(text='{"links": []}'))
    help_ = suggest_links(session, session.chunks, force=True)

    for path in ("kaggle.json", ".netrc", "deploy/id_rsa"):
        assert answers[path].error == f"not sent: {path} holds credentials"
    assert answers["src/train.py"].ok and answers["scripts/run.sh"].ok
    assert not help_.errors and help_.asked == len(session.chunks) - 3
    sent = "\n".join(request.prompt_text for request in server.requests)
    assert "wandb.login(key=" in sent and "bert-base-uncased" in sent  # the code itself goes
    assert "max_tokens=512" in sent and "lr: 2e-5" in sent
    leaked = [secret for secret in SECRETS if secret in sent]
    assert leaked == []
