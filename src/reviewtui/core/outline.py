"""Provides `scan_outline`: the definitions of a brace-language, shell or SQL file, found by a
line scanner (no parser), for cutting chunks the way `ast` lets Python be cut.

A file's text is first *cleaned*: strings and comments are blanked (their newlines kept), in one
left-to-right pass that only moves forward, so the scan is linear even on hostile text (unbalanced
braces inside strings, template literals, raw strings, nested quotes). Bracket depth is then counted
per line on the clean text. A definition starts at a line of low depth that reads like one
(`function`, `export …`, `class`, `fn`, `impl`, `func`, `CREATE TABLE`…) and ends where its
statement ends (its closing brace, or `;`). Classes, impl blocks, interfaces and the like hold
members, found the same way one level deeper (`LoanService.borrow`, `Store.upsert`).

The scan gives up (returns None) when it is unsure: brackets that do not balance or close too
often, or lines too long to be source a person wrote. The caller then uses the text rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

HEADER = 240
"""Characters of a line read to recognise a definition."""
MAX_LINE = 2000
"""A clean line longer than this means minified or generated text: the scan gives up."""


@dataclass
class Definition:
    """One definition of a file: its dotted name, its 1-based line span (comments and attributes
    right above it included) and, for a container, its members."""

    name: str
    start: int
    end: int
    container: bool = False
    members: list[Definition] = field(default_factory=list)
    head: int = 0
    """The 1-based line that reads as the definition (`impl Store {`), below any attached ones."""


@dataclass
class Outline:
    """What the scan found: top-level definitions in order, and the lines where a statement starts."""

    definitions: list[Definition]
    starts: list[int]


# --------------------------------------------------------------------------- dialects

_DIALECT_OPENERS: dict[str, str] = {
    "js": r"//|/\*|`|\"|'",
    "go": r"//|/\*|`|\"|'",
    "rust": r'//|/\*|r#*"|b?"|\'',
    "java": r'//|/\*|"""|"|\'',
    "kotlin": r'//|/\*|"""|"|\'',
    "csharp": r'//|/\*|@"|\$@"|@\$"|"""|"|\'',
    "c": r'//|/\*|R"[^(\s]{0,16}\(|"|\'',
    "swift": r'//|/\*|#*"""|#*"|\'',
    "scala": r'//|/\*|"""|"|\'',
    "php": r"//|/\*|#(?!\[)|<<<\s*['\"]?\w+['\"]?|\"|'",
    "shell": r"#|\"|'|<<-?\s*['\"]?\w+['\"]?",
    "sql": r"--|/\*|'|\"|\$\w*\$",
}
"""Dialect -> a regex of everything that opens a string or a comment in it."""

_SUFFIXES: dict[str, str] = {
    **dict.fromkeys((".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"), "js"),
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    **dict.fromkeys((".kt", ".kts"), "kotlin"),
    ".cs": "csharp",
    **dict.fromkeys((".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".c++"), "c"),
    ".swift": "swift",
    **dict.fromkeys((".scala", ".sc"), "scala"),
    ".php": "php",
    **dict.fromkeys((".sh", ".bash", ".zsh", ".ksh"), "shell"),
    ".sql": "sql",
}

_OPENER_PATTERNS = {name: re.compile(pattern) for name, pattern in _DIALECT_OPENERS.items()}
_DOUBLE = re.compile(r'(?:[^"\\\n]|\\.)*')
_DOUBLE_MULTI = re.compile(r'(?:[^"\\]|\\.)*', re.DOTALL)
_SINGLE = re.compile(r"(?:[^'\\\n]|\\.)*")
_SINGLE_MULTI = re.compile(r"(?:[^'\\]|\\.)*", re.DOTALL)
_BACKTICK = re.compile(r"(?:[^`\\]|\\.)*", re.DOTALL)
_RUST_CHAR = re.compile(r"'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|.)|[^'\\\n])'")
_WORD_BREAK = " \t\n;|&("
"""What may precede a shell `#` that starts a comment."""
_HEREDOC = re.compile(r"<<<?-?\s*['\"]?(\w+)")


def dialect_for(path: str) -> str | None:
    """The dialect whose scanner reads this file (`js`, `rust`, `shell`, `sql`…), or None."""
    return _SUFFIXES.get(PurePosixPath(path).suffix.lower())


def scan_outline(lines: list[str], dialect: str) -> Outline | None:
    """The definitions of a file's lines in `dialect`, or None when the scan is unsure."""
    clean = clean_text("\n".join(lines), dialect).split("\n")
    if len(clean) != len(lines) or any(len(line) > MAX_LINE for line in clean):
        return None
    depths = _depths(clean, dialect)
    if depths is None:
        return None
    scanner = _Scanner(lines, clean, depths, dialect)
    return scanner.outline()


# --------------------------------------------------------------------------- cleaning


def clean_text(text: str, dialect: str) -> str:
    """The text with every string reduced to `""` (on its last line) and every comment removed,
    newlines kept."""
    opener = _OPENER_PATTERNS[dialect]
    out: list[str] = []
    pos = 0
    size = len(text)
    while pos < size:
        match = opener.search(text, pos)
        if match is None:
            out.append(text[pos:])
            break
        start, token = match.start(), match.group()
        out.append(text[pos:start])
        end, kind = _span_end(text, start, match.end(), token, dialect)
        if kind == "code":
            out.append(text[start:end])
        else:
            newlines = text.count("\n", start, end)
            out.append("\n" * newlines + ('""' if kind == "string" else ""))
        pos = max(end, start + 1)
    return "".join(out)


def _span_end(text: str, start: int, after: int, token: str, dialect: str) -> tuple[int, str]:
    """(end, kind) of the string or comment opened by `token`: kind is string, comment or code
    (an opener that turned out to open nothing, such as a Rust lifetime)."""
    if token in ("//", "--") or (token == "#" and dialect in ("php", "shell")):
        if token == "#" and dialect == "shell" and start > 0 and text[start - 1] not in _WORD_BREAK:
            return after, "code"  # `$#`, `${#arr}`: not a comment
        found = text.find("\n", after)
        return (len(text) if found < 0 else found), "comment"
    if token == "/*":
        found = text.find("*/", after)
        return (len(text) if found < 0 else found + 2), "comment"
    if token.startswith("<<"):
        return _heredoc_end(text, start, after)
    if token.startswith("$") and dialect == "sql":
        found = text.find(token, after)
        return (len(text) if found < 0 else found + len(token)), "string"
    return _string_end(text, start, after, token, dialect)


def _heredoc_end(text: str, start: int, after: int) -> tuple[int, str]:
    """A shell or PHP heredoc: everything to the line holding only its terminator."""
    match = _HEREDOC.match(text, start)
    if match is None:
        return after, "code"
    line_end = text.find("\n", after)
    if line_end < 0:
        return after, "code"
    terminator = re.compile(r"^[ \t]*" + re.escape(match.group(1)) + r"\b.*$", re.MULTILINE)
    closing = terminator.search(text, line_end + 1)
    if closing is None:
        return after, "code"
    return closing.end(), "string"


def _string_end(text: str, start: int, after: int, token: str, dialect: str) -> tuple[int, str]:
    if token == "'" and dialect in ("rust", "c", "java", "csharp", "kotlin", "scala", "swift"):
        char = _RUST_CHAR.match(text, start)
        return (char.end(), "string") if char else (after, "code")
    if token.endswith('"""'):
        found = text.find('"""' + "#" * token.count("#"), after)
        return (len(text) if found < 0 else found + 3 + token.count("#")), "string"
    if token.startswith("r") and token.endswith('"'):
        closer = '"' + "#" * (len(token) - 2)
        found = text.find(closer, after)
        return (len(text) if found < 0 else found + len(closer)), "string"
    if token.startswith('R"'):
        closer = ")" + token[2:-1] + '"'
        found = text.find(closer, after)
        return (len(text) if found < 0 else found + len(closer)), "string"
    if "@" in token:
        return _verbatim_end(text, after), "string"
    if token == "`":
        pattern = _BACKTICK
    elif token.endswith('"'):
        pattern = _DOUBLE_MULTI if dialect in ("shell", "sql", "php", "rust") else _DOUBLE
    else:
        pattern = _SINGLE_MULTI if dialect in ("shell", "sql", "php") else _SINGLE
    match = pattern.match(text, after)
    end = match.end() if match else after
    if token == "'" and dialect == "shell":
        found = text.find("'", after)  # no escapes inside shell single quotes
        end = len(text) if found < 0 else found
    return min(end + 1, len(text)), "string"


def _verbatim_end(text: str, after: int) -> int:
    """C#'s `@"…"`: a doubled quote is a quote; newlines allowed."""
    pos = after
    while True:
        found = text.find('"', pos)
        if found < 0:
            return len(text)
        if text.startswith('""', found):
            pos = found + 2
            continue
        return found + 1


# --------------------------------------------------------------------------- depth


def _depths(clean: list[str], dialect: str) -> list[tuple[int, int]] | None:
    """(depth at start, depth at end) of each line, or None when brackets do not balance."""
    if dialect == "shell":
        opens, closes = "{", "}"
    elif dialect == "sql":
        opens, closes = "(", ")"
    else:
        opens, closes = "{([", "})]"
    depth = 0
    found: list[tuple[int, int]] = []
    for line in clean:
        before = depth
        for char in opens:
            depth += line.count(char)
        for char in closes:
            depth -= line.count(char)
        if depth < 0:
            return None
        found.append((before, depth))
    return found if depth == 0 else None


# --------------------------------------------------------------------------- definitions

_MODIFIERS = (
    r"(?:(?:export|default|declare|abstract|async|public|private|protected|internal|static|final|"
    r"sealed|open|override|virtual|readonly|inline|extern|unsafe|const|data|value|enum|annotation|"
    r"companion|partial|fileprivate|suspend|tailrec|operator|infix|external|lazy|implicit|case|"
    r"pub(?:\([^)]*\))?|mut|synchronized|native|strictfp|transient|volatile|mutating|"
    r"nonmutating|convenience|required|dynamic|@\w+(?:\([^)]*\))?)\s+)*"
)
_NAME = r"([A-Za-z_$][\w$]*)"
_CONTAINER = re.compile(
    _MODIFIERS + r"(?:class|interface|trait|struct|enum|record|object|protocol|extension|"
    r"namespace|module|mod|union)\s+" + _NAME
)
_RUST_IMPL = re.compile(
    _MODIFIERS + r"impl\b\s*(?:<[^{]*?>)?\s*(?:[\w:<>, &']+?\s+for\s+)?&?([\w:]+)"
)
_KEYWORD_FUNCTION = re.compile(
    _MODIFIERS + r"(?:function\*?|fn|fun|func|def|sub|proc)\s+(?:<[^>]*>\s*)?"
    r"(?:\(\s*\w+\s+\*?(\w+)[^)]*\)\s*)?(?:[\w.]+\.)?" + _NAME
)
_TYPE_ALIAS = re.compile(_MODIFIERS + r"(?:type|typealias|using)\s+" + _NAME + r"\b")
_VARIABLE = re.compile(_MODIFIERS + r"(?:const|let|var|val|static)\s+(?:mut\s+)?" + _NAME)
_MACRO = re.compile(r"macro_rules!\s*" + _NAME)
_TYPED_FUNCTION = re.compile(
    r"(?!(?:return|new|else|throw|case|if|while|for|switch|catch|await|yield|delete|goto|do|"
    r"using|typedef|sizeof|elif|echo|print)\b)"
    r"(?:[\w$<>\[\],.*&:?~]+\s+)+[*&]*(~?[A-Za-z_][\w]*(?:::~?[\w]+)*)\s*\("
)
_JS_METHOD = re.compile(
    r"(?:(?:public|private|protected|static|async|readonly|override|abstract|get|set|\*)\s*)*"
    r"(?!(?:if|for|while|switch|catch|return|function|else|do|with|new|await|typeof)\b)"
    r"(#?[A-Za-z_$][\w$]*)\s*(?:<[^()]*>)?\s*\("
)
_GO_GROUP = re.compile(r"(?:import|const|var|type)\s*\(")
_SHELL_FUNCTION = re.compile(r"(?:function\s+([\w.:@-]+)|([\w.:@-]+)\s*\(\s*\))")
_SQL_NAMED = re.compile(
    r"(?:create|alter|drop)\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|unique|materialized|"
    r"unlogged|global|local|virtual|recursive)\s+)*(?:table|view|index|function|procedure|trigger|"
    r"schema|type|sequence|domain|extension|policy|role|database)\s+(?:if\s+(?:not\s+)?exists\s+)?"
    r"(?:concurrently\s+)?([\w.\"`\[\]]+)",
    re.IGNORECASE,
)
_CONTINUATION = (
    "{",
    ".",
    "|",
    "&",
    "+",
    "-",
    "*",
    "/",
    "?",
    ":",
    "=",
    ")",
    "]",
    ">",
    ",",
    "where",
    "throws",
    "extends",
    "implements",
    "->",
    "=>",
    "with",
)
_ATTRIBUTE = ("@", "#[", "#![", "[")
_OPEN_ENDED = ("=", ",", "+", "(", "&&", "||", "=>", "->", ":", "?", "|", ".")
"""A line ending so continues on the next one."""
_VARIABLE_DIALECTS = frozenset({"js", "go", "rust", "kotlin", "scala", "swift", "php"})
MAX_NESTING = 3
"""Deepest container nesting whose members are scanned (`namespace` > `class` > method)."""


def _definition_name(text: str, dialect: str, member: bool) -> tuple[str, bool] | None:
    """(name, is container) of a line that starts a definition, or None (only the line's first
    `HEADER` characters are read, which bounds the regexes' work on hostile lines)."""
    text = text[:HEADER]
    if dialect == "shell":
        match = None if member else _SHELL_FUNCTION.match(text)
        return ((match.group(1) or match.group(2)), False) if match else None
    if dialect == "rust":
        impl = _RUST_IMPL.match(text)
        if impl:
            return impl.group(1).split("::")[-1], True
        macro = _MACRO.match(text)
        if macro:
            return macro.group(1), False
    container = _CONTAINER.match(text)
    if container and not (dialect == "rust" and member):
        return container.group(1), True
    function = _KEYWORD_FUNCTION.match(text)
    if function:
        receiver, name = function.group(1), function.group(2)
        return (f"{receiver}.{name}" if receiver else name), False
    alias = _TYPE_ALIAS.match(text)
    if alias and "(" not in text.split("=", 1)[0]:
        return alias.group(1), False
    variable = _VARIABLE.match(text) if dialect in _VARIABLE_DIALECTS else None
    if variable:
        return variable.group(1), False
    typed = _TYPED_FUNCTION.match(text)
    if typed and dialect in ("c", "java", "csharp", "php", "kotlin", "scala", "swift"):
        return typed.group(1).replace("::", "."), False
    if member and dialect == "js":
        method = _JS_METHOD.match(text)
        if method:
            return method.group(1), False
    return None


class _Scanner:
    """Finds definitions over clean lines with their depths."""

    def __init__(
        self, lines: list[str], clean: list[str], depths: list[tuple[int, int]], dialect: str
    ) -> None:
        self.lines = lines
        self.clean = clean
        self.depths = depths
        self.dialect = dialect
        self.starts: list[int] = []

    def outline(self) -> Outline:
        if self.dialect == "sql":
            return Outline(self._statements(), self.starts)
        definitions = self._scan(0, len(self.lines) - 1, 0, "")
        return Outline(definitions, _statement_starts(self.clean))

    def _scan(self, first: int, last: int, depth: int, prefix: str) -> list[Definition]:
        """Definitions among lines first..last (0-based) that start at `depth`."""
        found: list[Definition] = []
        previous_end = first - 1
        index = first
        while index <= last:
            text = self.clean[index].strip()
            if not text or self.depths[index][0] != depth:
                index += 1
                continue
            named = _definition_name(text, self.dialect, member=bool(prefix))
            if named is None:
                index += 1
                continue
            name, container = named
            end = min(self._statement_end(index, depth, last), last)
            start = self._attached_above(index, depth, previous_end)
            definition = Definition(prefix + name, start + 1, end + 1, container, head=index + 1)
            if container and end > index and depth + 1 < MAX_NESTING:
                definition.members = self._scan(index + 1, end, depth + 1, prefix + name + ".")
            found.append(definition)
            previous_end = end
            index = end + 1
        return found

    def _statement_end(self, index: int, depth: int, last: int) -> int:
        """The last line of the statement starting at `index` (0-based)."""
        for current in range(index, last + 1):
            if self.depths[current][1] > depth:
                continue
            text = self.clean[current].rstrip()
            if not text and current > index:
                continue  # inside a multi-line string or comment
            if self.depths[current][1] < depth or text.endswith(("}", ";")):
                return current
            if text.endswith(_OPEN_ENDED):
                continue
            if self.dialect == "shell" and current > index:
                return current
            following = self._next_code(current + 1, last)
            if following is None or not self._continues(following, index, depth):
                return current
        return last

    def _next_code(self, index: int, last: int) -> int | None:
        while index <= last:
            if self.clean[index].strip():
                return index
            if not self.lines[index].strip():
                return None  # a blank line ends a statement that has no braces
            index += 1
        return None

    def _continues(self, index: int, start: int, depth: int) -> bool:
        text = self.clean[index].lstrip()
        if self.depths[index][0] > depth:
            return True
        if text.startswith(_CONTINUATION):
            return True
        return _indent(self.lines[index]) > _indent(self.lines[start])

    def _attached_above(self, index: int, depth: int, previous_end: int) -> int:
        """The first line of a definition: comments, decorators and attributes right above it."""
        start = index
        above = index - 1
        while above > previous_end:
            text = self.clean[above].strip()
            original = self.lines[above].strip()
            if not original:
                break
            if not text or (self.depths[above][0] == depth and text.startswith(_ATTRIBUTE)):
                start = above
                above -= 1
                continue
            head = above
            while head > previous_end and self.depths[head][0] > depth:
                head -= 1
            if head < above and head > previous_end and self.clean[head].lstrip().startswith("@"):
                start = head
                above = head - 1
                continue
            break
        return start

    def _statements(self) -> list[Definition]:
        """SQL: each statement (to its `;`) is a unit, named after the object it creates."""
        found: list[Definition] = []
        index, last = 0, len(self.lines) - 1
        previous_end = -1
        while index <= last:
            if not self.clean[index].strip():
                index += 1
                continue
            self.starts.append(index + 1)
            end = index
            while end < last and not _ends_statement(self.clean[end], self.depths[end][1]):
                end += 1
            head = " ".join(self.clean[index : min(end, index + 3) + 1])
            named = _SQL_NAMED.search(head)
            name = named.group(1).strip('"`[]') if named else f"statement {index + 1}"
            start = self._attached_above(index, 0, previous_end)
            found.append(Definition(name if named else "\0" + name, start + 1, end + 1))
            previous_end = end
            index = end + 1
        return found


def _statement_starts(clean: list[str]) -> list[int]:
    """1-based lines where a statement starts: the first code after `;`, `{` or `}`."""
    starts: list[int] = []
    ended = True
    for number, line in enumerate(clean, 1):
        text = line.strip()
        if not text:
            continue
        if ended:
            starts.append(number)
        ended = text.endswith((";", "{", "}"))
    return starts


def _ends_statement(clean: str, depth: int) -> bool:
    return depth == 0 and clean.rstrip().endswith(";")


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())
