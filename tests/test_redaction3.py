"""Redaction of secrets whose value is not random-looking (UUID keys, 32 lower-case characters)
held by an annotated field, an argparse/click flag's default, or an HTTP header inside a string
(review finding N10), and the ordinary code of the same shapes that must still be sent.
"""

from __future__ import annotations

import pytest

from reviewtui.core.llm.redaction import looks_random, redact

UUID_KEY = "3f2b8c1a-9d4e-4b7f-a6c2-1e8d9f0b7a53"
"""A Pinecone / Azure key's shape: an UUID, which `looks_random` deliberately does not flag."""
LOWER32 = "a8f3kd93jf83kd93kf83kd9f3kd93kf8"
HEADER_VALUE = "Xk9mQ2vLp8RtZ4wN7bYc3HdF6gJs1aEu0oTiVyKq"


def test_the_probe_values_are_not_caught_by_the_random_literal_rule() -> None:
    """The point of the cases below: only the name or the header can catch these values."""
    assert not looks_random(UUID_KEY)
    assert redact('x = "' + UUID_KEY + '"').text == 'x = "' + UUID_KEY + '"'


CAUGHT = [
    # annotated fields: dataclasses, pydantic settings, TypeScript, Kotlin
    (f'    cohere_api_key: str = "{UUID_KEY}"', UUID_KEY, "assignment"),
    (f'    token: str = "{LOWER32}"', LOWER32, "assignment"),
    (f'pinecone_api_key: Optional[str] = "{UUID_KEY}"', UUID_KEY, "assignment"),
    (f"api_key: str | None = '{UUID_KEY}'", UUID_KEY, "assignment"),
    (f'AZURE_KEY: Final[dict[str, str]] = "{UUID_KEY}"', UUID_KEY, "assignment"),
    (f'self.api_key: str = "{UUID_KEY}"', UUID_KEY, "assignment"),
    (f'const apiKey: string = "{UUID_KEY}";', UUID_KEY, "assignment"),
    (f'    val apiKey: String = "{LOWER32}"', LOWER32, "assignment"),
    (f'    api_key: SecretStr = SecretStr("{UUID_KEY}")', UUID_KEY, "assignment"),
    (f'    api_key: str = Field(default="{UUID_KEY}", alias="k")', UUID_KEY, "assignment"),
    (f'    hf_token: str = Field(\n        "{LOWER32}",\n    )', LOWER32, "assignment"),
    # argparse / click flags whose name says secret
    (f'parser.add_argument("--api-key", default="{UUID_KEY}")', UUID_KEY, "assignment"),
    (
        f"parser.add_argument('-k', '--wandb-key', type=str, default='{LOWER32}')",
        LOWER32,
        "assignment",
    ),
    (
        f'parser.add_argument(\n    "--hf_token",\n    type=str,\n    default="{LOWER32}",\n)',
        LOWER32,
        "assignment",
    ),
    (f'@click.option("--password", default="{LOWER32}")', LOWER32, "assignment"),
    # HTTP headers inside a string, whatever the value looks like
    (f'curl -H "x-api-key: {HEADER_VALUE}" https://x', HEADER_VALUE, "auth-header"),
    (f'curl -H "x-api-key: {LOWER32}" https://api.example.com', LOWER32, "auth-header"),
    (f"curl -H 'api-key:{UUID_KEY}' https://x.openai.azure.com", UUID_KEY, "auth-header"),
    (f'h = "X-Auth-Token: {UUID_KEY}"', UUID_KEY, "auth-header"),
    (f'h = "Authorization: Token {LOWER32}"', LOWER32, "auth-header"),
    (f'-H "Ocp-Apim-Subscription-Key: {LOWER32}"', LOWER32, "auth-header"),
    (f'-H "PRIVATE-TOKEN: {LOWER32}"', LOWER32, "auth-header"),
    (f'-H "X-Pinecone-Api-Key: {UUID_KEY}"', UUID_KEY, "auth-header"),
    (f"    3  curl -H 'x-goog-api-key: {LOWER32}' \\", LOWER32, "auth-header"),
]


@pytest.mark.parametrize(("text", "secret", "kind"), CAUGHT)
def test_secret_shapes_of_finding_n10_are_redacted(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text
    assert f"[REDACTED:{kind}]" in result.text and kind in result.kinds


def test_the_code_around_a_redacted_secret_is_kept() -> None:
    text = f'parser.add_argument("--api-key", type=str, default="{UUID_KEY}", help="the key")'
    result = redact(text)
    assert result.text == (
        'parser.add_argument("--api-key", type=str, default="[REDACTED:assignment]", '
        'help="the key")'
    )
    assert result.kinds == ["assignment"]
    annotated = redact(f'    cohere_api_key: str = "{UUID_KEY}"  # prod')
    assert annotated.text == '    cohere_api_key: str = "[REDACTED:assignment]"  # prod'
    header = redact(f'curl -H "x-api-key: {LOWER32}" -H "Accept: json" https://x')
    assert header.text == 'curl -H "x-api-key: [REDACTED:auth-header]" -H "Accept: json" https://x'


def test_one_secret_is_counted_once() -> None:
    """A bearer token in an Authorization header is one secret, not two."""
    result = redact(f'h = "Authorization: Bearer {HEADER_VALUE}"')
    assert HEADER_VALUE not in result.text and result.kinds == ["bearer-token"]


LEFT_ALONE = [
    # annotated fields that are not secrets, or whose value is not
    'tokenizer: str = "meta-llama/Llama-2-7b-hf"',
    "max_tokens: int = 1024",
    'pad_token: str = "<pad>"',
    'key: str = "train"',
    f'key: str = "{UUID_KEY}"',  # a bare key with an id: the name does not say secret
    'run_id: str = "3f2b8c1a-9d4e-4b7f-a6c2-1e8d9f0b7a53"',
    'api_key: str = ""',
    'api_key: str = "your-api-key-here"',
    "api_key: Optional[str] = None",
    'api_key: str = Field(default=None, description="the key")',
    'api_key_env: str = "OPENAI_API_KEY"',
    'token_type: Literal["bearer"] = "bearer"',
    'def f(token: int, mode="abcdef12gh"): ...',
    'def f(token: Dict[str, int], mode="abcdef12gh"): ...',
    # flags that are not secrets, or whose default is not
    'parser.add_argument("--tokenizer", default="gpt2")',
    'parser.add_argument("--max-tokens", type=int, default="1024")',
    'parser.add_argument("--key", default="train")',
    'parser.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY"))',
    'parser.add_argument("--api-key", default="$OPENAI_API_KEY")',
    'parser.add_argument("--hf-token", default=None, help="Hugging Face token")',
    'parser.add_argument("--api-key-env", default="OPENAI_API_KEY")',
    'parser.add_argument("--output", default="runs/api_key_test")',
    # headers without a secret, prose about them
    'curl -H "Content-Type: application/json" https://x',
    'curl -H "x-api-key: $API_KEY" https://x',
    'headers = f"x-api-key: {api_key}"',
    'h = "Authorization: " + token',
    '"Send the header x-api-key: <your key> with each request."',
    "Authorization: required for every endpoint",
    'raise ValueError("token: missing")',
    "x-api-key-header: X-Api-Key",
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_ordinary_code_of_the_same_shapes_is_left_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text and result.count == 0


def test_new_patterns_stay_fast_on_pathological_text() -> None:
    import time

    texts = [
        "a: B[" * 5_000,
        'add_argument("--a", ' * 3_000,
        "x-a-key: " * 5_000,
        "a: Field(" * 5_000,
        "(" + '"--api-key",' * 5_000,
    ]
    started = time.perf_counter()
    for text in texts:
        redact(text)
    assert time.perf_counter() - started < 3.0  # linear: each well under a second
