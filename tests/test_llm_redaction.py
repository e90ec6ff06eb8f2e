"""Redaction of likely secrets and the ignore list, before anything is sent to the LLM.

Each secret shape common in ML repos is tested both ways: the secret is caught, and the ordinary
code that looks like it (`tokenizer`, `max_tokens`, `key = "train"`, `token = args.token`) is left.
"""

from __future__ import annotations

import pytest

from reviewtui.config import LLMSettings
from reviewtui.core.llm.redaction import credential_file, is_ignored, looks_random, redact

HEX40 = "0123456789abcdef0123456789abcdef01234567"
"""A Weights & Biases API key's shape: 40 hex digits, no prefix."""

SECRETS = [
    ("+ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "sk-ant-api03", "anthropic-key"),
    ("key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123'", "sk-proj-abcdef", "openai-key"),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws-access-key"),
    ("token: ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdef", "github-token"),
    ("SLACK=xoxb-123456789012-abcdefghij", "xoxb-1234", "slack-token"),
    ("g = 'AIzaSyA1234567890abcdefghijklmnopqrstuv'", "AIzaSyA123", "google-api-key"),
    ("stripe.api_key = 'sk_live_abcdefghijklmnop1234'", "sk_live_abc", "stripe-key"),
    ("HF = 'hf_abcdefghijklmnopqrstuvwxyzABCDEF'", "hf_abcdefgh", "huggingface-token"),
    ("url = 'postgres://admin:hunter2@db.internal/x'", "hunter2", "url-password"),
    ("+DB_PASSWORD=correct-horse  # local", "correct-horse", "assignment"),
    ("export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG'", "wJalrXUtnFEMI", "assignment"),
    ('client = Client(api_key="abc123def456")', "abc123def456", "assignment"),
    ('{"password": "s3cr3t-value"}', "s3cr3t-value", "assignment"),
    (
        "+-----BEGIN OPENSSH PRIVATE KEY-----\n+b3BlbnNzaC1rZXktdjEA\n+-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEA",
        "private-key",
    ),
    (
        "+-----BEGIN RSA PRIVATE KEY-----\n+MIIEowIBAAKCAQEA (cut here)",
        "MIIEowIBAAKCAQEA",
        "private-key",
    ),
]


@pytest.mark.parametrize(("text", "secret", "kind"), SECRETS)
def test_secrets_are_redacted(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text
    assert f"[REDACTED:{kind}]" in result.text and kind in result.kinds


@pytest.mark.parametrize(
    "text",
    [
        "tokenizer = AutoTokenizer.from_pretrained(name)",
        "max_tokens: 1024",
        'password = os.environ["DB_PASSWORD"]',
        "DEBUG_AUTH=false",
        "lr = 2e-5  # spec 3.1",
        "pad_token = '<pad>'",
        "see https://example.com/docs/page",
    ],
)
def test_ordinary_code_is_left_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text and result.count == 0


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        (".env", True),
        (".env.local", True),
        ("config/.env.production", True),
        ("certs/server.pem", True),
        ("deploy/id.key", True),
        ("aws/credentials.json", True),
        ("k8s/db-secret.yaml", True),
        ("src/train.py", False),
        ("src/keyboard.py", False),
        ("docs/environment.md", False),
    ],
)
def test_default_ignore_list(path: str, ignored: bool) -> None:
    assert is_ignored(path, LLMSettings().ignore) is ignored


# ----------------------------------------------------------------- shapes of ML repos (finding 18)

CAUGHT = [
    # (text, the secret that must be gone, kind)
    ('os.environ["OPENAI_API_KEY"] = "abcd1234efgh5678ijkl"', "abcd1234efgh5678ijkl", "assignment"),
    ("os.environ['HF_TOKEN'] = 'plainsecretvalue'", "plainsecretvalue", "assignment"),
    ('config["api_key"] = "Zx81kLmq09PpQrSt55Uv"', "Zx81kLmq09PpQrSt55Uv", "assignment"),
    ('headers["x-api-key"] = "Zx81kLmq09PpQrSt"', "Zx81kLmq09PpQrSt", "assignment"),
    (f'os.environ.setdefault("WANDB_API_KEY", "{HEX40}")', HEX40, "assignment"),
    ('os.getenv("OPENAI_API_KEY", "Zx81kLmq09PpQrSt55Uv")', "Zx81kLmq09PpQrSt55Uv", "assignment"),
    (f'wandb.login(key="{HEX40}")', HEX40, "assignment"),
    (f"wandb.login(key='{HEX40}', relogin=True)", HEX40, "assignment"),
    (f'wandb.login("{HEX40}")', HEX40, "random-literal"),
    ('login(token="abcdefghijklmnop1234")', "abcdefghijklmnop1234", "assignment"),
    (
        'headers = {"Authorization": "Bearer abcdef1234567890abcdef"}',
        "abcdef1234567890",
        "bearer-token",
    ),
    (
        "curl -H 'Authorization: Bearer eyJhbGciOi.abc123def456' x",
        "eyJhbGciOi.abc123",
        "bearer-token",
    ),
    ('h = {"Authorization": "Basic dXNlcjpwYXNzd29yZDEyMw=="}', "dXNlcjpwYXNz", "basic-auth"),
    ("curl -u alice:hunter22 https://api.example.com", "hunter22", "basic-auth"),
    (
        '{"username":"alice","key":"0123456789abcdef0123456789abcdef"}',
        "0123456789abcdef",
        "assignment",
    ),
    ("machine api.wandb.ai login user password s3cr3tpassw0rd", "s3cr3tpassw0rd", "netrc-password"),
    ("  password hunter2hunter2", "hunter2hunter2", "netrc-password"),
    ("export OPENAI_API_KEY=abc123def456ghi789", "abc123def456ghi789", "assignment"),
    ("OPENAI_API_KEY=abc123def456ghi789 python train.py", "abc123def456ghi789", "assignment"),
    (f"+WANDB_API_KEY={HEX40}", HEX40, "assignment"),
    ("DB_PASSWORD=hunter", "hunter", "assignment"),
    ("  api_key: abcdefgh12345678", "abcdefgh12345678", "assignment"),
    ("- token: Zx81kLmq09PpQrSt", "Zx81kLmq09PpQrSt", "assignment"),
    ('SECRET_KEY: "x8#kd9!fj2@ld"', "x8#kd9!fj2@ld", "assignment"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI",
        "assignment",
    ),
    ("python train.py --api-key abc123def456ghi789 --epochs 3", "abc123def456", "assignment"),
    ("python train.py --hf_token=Zx81kLmq09PpQrSt", "Zx81kLmq09PpQrSt", "assignment"),
    ("ENV HF_TOKEN abc123def456", "abc123def456", "assignment"),
    ("<password>hunter2pw</password>", "hunter2pw", "assignment"),
    ("const apiKey = 'Zx81kLmq09PpQrSt55Uv';", "Zx81kLmq09PpQrSt55Uv", "assignment"),
    ('$password = "hunter2pw";', "hunter2pw", "assignment"),
    ('password := "correcthorse"', "correcthorse", "assignment"),
    ('DB_PASS = "hunter2pw"', "hunter2pw", "assignment"),
    ('"clientSecret": "abc123def456ghi"', "abc123def456ghi", "assignment"),
    (
        "hf = HfApi(token='hf_abcdefghijklmnopqrstuvwxyzABCDEF12')",
        "hf_abcdefgh",
        "huggingface-token",
    ),
    (
        "GH = 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'",
        "github_pat_11",
        "github-token",
    ),
    ("SLACK = 'xapp-1-A0123456789-abcdefghij'", "xapp-1-A0123", "slack-token"),
    (
        "u = 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX'",
        "XXXXXXXX",
        "slack-webhook",
    ),
    ("NPM = 'npm_abcdefghijklmnopqrstuvwxyz0123456789'", "npm_abcdef", "npm-token"),
    ('client_secret: "GOCSPX-abcdefghijklmnopqrstuv"', "GOCSPX-abc", "google-oauth"),
    ("git clone https://alice:s3cretpw@github.com/org/repo", "s3cretpw", "url-password"),
    ("redis://:s3cretpw@cache:6379/0", "s3cretpw", "url-password"),
    ('c = "Server=db;User Id=sa;Password=Hunter2!;"', "Hunter2!", "connection-string"),
    (
        'a = "AccountName=x;AccountKey=abcDEF123+/xyz==;EndpointSuffix=core"',
        "abcDEF123",
        "connection-string",
    ),
    (
        '"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----"',
        "MIIEvQIBADANBg",
        "private-key",
    ),
    # the prompts number the nearby lines: the same shapes there
    ("   12  api_key: abcdefgh12345678", "abcdefgh12345678", "assignment"),
    ("    3  DB_PASSWORD=hunter", "hunter", "assignment"),
]


@pytest.mark.parametrize(("text", "secret", "kind"), CAUGHT)
def test_ml_repo_secret_shapes_are_redacted(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text
    assert f"[REDACTED:{kind}]" in result.text and kind in result.kinds


LEFT_ALONE = [
    # names that hold words like key or token but no secret
    'tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-2-7b-hf")',
    'tok = AutoTokenizer.from_pretrained("gpt2", revision="8cca527612d856d7d32bd94f8103728d614eb852")',
    "max_new_tokens = 512",
    "num_tokens = 2048",
    "token_budget: 100000",
    "tokenizer.pad_token = tokenizer.eos_token",
    'special = {"pad_token": "[PAD]", "eos_token": "</s>"}',
    "<pad_token>[PAD]</pad_token>",
    'token_ids = tokenizer("hello world")',
    'input_ids = tokens["input_ids"]',
    'secret_name = "prod/openai"',
    'key_path = "~/.ssh/id_rsa"',
    'password_file = "/run/secrets/db"',
    "auth_method: oauth2",
    "use_auth_token=True",
    # a bare key with an ordinary value
    'key = "train"',
    'batch = {key: "train_split_name"}',
    '"key": "value_column"',
    'cache_key = "features-v2"',
    "primary_key = 'id'",
    "rng_key = jax.random.PRNGKey(0)",
    "key, subkey = jax.random.split(key)",
    # code that reads a secret from elsewhere
    "token = args.token",
    'api_key = os.environ.get("OPENAI_API_KEY")',
    "api_key = get_api_key()",
    "    token=hf_token,",
    "    token = hf_token",
    "login(token=token)",
    "export HF_TOKEN=$HF_TOKEN",
    'OPENAI_API_KEY="${OPENAI_API_KEY}"',
    "api_key: ${OPENAI_API_KEY}",
    'python train.py --api-key "$OPENAI_API_KEY"',
    "python train.py --max-tokens 512 --tokenizer gpt2",
    'parser.add_argument("--api-key", "--openai-key")',
    'parser.add_argument("--hf-token", default=None, help="Hugging Face token")',
    "postgres://user:${DB_PASSWORD}@db/x",
    # type annotations, placeholders, constants
    "api_key: str",
    "api_key: Optional[str] = None",
    "token: str | None = None",
    'api_key = "your-api-key-here"',
    'api_key = "<YOUR_API_KEY>"',
    'password = "********"',
    'password = ""',
    "token = None",
    'REFRESH_TOKEN = "REFRESH_TOKEN"',
    'STATS_KEY = "_hypothesis_stats"',
    'if name in {"_type", "_token", "_on_update"}:',
    'MovedAttribute("HTTPPasswordMgr", "urllib2", "urllib.request")',
    # prose and ids
    "The token embeddings are frozen.",
    "Password: see the vault",
    "Basic usage of the trainer",
    'bearer = "a bearer of bad news"',
    "PWD=/home/alice/project",
    'model_id = "mistralai/Mistral-7B-Instruct-v0.2"',
    'hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
    'uuid = "123e4567-e89b-12d3-a456-426614174000"',
    'code = self._get_param("AuthenticationCode1")',
    "https://github.com/org/repo",
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_ordinary_ml_code_is_left_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text and result.count == 0


@pytest.mark.parametrize(
    ("value", "random"),
    [
        (HEX40, True),
        ("QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=", True),
        ("Zx81kLmq09PpQrSt", True),
        ("meta-llama/Llama-2-7b-hf", False),
        ("123e4567-e89b-12d3-a456-426614174000", False),
        ("SecretsManagerActions0", False),
        ("train_split_name", False),
        ("abcdefghijklmnopqrstuvwxyz", False),  # no digit
        ("short1", False),
    ],
)
def test_looks_random(value: str, random: bool) -> None:
    assert looks_random(value) is random


def test_a_diff_with_several_secrets_keeps_its_code() -> None:
    diff = "\n".join(
        [
            "+import os, wandb",
            f'+os.environ["WANDB_API_KEY"] = "{HEX40}"',
            "+wandb.init(project='sst2', config={'lr': 2e-5, 'key': 'train'})",
            "+tokenizer = AutoTokenizer.from_pretrained('bert-base-uncased')",
            "+HF_TOKEN=Zx81kLmq09PpQrSt python eval.py --max-tokens 512",
        ]
    )
    result = redact(diff)
    assert HEX40 not in result.text and "Zx81kLmq09PpQrSt" not in result.text
    assert result.kinds == ["assignment", "assignment"]
    assert "config={'lr': 2e-5, 'key': 'train'}" in result.text
    assert (
        "from_pretrained('bert-base-uncased')" in result.text and "--max-tokens 512" in result.text
    )


def test_redaction_stays_fast_on_pathological_text() -> None:
    import time

    texts = ["a." * 20_000, "x=" * 20_000, "--a " * 10_000, '"a":' * 10_000, "-" * 40_000]
    started = time.perf_counter()
    for text in texts:
        redact(text)
    assert time.perf_counter() - started < 3.0  # linear: each is well under a second


@pytest.mark.parametrize(
    ("path", "credentials"),
    [
        (".netrc", True),
        ("kaggle.json", True),
        ("config/kaggle.json", True),
        ("certs/server.pem", True),
        ("deploy/id_rsa", True),
        ("home/.ssh/id_ed25519.pub", True),
        (".env", True),
        (".env.production", True),
        ("prod.env", True),
        ("aws/credentials", True),
        ("gcp-service-account.json", True),
        ("client_secret_123.apps.googleusercontent.com.json", True),
        (".git-credentials", True),
        (".pypirc", True),
        ("home/.aws/credentials", True),
        ("src/train.py", False),
        ("configs/tokenizer.json", False),
        ("src/environment.py", False),
        ("docs/kaggle.md", False),
        ("data/keys.csv", False),
    ],
)
def test_credential_files_by_name(path: str, credentials: bool) -> None:
    assert credential_file(path) is credentials
    assert is_ignored(path, []) is credentials  # never sent, even with an empty llm.ignore
