#!/usr/bin/env python3
"""Fails on import cycles between the files of one folder under runtime/src and macros/src.

In each folder the nodes are its files and its child folders (a child folder, together with the
`name.rs` beside it, is one node); for `runtime/src` these are the crate's top-level modules.
`lib.rs` is the crate root, not a module: `crate::Span` (a root re-export) is no edge.

An edge is a path in code (comments and string literals are blanked first) that starts with
`crate::`, `super::` or `self::`, in a `use` or anywhere else, resolved from the module it is
written in (inline `mod tests { … }` and `#[path]` modules included) to the file that defines
its longest existing module prefix. Paths relative to a child module (`use child::x` in
`mod.rs`) are not read: they are how a folder exposes its own files.

Usage: .ci/cycles.py [repository root]    or    .ci/cycles.py --self-test
"""

import re
import sys
import tempfile
from pathlib import Path

CRATES = ("runtime/src", "macros/src")

# A comment, a (raw, byte) string literal or a char literal; lifetimes are left alone.
LITERAL = re.compile(
    r"""//[^\n]*|/\*|b?r(\#*)"(?:.|\n)*?"\1|b?"(?:\\.|[^"\\])*"|b?'(?:\\u\{\w+\}|\\.|[^'\\\n])'"""
)
TOKEN = re.compile(
    r"\bmod\s+(\w+)\s*\{|[{}]|(?<![\w:])(?<!\bin )(crate|super|self)\s*::"
)
SEGMENT, SEP, CLOSE = re.compile(r"\s*(\w+|\*|\{)"), re.compile(r"\s*::"), re.compile(r"\s*\}")
NEXT_TREE = re.compile(r"\s*(?:as\s+\w+)?\s*,?")
PATH_MOD = re.compile(
    r'#\[path\s*=\s*"([^"]+)"\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;'
)


def blank(text):
    """The code with comments and literals replaced by spaces (newlines kept, for line numbers)."""
    out, pos = [], 0
    while m := LITERAL.search(text, pos):
        out.append(text[pos : m.start()])
        end = m.end()
        if m.group() == "/*":  # block comments nest
            depth = 1
            while depth and end < len(text):
                if text.startswith("/*", end):
                    depth, end = depth + 1, end + 2
                elif text.startswith("*/", end):
                    depth, end = depth - 1, end + 2
                else:
                    end += 1
        out.append(re.sub(r"[^\n]", " ", text[m.start() : end]))
        pos = end
    return "".join(out) + text[pos:]


def use_tree(code, pos):
    """The paths of the use tree (or plain path) at `pos`, as segment lists, and where it ends."""
    segments = []
    while True:
        m = SEGMENT.match(code, pos)
        if not m:
            return [segments], pos
        if m.group(1) != "{":
            segments.append(m.group(1))
            pos = m.end()
        else:
            paths, pos = [], m.end()
            while not (close := CLOSE.match(code, pos)):
                tails, end = use_tree(code, pos)
                paths += [segments + tail for tail in tails]
                end = NEXT_TREE.match(code, end).end()
                if end == pos:  # not a use tree after all
                    return paths, pos
                pos = end
            return paths, close.end()
        sep = SEP.match(code, pos)
        if not sep:
            return [segments], pos
        pos = sep.end()


def references(code, module):
    """(line, absolute path) for each crate/super/self path in `code`, written in `module`."""
    inline = []  # (name, brace depth) of the inline modules we are in
    depth, pos = 0, 0
    while m := TOKEN.search(code, pos):
        pos = m.end()
        if m.group(1):
            inline.append((m.group(1), depth))
            depth += 1
        elif m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth -= 1
            if inline and inline[-1][1] == depth:
                inline.pop()
        else:
            paths, pos = use_tree(code, pos)
            here = list(module) + [name for name, _ in inline]
            for tail in paths:
                path = [m.group(2)] + tail
                base = [] if path[0] == "crate" else here
                while path and path[0] in ("crate", "self", "super"):
                    base = base[:-1] if path.pop(0) == "super" else base
                yield code.count("\n", 0, m.start()) + 1, base + path


def modules(root):
    """Every file of the crate at `root`, by its module path (the root file has the path ())."""
    by_path = {}
    for file in sorted(root.rglob("*.rs")):
        parts = file.relative_to(root).with_suffix("").parts
        by_path[() if parts == ("lib",) else parts[:-1] if parts[-1] == "mod" else parts] = file
    by_file = {file.resolve(): path for path, file in by_path.items()}
    for module, file in by_path.items():  # `#[path = "x_tests.rs"] mod tests;`
        for target, name in PATH_MOD.findall(file.read_text()):
            by_file[(file.parent / target).resolve()] = module + (name,)
    return {path: file for file, path in by_file.items()}


def edges(root):
    """{(from file, to file): first line} for the crate at `root`; the root file is left out."""
    files = modules(root)
    found = {}
    for module, file in files.items():
        for line, path in references(blank(file.read_text()), module):
            prefix = max((p for p in files if tuple(path[: len(p)]) == p), key=len)
            if module and prefix and files[prefix] != file:
                found.setdefault((file, files[prefix]), line)
    return found


def node(folder, file):
    """The node of `file` in `folder`'s graph: its name there, or None when it is outside."""
    if file.parent == folder.parent and file.stem == folder.name:  # `client.rs` by `client/`
        return "../" + file.stem
    if not file.is_relative_to(folder):
        return None
    first = file.relative_to(folder).parts[0]
    return first if first != file.name else file.stem


def cycles(graph):
    """Every elementary cycle, each once, starting from its smallest node."""
    found = []

    def walk(path):
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == path[0]:
                found.append(path + [nxt])
            elif nxt > path[0] and nxt not in path:
                walk(path + [nxt])

    for start in sorted(graph):
        walk([start])
    return found


def check(repo):
    """The cycles (each edge with a place it is written) and the number of folders and edges."""
    reports, folders, edge_count = [], 0, 0
    for crate in CRATES:
        root = (repo / crate).resolve()
        crate_edges = edges(root)
        for folder in [root] + sorted(d for d in root.rglob("*") if d.is_dir()):
            graph, sites = {}, {}
            for (src, dst), line in crate_edges.items():
                a, b = node(folder, src), node(folder, dst)
                if a and b and a != b:
                    graph.setdefault(a, set()).add(b)
                    sites.setdefault((a, b), f"{src.relative_to(repo.resolve())}:{line}")
            folders += 1
            edge_count += sum(map(len, graph.values()))
            for cycle in cycles(graph):
                name = folder.relative_to(repo.resolve())
                reports.append(f"import cycle in {name}: {' -> '.join(cycle)}")
                reports += [f"    {a} -> {b}: {sites[a, b]}" for a, b in zip(cycle, cycle[1:])]
    return reports, folders, edge_count


def self_test():
    """A tree with one cycle (a -> b -> a, by `crate::` and `super::`) and lookalikes of edges."""
    tree = {
        "runtime/src/lib.rs": "mod a; mod b; mod c; pub use a::X;",
        "runtime/src/a.rs": "use crate::b::Y;\npub struct X;",
        "runtime/src/b/mod.rs": "mod y; pub use y::Y;",
        "runtime/src/b/y.rs": "pub struct Y(super::super::a::X);",
        "runtime/src/c.rs": '//! crate::a::X\n/// crate::b\nconst S: &str = "crate::a";\n'
        "use crate::X;\nfn f<'a>(_: &'a u8) -> char { '\"' }\npub(super) fn g() {}\n"
        "#[cfg(test)]\nmod tests { use super::*; use crate::c::f; }",
        "macros/src/lib.rs": "mod p; mod q;",
        "macros/src/p.rs": "use crate::q::{self, Z};\n/* crate::p /* nested */ crate::p */",
        "macros/src/q.rs": "pub struct Z;",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for path, text in tree.items():
            (Path(tmp) / path).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / path).write_text(text)
        graph = {(s.name, d.name) for s, d in edges((Path(tmp) / "runtime/src").resolve())}
        graph |= {(s.name, d.name) for s, d in edges((Path(tmp) / "macros/src").resolve())}
        expected = {("a.rs", "mod.rs"), ("y.rs", "a.rs"), ("p.rs", "q.rs")}
        assert graph == expected, f"edges {sorted(graph)}, expected {sorted(expected)}"
        reports = check(Path(tmp))[0]
        assert reports[:1] == ["import cycle in runtime/src: a -> b -> a"], reports
        (Path(tmp) / "runtime/src/b/y.rs").write_text("pub struct Y;")
        assert check(Path(tmp))[0] == [], "a cycle was reported in a tree without one"
    print("cycles.py self-test passed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    reports, folders, edge_count = check(Path(sys.argv[1] if sys.argv[1:] else ".").resolve())
    print("\n".join(reports) or f"no import cycles ({folders} folders, {edge_count} edges)")
    sys.exit(1 if reports else 0)
