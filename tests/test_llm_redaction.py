"""Redaction of likely secrets and the ignore list, before anything is sent to the LLM."""

from __future__ import annotations

import pytest

from reviewtui.config import LLMSettings
from reviewtui.core.llm.redaction import is_ignored, redact

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
