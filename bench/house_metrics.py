#!/usr/bin/env python3
"""Line counts per module of `src/` at two commits, for the closing note of issue #15.

Why: "a house the next maintainer can live in" is measured in lines (files over 600,
functions over 80), and the note shows before and after side by side. The script reads
the commits straight from git (`git ls-tree`, `git cat-file`), so it needs no checkout
and works on any two revisions.

    bench/house_metrics.py BEFORE AFTER     # the table (Markdown)
    bench/house_metrics.py --over 80 REV    # functions over 80 lines outside tests

Counting: a module's lines are every line of its `.rs` files (`src/NAME.rs` and
`src/NAME/**`), tests included; files directly in `src/` that are not a module's root
are "top-level files". A function's length is from its `fn` line to its closing brace,
both included; test code (files named `tests.rs`, files under a `tests/` folder, and
`#[cfg(test)]` items) is left out of the longest function. "tests/" is every `.rs` file
under the repository's `tests/` folder.
"""

import re
import subprocess
import sys
from collections import defaultdict

MODULES = ["cli", "config", "dintero", "input", "mapping", "model", "output",
           "pipeline", "plan", "run", "sandbox", "validate"]
TOP = "top-level files"
BIG_FILE = 600


def git(*args):
    return subprocess.run(["git", *args], check=True, capture_output=True).stdout


def files_at(rev, *roots):
    """Every `.rs` file under `roots` at `rev`, with its text."""
    names = [n for n in git("ls-tree", "-r", "--name-only", rev, "--", *roots)
             .decode().splitlines() if n.endswith(".rs")]
    if not names:
        return {}
    batch = "".join(f"{rev}:{n}\n" for n in names).encode()
    out = subprocess.run(["git", "cat-file", "--batch"], input=batch, check=True,
                         capture_output=True).stdout
    texts, pos = {}, 0
    for n in names:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        start = header_end + 1
        texts[n] = out[start:start + size].decode("utf-8", "replace")
        pos = start + size + 1
    return texts


def module_of(path):
    rest = path[len("src/"):]
    if "/" in rest:
        return rest.split("/", 1)[0]
    stem = rest[:-3]
    return stem if stem in MODULES else TOP


def code_only(text):
    """The text with comments, strings and char literals blanked (newlines kept), so
    that braces can be matched."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


FN = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?"
                r"(?:extern\s+\"[^\"]*\"\s+)?fn\s+(\w+)")
CFG_TEST = re.compile(r"^\s*#\[cfg\((?:all\()?test")


def block_end(lines, start):
    """The line index where the item starting at `start` closes (`;` before any `{`:
    the same line)."""
    depth, opened = 0, False
    for k in range(start, len(lines)):
        for ch in lines[k]:
            if ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
                if opened and depth == 0:
                    return k
            elif ch == ";" and not opened and depth == 0:
                return k
    return len(lines) - 1


def functions(path, text):
    """(name, first line, length) of every non-test function of a file."""
    if path.endswith("/tests.rs") or "/tests/" in path:
        return []
    lines = code_only(text).split("\n")
    test_lines = set()
    for k, line in enumerate(lines):
        if CFG_TEST.match(line):
            test_lines.update(range(k, block_end(lines, k + 1) + 1))
    found = []
    for k, line in enumerate(lines):
        m = FN.match(line)
        if not m or k in test_lines:
            continue
        end = block_end(lines, k)
        if "{" not in "".join(lines[k:end + 1]):
            continue  # a declaration in a trait: no body
        found.append((m.group(1), k + 1, end - k + 1))
    return found


def measure(rev):
    src = files_at(rev, "src")
    tests = files_at(rev, "tests")
    lines, longest, big = defaultdict(int), {}, []
    for path, text in src.items():
        mod = module_of(path)
        count = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        lines[mod] += count
        if count > BIG_FILE:
            big.append((path, count))
        for name, _, length in functions(path, text):
            if mod not in longest or length > longest[mod][1]:
                longest[mod] = (f"{path[len('src/'):]}::{name}", length)
    test_total = sum(t.count("\n") for t in tests.values())
    return {"lines": lines, "longest": longest, "big": sorted(big),
            "tests": test_total, "total": sum(lines.values())}


def table(before_rev, after_rev):
    b, a = measure(before_rev), measure(after_rev)
    mods = [m for m in MODULES + [TOP] if m in b["lines"] or m in a["lines"]]
    mods += sorted((set(b["lines"]) | set(a["lines"])) - set(mods))
    short = lambda rev: git("rev-parse", "--short", rev).decode().strip()
    print(f"before {short(before_rev)}, after {short(after_rev)}\n")
    print("| module | lines before | lines after | longest function before | longest function after |")
    print("|---|---:|---:|---|---|")
    for m in mods:
        lb, la = b["longest"].get(m), a["longest"].get(m)
        fmt = lambda f: f"{f[0]} ({f[1]})" if f else "-"
        print(f"| {m} | {b['lines'].get(m, 0):,} | {a['lines'].get(m, 0):,} | {fmt(lb)} | {fmt(la)} |")
    print(f"| **src total** | {b['total']:,} | {a['total']:,} | | |")
    print(f"| files over {BIG_FILE} lines | {len(b['big'])} | {len(a['big'])} | | |")
    print(f"| tests/ total | {b['tests']:,} | {a['tests']:,} | | |")
    for label, m in (("before", b), ("after", a)):
        if m["big"]:
            print(f"\nfiles over {BIG_FILE} lines {label}: " +
                  ", ".join(f"{p} ({n})" for p, n in m["big"]))


def over(limit, rev):
    for path, text in sorted(files_at(rev, "src").items()):
        raw = text.split("\n")
        for name, first, length in functions(path, text):
            if length > limit:
                # The comment a long function must carry: an allow with its reason
                # (or a comment) in the lines just above it.
                above = "\n".join(raw[max(0, first - 6):first - 1])
                why = "says why" if ("too_many_lines" in above or "//" in above) else "NO REASON"
                print(f"{path}:{first} {name} {length} lines ({why})")


def main(argv):
    if len(argv) == 3 and argv[0] == "--over":
        over(int(argv[1]), argv[2])
    elif len(argv) == 2:
        table(argv[0], argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
