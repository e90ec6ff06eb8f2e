"""Tests of syntax-aware cutting beyond Python (`core/outline.py` through `cut_chunks`): brace
languages, shell and SQL on real git repos, and hostile text that must neither crash nor hang."""

from __future__ import annotations

import pytest

from reviewtui.config import ChunkSettings
from reviewtui.core.chunks import cut_chunks, scanned_outline
from reviewtui.core.gitrange import open_repo, resolve_phase
from reviewtui.core.models import Chunk
from reviewtui.core.outline import clean_text, dialect_for, scan_outline
from tests.gitrepo import GitRepo


def cut_file(repo: GitRepo, path: str, before: str, after: str, max_lines: int = 40) -> list[Chunk]:
    repo.write(path, before)
    base = repo.commit("base")
    repo.write(path, after)
    head = repo.commit("phase")
    phase = resolve_phase(open_repo(repo.root), f"{base}..{head}", None)
    return cut_chunks(phase.files, phase.commits, ChunkSettings(max_lines=max_lines))


def added_file(repo: GitRepo, path: str, text: str) -> list[Chunk]:
    repo.write("README.md", "x\n")
    base = repo.commit("base")
    repo.write(path, text)
    head = repo.commit("phase")
    phase = resolve_phase(open_repo(repo.root), f"{base}..{head}", None)
    return cut_chunks(phase.files, phase.commits, ChunkSettings())


TYPESCRIPT = """\
import { Repo } from "./repo";

// Loans owned by members.
export class LoanService {
  private items: string[] = [];

  constructor(private repo: Repo) {}

  async borrow(id: string): Promise<void> {
    const note = `borrowing ${id} {`;
    if (id) {
      this.items.push(note);
    }
  }

  count(): number {
    return this.items.length;
  }
}

export const overdue = (days: number) => {
  return days > 14;
};

export function fine(days: number): number {
  return days * 0.5;
}
"""

RUST = """\
use std::fmt;

#[derive(Debug)]
pub struct Store {
    items: Vec<String>,
}

impl<'a> Store {
    pub fn upsert(&mut self, key: &'a str) -> usize {
        let raw = r#"a { raw "string"#;
        let brace = '{';
        self.items.push(key.to_string());
        raw.len()
    }

    pub fn len(&self) -> usize
    where
        Self: Sized,
    {
        self.items.len()
    }
}

fn main() {
    println!("}}");
}
"""

GO = """\
package store

import (
\t"fmt"
)

type Store struct {
\titems map[string]int
}

func (s *Store) Upsert(key string) {
\ts.items[key] = 1
\tfmt.Println(`raw {`)
}

func New() *Store {
\treturn &Store{items: map[string]int{}}
}
"""

JAVA = """\
package app;

public class LoanService {
    private int count = 0;

    @Override
    public String toString() {
        return "}";
    }

    public int borrow(String id)
            throws IllegalStateException {
        count += 1;
        return count;
    }
}
"""

CSHARP = """\
namespace Library
{
    public class LoanService
    {
        [Obsolete]
        public int Borrow(string id)
        {
            var text = @"verbatim "" {";
            return text.Length;
        }

        public int Count()
        {
            return 0;
        }
    }
}
"""

KOTLIN = """\
package app

data class Loan(val id: String)

class LoanService(private val repo: Repo) {
    fun borrow(id: String): Loan {
        val note = \"\"\"raw { text\"\"\"
        return Loan(id)
    }

    fun count(): Int {
        return 0
    }
}
"""

C_SOURCE = """\
#include <stdio.h>

/* add two numbers */
static int add(int a, int b)
{
    return a + b;
}

int main(void)
{
    printf("%d }\\n", add(1, 2));
    return 0;
}
"""

SWIFT = """\
import Foundation

struct Store {
    var items: [String] = []

    mutating func upsert(_ key: String) {
        items.append("\\(key) {")
    }

    func count() -> Int {
        return items.count
    }
}
"""

SCALA = """\
object Loans {
  def borrow(id: String): Int = {
    val s = "}"
    1
  }

  def count(): Int = {
    0
  }
}
"""

PHP = """\
<?php
# loans
class LoanService
{
    public function borrow($id)
    {
        return "{$id} }";
    }

    public function count()
    {
        return 0;
    }
}
"""

SHELL = """\
#!/bin/bash
set -euo pipefail

# build the package
build() {
  echo "${#ARGS[@]} {"
}

function deploy {
  cat <<EOF
it's { not code
EOF
}

build
deploy
"""

SQL = """\
-- the loans table
CREATE TABLE loans (
  id INTEGER PRIMARY KEY,
  note TEXT DEFAULT 'a; b ('
);

CREATE INDEX idx_loans_due ON loans (id);

CREATE OR REPLACE VIEW open_loans AS
  SELECT * FROM loans
  WHERE note <> '';
"""

CASES = [
    ("src/loans.ts", TYPESCRIPT, ["LoanService.borrow", "LoanService.count", "overdue", "fine"]),
    ("src/store.rs", RUST, ["Store", "Store.upsert", "Store.len", "main"]),
    ("store/store.go", GO, ["Store", "Store.Upsert", "New"]),
    ("app/LoanService.java", JAVA, ["LoanService.toString", "LoanService.borrow"]),
    ("Library/LoanService.cs", CSHARP, ["Library.LoanService.Borrow", "Library.LoanService.Count"]),
    ("app/Loans.kt", KOTLIN, ["LoanService.borrow", "LoanService.count"]),
    ("src/add.c", C_SOURCE, ["add", "main"]),
    ("Sources/Store.swift", SWIFT, ["Store.upsert", "Store.count"]),
    ("src/Loans.scala", SCALA, ["Loans.borrow", "Loans.count"]),
    ("src/loans.php", PHP, ["LoanService.borrow", "LoanService.count"]),
    ("scripts/build.sh", SHELL, ["build", "deploy"]),
    ("db/schema.sql", SQL, ["loans", "open_loans"]),
]


def _touch_every_definition(text: str, path: str) -> str:
    """Append a marker line inside every definition body (the line before each closing line)."""
    lines = text.split("\n")
    outline = scan_outline(lines, dialect_for(path) or "")
    assert outline is not None
    targets: list[int] = []

    def visit(definitions: list) -> None:  # type: ignore[type-arg]
        for definition in definitions:
            if definition.members:
                visit(definition.members)
            elif definition.end > definition.start:
                targets.append(definition.end - 1)  # 0-based index of the last line

    visit(outline.definitions)
    comment = "-- touched" if path.endswith(".sql") else "# touched"
    if not path.endswith((".sql", ".sh")):
        comment = "/* touched */"
    for index in sorted(targets, reverse=True):
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())] or "  "
        lines.insert(index, indent + comment)
    return "\n".join(lines)


@pytest.mark.parametrize(("path", "text", "symbols"), CASES, ids=[case[0] for case in CASES])
def test_each_definition_is_its_own_chunk(
    git_repo: GitRepo, path: str, text: str, symbols: list[str]
) -> None:
    touched = _touch_every_definition(text, path)
    chunks = cut_file(git_repo, path, text, touched, max_lines=1)  # a class is cut by member
    assert [chunk.symbol for chunk in chunks] == symbols
    assert all(chunk.added == 1 for chunk in chunks)


@pytest.mark.parametrize(("path", "text", "symbols"), CASES, ids=[case[0] for case in CASES])
def test_an_added_file_is_cut_at_its_definitions(
    git_repo: GitRepo, path: str, text: str, symbols: list[str]
) -> None:
    chunks = added_file(git_repo, path, text)
    named = [chunk.symbol for chunk in chunks if chunk.symbol is not None]
    for symbol in symbols:  # a small class stays whole: its chunk is named after the class
        assert any(symbol.startswith(name) for name in named), (symbol, named)
    assert sum(chunk.added for chunk in chunks) == text.count("\n")


def test_a_change_spanning_two_functions_gives_two_chunks(git_repo: GitRepo) -> None:
    before = "function a() {\n  return 1;\n}\nfunction b() {\n  return 2;\n}\n"
    after = "function a() {\n  return 10;\n}\nfunction b() {\n  return 20;\n}\n"
    chunks = cut_file(git_repo, "x.js", before, after)
    assert [chunk.symbol for chunk in chunks] == ["a", "b"]


def test_a_small_class_stays_whole_and_a_large_one_is_cut_by_member(git_repo: GitRepo) -> None:
    touched = _touch_every_definition(JAVA, "A.java")
    [whole] = cut_file(git_repo, "A.java", JAVA, touched)
    assert (whole.symbol, whole.added) == ("LoanService", 2)
    cut = cut_file(git_repo, "B.java", JAVA, touched, max_lines=1)
    assert [chunk.symbol for chunk in cut] == ["LoanService.toString", "LoanService.borrow"]


def test_removed_rust_function_is_named_from_the_old_side(git_repo: GitRepo) -> None:
    after = RUST.replace('fn main() {\n    println!("}}");\n}\n', "")
    chunks = cut_file(git_repo, "src/store.rs", RUST, after)
    assert [(chunk.symbol, chunk.removed) for chunk in chunks] == [("main", 3)]


def test_unbalanced_braces_fall_back_to_text_rules(git_repo: GitRepo) -> None:
    broken = "function a() {\n  return 1;\n\nfunction b() {\n  return 2;\n}\n"
    chunks = added_file(git_repo, "broken.js", broken)
    assert [chunk.symbol for chunk in chunks] == [None]
    assert scanned_outline(broken.split("\n"), "js") is None


@pytest.mark.parametrize(
    ("dialect", "text"),
    [
        ("js", "const s = '{';\nconst t = \"}}\";\nconst u = `${'{'} }`;\n"),
        ("rust", "fn f<'a>(x: &'a str) -> &'a str {\n    let c = '}';\n    x\n}\n"),
        ("c", 'char *s = R"x(}})x";\nint f() { return 0; }\n'),
        ("go", "var s = `\n}\n}\n`\n"),
        ("shell", "echo '}'\necho \"}\"\n# }\ncat <<'X'\n}\nX\n"),
        ("sql", "SELECT '}' ; -- )\nSELECT $$ ( $$;\n"),
    ],
)
def test_braces_in_strings_and_comments_are_not_counted(dialect: str, text: str) -> None:
    assert scan_outline(text.split("\n"), dialect) is not None


@pytest.mark.parametrize("dialect", ["js", "rust", "go", "java", "csharp", "c", "shell", "sql"])
def test_hostile_text_neither_crashes_nor_hangs(dialect: str) -> None:
    hostile = [
        '"' * 20_000,
        "'" * 20_000,
        "`" * 20_000,
        "/*" * 10_000,
        "{" * 10_000,
        "}" * 10_000,
        'r#"' * 5_000,
        "<<EOF " * 5_000,
        "\\" * 20_000,
        "class A {\n" * 3_000 + "}\n" * 3_000,
        "function f() {\n" * 2_000,
        "$$" * 5_000 + "'",
        "\n".join(f"fn f{i}() {{ '{{' }}" for i in range(5_000)),
    ]
    for text in hostile:
        lines = text.split("\n")
        clean = clean_text(text, dialect)
        assert clean.count("\n") == text.count("\n")
        scan_outline(lines, dialect)  # None or an outline; never an exception


def test_deeply_nested_containers_stop_at_a_bounded_depth() -> None:
    text = "class A {\n" * 500 + "  fn x() {}\n" + "}\n" * 500
    outline = scan_outline(text.split("\n"), "rust")
    assert outline is not None
    depth, definitions = 0, outline.definitions
    while definitions:
        depth += 1
        definitions = definitions[0].members
    assert depth <= 3


def test_dialects_by_suffix() -> None:
    assert dialect_for("a/b.tsx") == "js"
    assert dialect_for("x.RS") == "rust"
    assert dialect_for("schema.sql") == "sql"
    assert dialect_for("run.sh") == "shell"
    assert dialect_for("notes.md") is None


def test_an_impl_header_and_its_closing_brace_go_with_their_methods(git_repo: GitRepo) -> None:
    impls = "".join(
        f"impl Store {{\n    pub fn {name}(&self) -> usize {{\n"
        + "".join(f"        let v{i} = {i};\n" for i in range(25))
        + "        0\n    }\n}\n\n"
        for name in ("create", "list")
    )
    chunks = added_file(git_repo, "src/store.rs", "pub struct Store;\n\n" + impls)
    assert [chunk.symbol for chunk in chunks] == ["Store", "Store.create", "Store.list"]
    for chunk in chunks[1:]:
        texts = [line.text for line in chunk.lines if line.text.strip()]
        assert texts[0] == "impl Store {" and texts[-1] == "}"
