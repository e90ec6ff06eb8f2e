"""Provides `redact(text)`, `is_ignored(path, patterns)` and `credential_file(path)`: what is removed
before text goes to the LLM.

Likely secrets are replaced by `[REDACTED:<kind>]` (only the kinds are reported, never the values):
- known token shapes, whatever holds them: API keys and tokens of the common providers (Anthropic,
  OpenAI, AWS, GitHub, GitLab, Slack, Google, Stripe, Hugging Face, npm, PyPI, Groq, Replicate),
  JWTs, private key blocks, `Bearer`/`Basic` credentials, passwords in URLs, `curl -u` and
  connection strings;
- values assigned to names that look secret, in any language or config format: `NAME = "v"`,
  `"name": "v"`, `name: v`, `export NAME=v`, `NAME=v cmd`, `os.environ["NAME"] = "v"`,
  `setdefault("NAME", "v")`, `f(token="v")`, `--api-key v`, Dockerfile `ENV NAME v`, `.netrc`'s
  `password v`, `<password>v</password>`, annotated fields (`api_key: str = "v"`,
  `token: SecretStr = Field(default="v")`) and a secret flag's default
  (`add_argument("--api-key", default="v")`). A name is judged by its words: `api_key`, `HF_TOKEN`,
  `client_secret`, `DB_PASSWORD` are secret; `tokenizer`, `max_tokens`, `pad_token`, `token_ids`,
  `secret_name`, `key_path` are not. A bare `key` (or `pass`, `pwd`) counts only when its value looks
  random, so `key = "train"` stays;
- authentication headers inside strings, whatever the value looks like: `-H "x-api-key: v"`,
  `"Authorization: Token v"`, `X-Auth-Token`, any hyphenated header whose words say secret;
- a random-looking literal (32+ hex digits, long mixed base64) on a line that speaks of a key, a
  token, a secret, a password or a login (`wandb.login("…")`).
Files that hold credentials by name (`.netrc`, `kaggle.json`, `*.pem`, `id_rsa`, `.env*`,
`credentials*`, ...: `CREDENTIAL_FILES`) are never sent, whatever `llm.ignore` says.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

CREDENTIAL_FILES = (
    ".env",
    ".env.*",
    "*.env",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".pypirc",
    ".npmrc",
    ".git-credentials",
    ".htpasswd",
    "kaggle.json",
    "credentials",
    "credentials.*",
    "*credentials*.json",
    "*service-account*.json",
    "*service_account*.json",
    "client_secret*.json",
    "token.json",
    "token.pickle",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*/.aws/credentials",
    "*/.docker/config.json",
    "*/huggingface/token",
)
"""Files whose content is never sent to the LLM, by name or repo-relative path (globs)."""

Rule = tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool] | None]
"""A kind, a pattern (its `secret` group, or the whole match, is replaced) and a check of a match."""

STRONG, WEAK = "strong", "weak"

# --------------------------------------------------------------------------- names


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SECRET_WORDS = _vocabulary(
    "password passwd passphrase passcode secret secrets credential credentials apikey apitoken "
    "accesstoken authtoken privatekey secretkey accesskey clientsecret authorization bearer auth"
)
"""A name holding one of these words is secret (unless an inert word ends it)."""
_KEY_OWNERS = _vocabulary(
    "api access secret private auth signing sign encryption encrypt master license licence account "
    "service client app application subscription storage hmac ssh session server admin consumer "
    "developer deploy write openai anthropic wandb hf huggingface cohere mistral groq gemini google "
    "azure aws gcp replicate together pinecone comet neptune stripe sendgrid twilio kaggle"
)
"""`<owner>_key` is secret: `api_key`, `WANDB_KEY`; a `cache_key` or `sort_key` is not."""
_NOT_KEY_OWNERS = _vocabulary(
    "public cache sort primary foreign partition lookup dict map hash rng prng random seed group "
    "index config metric column field row unique composite cluster shard routing object bucket s3 "
    "state batch data dataset model layer attention query value kv"
)
"""Words before `KEY` in an upper-case name that make it an ordinary key (`CACHE_KEY`)."""
_MODEL_TOKEN_WORDS = _vocabulary(
    "pad eos bos unk sep cls mask start end stop special new image video audio vision decoder sos "
    "eot think tool placeholder default next first last num max min total input output prompt "
    "generated text word sub subword byte char begin split"
)
"""`pad_token`, `eos_token`, `max_token`: model vocabulary, not credentials."""
_WEAK_WORDS = frozenset({"key", "pass", "pw", "pwd", "pswd"})
"""Words that make a name secret only when its value looks random."""
_DB_OWNERS = _vocabulary(
    "db database mysql postgres postgresql pg redis mongo mongodb smtp email mail admin root user "
    "ftp sftp proxy ldap sql rabbitmq amqp"
)
"""`DB_PASS`, `smtp_pwd`: a password; a bare `pass` or `PWD` (the shell's folder) is not."""
_INERT_SUFFIXES = _vocabulary(
    "id ids type types count counts len length limit limits size budget index idx indices embedding "
    "embeddings file files path paths dir folder env var variable name names url uri endpoint field "
    "fields prefix suffix regex pattern hint label kind format mode method enabled required provider "
    "source location min max num usage ttl expiry expires expiration lifetime timeout strategy "
    "policy cls class help message msg description doc docs text prompt error warning title count "
    "arg args flag option param params rotation manager mgr store storage handler callback validator "
    "column table schema attr attribute property loader reader alias arn used last changed updated "
    "created reset age expired rotated strength complexity scope scopes audience issuer algorithm "
    "alg header headers"
)
"""A name ending in one of these words names something about a secret, not the secret itself."""


def name_strength(name: str) -> str | None:
    """`STRONG` when `name` names a secret, `WEAK` when only a random value makes it one, else None."""
    words = _words(name)
    if not words or words[-1] in _INERT_SUFFIXES:
        return None
    upper = name.upper() == name
    for before, word in zip(["", *words], words, strict=False):
        if word in _SECRET_WORDS or (word == "token" and before not in _MODEL_TOKEN_WORDS):
            return STRONG
        if word == "key" and _owned_key(before, upper):
            return STRONG
        if word in _WEAK_WORDS - {"key"} and before in _DB_OWNERS:
            return STRONG
    return WEAK if _WEAK_WORDS & set(words) and "public" not in words else None


def _owned_key(before: str, upper: bool) -> bool:
    if before in _KEY_OWNERS:
        return True
    return upper and bool(before) and before not in _NOT_KEY_OWNERS


def _words(name: str) -> list[str]:
    """`OPENAI_API_KEY` -> openai api key; `xApiKey` -> x api key; `HFToken` -> hf token."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", name)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", spaced)
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


# --------------------------------------------------------------------------- values

_LITERAL = re.compile(r"(?i)[+-]?[0-9][0-9._e+-]*|true|false|none|null|nil|undefined|yes|no|on|off")
_PLACEHOLDER = re.compile(
    r"(?i)^(?:[$<%{(^\-*.]|#\{|\[REDACTED)|\$\{|\{\{|^(.)\1*$|^your[-_ ]|^x{4,}|\.\.\.$"
)
_CONSTANT = re.compile(r"[A-Z][A-Z_]*|_?[a-z]+(?:_[a-z]+)+")
"""`"REFRESH_TOKEN"`, `"not_supported"`: enum values and identifiers, not secrets."""
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_RUN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+|[^A-Za-z0-9]+")
_TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9+/=_\-.~]+")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_TYPE_NAMES = _vocabulary(
    "str string String bytes int float bool boolean number object Any SecretStr SecretBytes Secret "
    "Optional Token Key Password Credentials Path"
)


def looks_random(value: str) -> bool:
    """True for values shaped like generated secrets (40 hex digits, long mixed base64), not names."""
    if len(value) < 16 or not _TOKEN_ALPHABET.fullmatch(value):
        return False
    has_digit, has_letter = bool(re.search(r"\d", value)), bool(re.search(r"[A-Za-z]", value))
    if not (has_digit and has_letter):
        return False
    if _HEX.fullmatch(value):
        return True
    if _UUID.fullmatch(value):
        return False  # an id; a secret-named UUID is still caught by its name
    if max(len(part) for part in re.split(r"[-_./~]", value)) < 12:
        return False  # meta-llama/Llama-2-7b-hf, v1.2.3-rc4: names, not secrets
    runs = _RUN.findall(value)
    if len(value) / len(runs) >= 5:
        return False  # AuthenticationCode1, SecretsManagerActions0: words, not noise
    return _entropy(value) >= 3.5


def _entropy(value: str) -> float:
    counts = Counter(value).values()
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts)


def plausible(value: str, strength: str | None, name: str = "") -> bool:
    """Whether `value`, held by a name of `strength`, may be a secret: not a number, a placeholder,
    an enum-like constant (`"REFRESH_TOKEN"`, `"not_supported"`) or the name itself."""
    if strength is None or _LITERAL.fullmatch(value) or _PLACEHOLDER.search(value):
        return False
    if strength == WEAK:
        return looks_random(value)
    if _CONSTANT.fullmatch(value) or _squash(value) == _squash(name):
        return False
    return len(value) >= 6


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# --------------------------------------------------------------------------- checks of matches


def _named(match: re.Match[str]) -> bool:
    """A quoted value assigned to a secret-looking name; `("NAME", "value")` only for an upper-case
    (environment variable) name, as in `os.environ.setdefault("WANDB_API_KEY", "…")`."""
    name = match.group("name")
    if match.group("sep") == "," and not (
        match.group("lead") and match.group("trail") and _ENV_NAME.fullmatch(name)
    ):
        return False
    return plausible(match.group("secret"), name_strength(name), name)


def _bare(match: re.Match[str]) -> bool:
    """An unquoted value on a whole line: config and env files, YAML, INI; not code expressions."""
    value, strength = match.group("secret"), name_strength(match.group("name"))
    if not plausible(value, strength):
        return False
    if _DOTTED.fullmatch(value):
        return looks_random(value)  # args.token, self.key: code
    if _IDENTIFIER.fullmatch(value):
        return _identifier_is_secret(match, value)
    return True


def _identifier_is_secret(match: re.Match[str], value: str) -> bool:
    """`DB_PASSWORD=hunter` (env style) or `password: s3cret`, but not `token = hf_token` (code)."""
    if value in _TYPE_NAMES:
        return False
    env_style = bool(match.group("export")) or (
        match.group("sep") == "=" and not match.group("indent") and not match.group("space")
    )
    has_digit = any(char.isdigit() for char in value)
    return env_style or (has_digit and value.lower() != value.upper()) or looks_random(value)


def _inline_env(match: re.Match[str]) -> bool:
    """`OPENAI_API_KEY=abc123 python train.py`: identifiers only with a digit (`f(API_KEY=key)`)."""
    value, strength = match.group("secret"), name_strength(match.group("name"))
    if not plausible(value, strength) or _DOTTED.fullmatch(value):
        return False
    return not _IDENTIFIER.fullmatch(value) or any(char.isdigit() for char in value)


def _flag(match: re.Match[str]) -> bool:
    return plausible(match.group("secret"), name_strength(match.group("name")))


def _annotated(match: re.Match[str]) -> bool:
    """`api_key: str = "v"`, `api_key: SecretStr = Field(default="v")`: a quoted value held by an
    annotated name or wrapped in a settings call (a plain `NAME = "v"` is the first rule's)."""
    if not (match.group("annotation") or match.group("wrapper")):
        return False
    name = match.group("name")
    return plausible(match.group("secret"), name_strength(name), name)


def _option_default(match: re.Match[str]) -> bool:
    """`add_argument("-k", "--api-key", default="v")`: the strongest of the flags' names decides."""
    names = re.findall(r"--?([A-Za-z][\w-]*)", match.group("flags"))
    strengths = {name: name_strength(name) for name in names}
    name = next((n for n in names if strengths[n] == STRONG), None) or next(
        (n for n in names if strengths[n] == WEAK), ""
    )
    return plausible(match.group("secret"), strengths.get(name), name)


def _header(match: re.Match[str]) -> bool:
    """`-H "x-api-key: v"`: an authentication header's value, whatever it looks like, but not
    prose (`"Authorization: required"`): a digit, or 20+ letters and digits."""
    name, value = match.group("name"), match.group("secret")
    if name.lower() not in _AUTH_HEADERS and not ("-" in name and name_strength(name) == STRONG):
        return False
    if not plausible(value, STRONG, name):
        return False
    return any(char.isdigit() for char in value) or (len(value) >= 20 and value.isalnum())


def _tag(match: re.Match[str]) -> bool:
    return plausible(match.group("secret"), name_strength(match.group("tag")))


def _not_placeholder(match: re.Match[str]) -> bool:
    return not _PLACEHOLDER.search(match.group("secret"))


# --------------------------------------------------------------------------- rules

_NAME = r"[A-Za-z_$@][\w.\-]*"
_LINE_HEAD = r"^(?:[ \t]*\d+[ \t]{2})?[+\- ]?"
"""A line's start: a line number (the prompts' numbered context), then a diff's `+`, `-` or ` `."""

_TOKEN_RULES: list[Rule] = [
    (
        "private-key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"
            r"(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|[\s\S]*\Z)"
        ),
        None,
    ),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{16,}"), None),
    ("openai-key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"), None),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"), None),
    (
        "github-token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
        None,
    ),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), None),
    ("slack-token", re.compile(r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}"), None),
    (
        "slack-webhook",
        re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}"),
        None,
    ),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), None),
    ("google-oauth", re.compile(r"\b(?:ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[A-Za-z0-9_-]{20,})"), None),
    ("stripe-key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"), None),
    ("huggingface-token", re.compile(r"\b(?:hf|api_org)_[A-Za-z0-9]{30,}"), None),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), None),
    ("pypi-token", re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}"), None),
    ("groq-key", re.compile(r"\bgsk_[A-Za-z0-9]{40,}"), None),
    ("replicate-token", re.compile(r"\br8_[A-Za-z0-9]{30,}"), None),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), None),
]

_CONTEXT_RULES: list[Rule] = [
    (
        "bearer-token",
        re.compile(r"\bBearer[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{16,})"),
        lambda match: _not_placeholder(match) and not match.group("secret").isalpha(),
    ),
    (
        "basic-auth",
        re.compile(r"(?i)\bBasic[ \t]+(?P<secret>[A-Za-z0-9+/]{12,}={0,2})(?=[\s\"'`,;)}\]]|$)"),
        lambda match: any(char.isdigit() or char == "=" for char in match.group("secret")),
    ),
    (
        "url-password",
        re.compile(
            r"(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"]*:(?P<secret>[^\s@/'\"]+)(?=@[\w\[])"
        ),
        _not_placeholder,
    ),
    (
        "basic-auth",
        re.compile(r"(?<![\w-])(?:-u|--user)[ \t]+[\"']?[^\s:\"'$]+:(?P<secret>[^\s\"'@]{4,})"),
        _not_placeholder,
    ),
    (
        "connection-string",
        re.compile(
            r"(?i)\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)=(?P<secret>[^;\"'\s]{8,})"
            r"|(?:^|[;\"'])[ \t]*(?:password|pwd)[ \t]*=[ \t]*(?P<pw>[^;\"'\s]{2,})(?=[ \t]*;)"
        ),
        None,
    ),
    (
        "netrc-password",
        re.compile(
            r"(?m)" + _LINE_HEAD + r"[ \t]*(?:machine[ \t]+\S+[ \t]+)?(?:login[ \t]+\S+[ \t]+)?"
            r"(?:password|passwd)[ \t]+(?P<secret>\S+)[ \t]*$"
        ),
        lambda match: _not_placeholder(match) and not _LITERAL.fullmatch(match.group("secret")),
    ),
]

_ASSIGNMENT_RULES: list[Rule] = [
    (
        "assignment",
        re.compile(
            r"(?P<lead>[\"']?)(?<![\w.$@\-])(?P<name>" + _NAME + r")(?P<trail>[\"']?)\]?[ \t]*"
            r"(?P<sep>:=|=>|=|:|,)[ \t]*(?:[rRbBuU]{1,2})?(?P<quote>[\"'])"
            r"(?P<secret>[^\"'`\s]+)(?P=quote)"
        ),
        _named,
    ),
    (
        "assignment",
        re.compile(
            r"(?m)" + _LINE_HEAD + r"(?P<indent>[ \t]*)(?:-[ \t]+)?"
            r"(?P<export>(?:export|ENV|ARG|set|setx|declare[ \t]+-x)[ \t]+)?"
            r"(?P<name>" + _NAME + r")(?P<space>[ \t]*)(?P<sep>=|:)[ \t]*"
            r"(?P<secret>[^\s\"'`#()\[\]{},;<>]+)[ \t]*(?:(?:#|//|;).*)?$"
        ),
        _bare,
    ),
    (
        "assignment",
        re.compile(
            r"(?m)" + _LINE_HEAD + r"[ \t]*ENV[ \t]+(?P<name>" + _NAME + r")[ \t]+(?P<secret>\S+)$"
        ),
        _flag,
    ),
    (
        "assignment",
        re.compile(
            r"(?:^[+\- ]?|(?<=[\s;&|]))(?P<name>[A-Z][A-Z0-9_]*)=(?P<secret>[^\s\"'`;&|()<>#]+)(?=\s|$)",
            re.MULTILINE,
        ),
        _inline_env,
    ),
    (
        "assignment",
        re.compile(
            r"(?<![\w-])--(?P<name>[A-Za-z][\w.-]*)(?:=|[ \t]+)(?P<quote>[\"']?)"
            r"(?P<secret>[^\s\"'`\\;|&)]+)(?P=quote)"
        ),
        _flag,
    ),
    (
        "assignment",
        re.compile(r"<(?P<tag>[A-Za-z_][\w:.-]*)>(?P<secret>[^<>\s]+)</(?P=tag)>"),
        _tag,
    ),
]

_ANNOTATION = r"[\w.]+(?:\[[\w\[\]., |]{0,80}\])?"
"""One type of an annotation: `str`, `Optional[str]`, `dict[str, str]` (no `,` outside brackets,
so `def f(token: int, mode="v")` is not an annotated `token`)."""
_SETTINGS_CALL = r"[\w.]*(?:Field|Secret|SecretStr|SecretBytes)\(\s*(?:default[ \t]*=[ \t]*)?"
_FLAG_STRING = r"[\"']--?[A-Za-z][\w-]*[\"']"
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization", "apikey"})
"""Header names that hold a credential without saying key or token (hyphenated names whose words
say secret count too: `x-api-key`, `X-Auth-Token`, `Ocp-Apim-Subscription-Key`)."""

_FIELD_RULES: list[Rule] = [
    (
        "assignment",
        re.compile(
            r"(?<![\w.$@\-])(?P<name>" + _NAME + r")[ \t]*"
            r"(?::[ \t]*(?P<annotation>" + _ANNOTATION + r"(?:[ \t]*\|[ \t]*" + _ANNOTATION + r")*)"
            r"[ \t]*)?=[ \t]*(?P<wrapper>" + _SETTINGS_CALL + r")?(?:[rRbBuU]{1,2})?"
            r"(?P<quote>[\"'])(?P<secret>[^\"'`\s]+)(?P=quote)"
        ),
        _annotated,
    ),
    (
        "assignment",
        re.compile(
            r"\(\s*(?P<flags>" + _FLAG_STRING + r"(?:\s*,\s*" + _FLAG_STRING + r"){0,3})\s*,"
            r"(?:[^()\"']|\"[^\"\n]*\"|'[^'\n]*'){0,300}?\bdefault[ \t]*=[ \t]*(?:[rRbBuU]{1,2})?"
            r"(?P<quote>[\"'])(?P<secret>[^\"'`\s]+)(?P=quote)"
        ),
        _option_default,
    ),
    (
        "auth-header",
        re.compile(
            r"(?<![\w-])(?P<name>[A-Za-z][A-Za-z0-9-]*):[ \t]*"
            r"(?:(?i:token|bot|key|apikey|bearer|basic|digest|sso-key|ssws|splunk)[ \t]+)?"
            r"(?P<secret>[^\s\"'`,;]{8,})"
        ),
        _header,
    ),
]
"""Annotated fields, a flag's `default=`, and authentication headers inside strings."""

_SECRET_LINE = re.compile(
    r"(?i)api[_-]?key|\bkey\b|_key\b|\btoken\b|_token\b|secret|passw|\bauth|login|credential|bearer"
)
_LITERAL_STRING = re.compile(r"(?P<quote>[\"'`])(?P<secret>[A-Za-z0-9+/=_\-.~]{16,})(?P=quote)")


# --------------------------------------------------------------------------- redact


@dataclass
class Redaction:
    """Text with likely secrets replaced, and what was replaced (kinds only, never the values)."""

    text: str
    kinds: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.kinds)


def redact(text: str) -> Redaction:
    """Replace likely secrets in `text` by `[REDACTED:<kind>]` markers."""
    kinds: list[str] = []
    for kind, pattern, check in (
        *_TOKEN_RULES,
        *_CONTEXT_RULES,
        *_ASSIGNMENT_RULES,
        *_FIELD_RULES,
    ):
        text = pattern.sub(_replacer(kind, check, kinds), text)
    return Redaction(_redact_random_literals(text, kinds), kinds)


def _replacer(
    kind: str, check: Callable[[re.Match[str]], bool] | None, kinds: list[str]
) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        group = _secret_group(match)
        if match.group(group).startswith("[REDACTED") or (check is not None and not check(match)):
            return match.group(0)
        kinds.append(kind)
        start, end = match.span(group)
        whole = match.group(0)
        offset = match.start()
        return f"{whole[: start - offset]}[REDACTED:{kind}]{whole[end - offset :]}"

    return replace


def _secret_group(match: re.Match[str]) -> int | str:
    """The group to replace: `secret` (or `pw`) when the pattern has one and it matched, else all."""
    groups = match.re.groupindex
    for name in ("secret", "pw"):
        if name in groups and match.group(name) is not None:
            return name
    return 0


def _redact_random_literals(text: str, kinds: list[str]) -> str:
    """On a line about keys, tokens or logins, a random-looking string literal is a secret."""

    def replace(match: re.Match[str]) -> str:
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line = text[start : len(text) if end < 0 else end]
        if not looks_random(match.group("secret")) or not _SECRET_LINE.search(line):
            return match.group(0)
        kinds.append("random-literal")
        return f"{match.group('quote')}[REDACTED:random-literal]{match.group('quote')}"

    return _LITERAL_STRING.sub(replace, text)


# --------------------------------------------------------------------------- files


def credential_file(path: str) -> bool:
    """True when `path` (repo-relative) is a file that holds credentials by its name."""
    return _matches(path, CREDENTIAL_FILES)


def is_ignored(path: str, patterns: Iterable[str]) -> bool:
    """True when `path` (repo-relative, `/`-separated) is never sent: it matches an ignore glob by
    full path or name, or it holds credentials by name (`credential_file`)."""
    return _matches(path, patterns) or credential_file(path)


def matches_ignore(path: str, patterns: Iterable[str]) -> bool:
    """True when `path` matches one of the `llm.ignore` globs (by full path or name)."""
    return _matches(path, patterns)


def _matches(path: str, patterns: Iterable[str]) -> bool:
    name = PurePosixPath(path).name
    full = f"/{path}"
    return any(
        fnmatchcase(path, pattern) or fnmatchcase(name, pattern) or fnmatchcase(full, pattern)
        for pattern in patterns
    )
