"""Provides the linking benchmark's fixtures: spec files plus an agent-style phase whose true section
is known for every definition, and `build_repo`, which turns one into a real git repository.

Each fixture is a folder under `bench/linking/fixtures/` holding its spec files (at the paths the repo
will have) and `phase.txt`, the code the agent writes, in this format::

    === src/pkg/data.py                 a file of the phase
    --- imports                         the file's import block (no section)
    --- glue                            code nobody asked for (logging, small utilities): no section
    --- 11-source | 1.1: read the data  code for section `11-source`, with its commit subject
    --- 11-source                       more code for the same section (same commit)

Modes (how the agent left its work):
- `content`: nothing committed, no references in the code — content alone must carry the link;
- `commits`: one commit per section, with the subject the fixture's author wrote (it may name the task
  or only describe the work);
- `named`: the same commits, each subject starting with the id of its task or section (`2.1: …`);
- `convention`: what `reviewtui init` asks for — `Spec:` trailers and `# spec:` comments.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
"""The tuning set: fixtures the engine's rules were developed against."""
HELDOUT = Path(__file__).parent / "heldout"
"""The held-out set: fixtures written afterwards by someone who had not read the engine, measured
as they were first written (see README.md)."""
SETS = {"tuning": FIXTURES, "heldout": HELDOUT}
MODES = ("content", "commits", "named", "convention")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)*)\b")
_COMMENT = {
    ".py": "#",
    ".yaml": "#",
    ".yml": "#",
    ".toml": "#",
    ".sh": "#",
    ".js": "//",
    ".ts": "//",
    ".tsx": "//",
    ".rs": "//",
    ".go": "//",
    ".java": "//",
    ".sql": "--",
}


@dataclass
class Definition:
    """One piece of the phase's code, with the section it truly implements."""

    path: str
    truth: str | None
    kind: str
    """`code`, `glue` or `imports`."""
    text: str
    subject: str | None = None


@dataclass
class Fixture:
    name: str
    folder: Path
    spec_files: list[str]
    definitions: list[Definition] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(definition.path for definition in self.definitions))


@dataclass
class DefinitionSpan:
    first: int
    last: int
    definition: Definition


def fixture_names(root: Path = FIXTURES) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "phase.txt").is_file())


def load_fixture(name: str, root: Path = FIXTURES) -> Fixture:
    folder = root / name
    specs = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.md") if p.is_file())
    fixture = Fixture(name, folder, specs)
    path = ""
    for block in re.split(r"^(?==== |--- )", (folder / "phase.txt").read_text("utf-8"), flags=re.M):
        header, _, body = block.partition("\n")
        if header.startswith("=== "):
            path = header[4:].strip()
        elif header.startswith("--- "):
            fixture.definitions.append(_definition(path, header[4:], body))
    return fixture


def _definition(path: str, header: str, body: str) -> Definition:
    label, _, subject = (part.strip() for part in header.partition("|"))
    text = body.strip("\n")
    if label in ("glue", "imports"):
        return Definition(path, None, label, text, subject or None)
    return Definition(path, label, "code", text, subject or None)


def _git(root: Path, *args: str) -> str:
    env_args = ["-c", "user.name=Agent", "-c", "user.email=agent@example.invalid"]
    env_args += [
        "-c",
        "commit.gpgsign=false",
        "-c",
        "core.autocrlf=false",
        "-c",
        "core.hooksPath=/dev/null",
    ]
    result = subprocess.run(
        ["git", *env_args, *args], cwd=root, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def compose(
    fixture: Fixture, path: str, included: set[int], comments: dict[int, str]
) -> tuple[str, list[DefinitionSpan]]:
    """The text of one file made of the included definitions, and where each one sits (1-based)."""
    lines: list[str] = []
    spans: list[DefinitionSpan] = []
    for number, definition in enumerate(fixture.definitions):
        if definition.path != path or number not in included:
            continue
        if lines:
            lines.append("")
        first = len(lines) + 1
        if number in comments:
            indent = len(definition.text) - len(definition.text.lstrip())
            lines.append(" " * indent + comments[number])
        lines.extend(definition.text.splitlines())
        spans.append(DefinitionSpan(first, len(lines), definition))
    return "\n".join(lines) + "\n", spans


def commit_groups(fixture: Fixture) -> list[list[int]]:
    """Definition numbers grouped by the commit an agent would make (one per section, in order);
    imports and glue go with the next section's code in the same file (else the previous one)."""
    owner: dict[int, str] = {}
    for number, definition in enumerate(fixture.definitions):
        owner[number] = definition.truth or _neighbour_truth(fixture, number)
    order = list(dict.fromkeys(owner.values()))
    return [[n for n in owner if owner[n] == key] for key in order]


def _neighbour_truth(fixture: Fixture, number: int) -> str:
    path = fixture.definitions[number].path
    same_file = [(n, d) for n, d in enumerate(fixture.definitions) if d.path == path and d.truth]
    later = [d.truth for n, d in same_file if n > number]
    earlier = [d.truth for n, d in same_file if n < number]
    anywhere = [d.truth for d in fixture.definitions if d.truth]
    return (later or earlier[::-1] or anywhere)[0] or ""


def spec_ref(spec_sections: dict[str, tuple[str | None, str]], section_id: str) -> str:
    """How an agent names a section: its task id, else its heading number, else its id."""
    task_id, title = spec_sections.get(section_id, (None, section_id))
    if task_id:
        return task_id
    number = _NUMBER.match(title)
    return number.group(1) if number else section_id


def build_repo(
    fixture: Fixture, root: Path, mode: str, spec_sections: dict[str, tuple[str | None, str]]
) -> tuple[str, dict[str, list[DefinitionSpan]]]:
    """Build the fixture's repository in `root`; returns (the phase's range text, spans per file)."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    for spec in fixture.spec_files:
        target = root / spec
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((fixture.folder / spec).read_text("utf-8"), "utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Spec for the next phase")
    base = _git(root, "rev-parse", "HEAD")
    comments = _comments(fixture, spec_sections) if mode == "convention" else {}
    included: set[int] = set()
    for group in (
        commit_groups(fixture) if mode != "content" else [list(range(len(fixture.definitions)))]
    ):
        included.update(group)
        _write(fixture, root, included, comments)
        if mode != "content":
            _git(root, "add", "-A")
            _git(root, "commit", "-q", "-m", _message(fixture, group, mode, spec_sections))
    spans = {path: compose(fixture, path, included, comments)[1] for path in fixture.paths}
    return (base if mode == "content" else f"{base}..HEAD"), spans


def _write(fixture: Fixture, root: Path, included: set[int], comments: dict[int, str]) -> None:
    for path in fixture.paths:
        if any(fixture.definitions[n].path == path for n in included):
            text, _ = compose(fixture, path, included, comments)
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")


def _comments(fixture: Fixture, spec_sections: dict[str, tuple[str | None, str]]) -> dict[int, str]:
    comments: dict[int, str] = {}
    for number, definition in enumerate(fixture.definitions):
        marker = _COMMENT.get(Path(definition.path).suffix)
        if definition.truth and marker:
            comments[number] = f"{marker} spec: {spec_ref(spec_sections, definition.truth)}"
    return comments


def _message(
    fixture: Fixture, group: list[int], mode: str, spec_sections: dict[str, tuple[str | None, str]]
) -> str:
    code = [fixture.definitions[n] for n in group if fixture.definitions[n].kind == "code"]
    if not code:
        return "Add helpers"
    truth = code[0].truth or ""
    ref = spec_ref(spec_sections, truth)
    subject = next((d.subject for d in code if d.subject), None) or f"{ref}: implement {truth}"
    if mode == "convention":
        return f"{subject}\n\nSpec: {ref}\n"
    if mode == "named" and ref not in subject:
        return f"{ref}: {subject}"
    return subject


def validate(root: Path, names: list[str] | None = None, show_sections: bool = False) -> list[str]:
    """Check that every fixture parses and that every true section exists in its spec, without
    linking anything (a fixture author can check their work without seeing the engine's results)."""
    from reviewtui.core.spec import load_spec

    problems: list[str] = []
    for name in names or fixture_names(root):
        fixture = load_fixture(name, root)
        spec = load_spec(fixture.folder, fixture.spec_files)
        kinds = [d.kind for d in fixture.definitions]
        print(
            f"{name}: {len(spec.sections)} sections in {len(fixture.spec_files)} spec file(s);"
            f" {kinds.count('code')} code, {kinds.count('glue')} glue,"
            f" {kinds.count('imports')} import definitions in {len(fixture.paths)} file(s)"
        )
        if show_sections:
            for section in spec.sections:
                print(f"    {section.id:<32} {section.kind:<8} {section.title}")
        for definition in fixture.definitions:
            if definition.truth is not None and definition.truth not in spec:
                problems.append(
                    f"{name}: {definition.path}: unknown section id {definition.truth!r}"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Validate linking fixtures (no linking is run).")
    parser.add_argument("--set", choices=sorted(SETS), default="tuning", dest="fixture_set")
    parser.add_argument("--root", type=Path, help="a folder of fixtures outside the two sets")
    parser.add_argument("--sections", action="store_true", help="list every section id")
    parser.add_argument("fixtures", nargs="*")
    args = parser.parse_args(argv)
    root = args.root or SETS[args.fixture_set]
    problems = validate(root, args.fixtures or None, args.sections)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
