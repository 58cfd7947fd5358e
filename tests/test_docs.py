"""The documentation runs as written, and stays for users.

Every ```python block of README.md and docs/*.md is executed: a file's blocks in
order, in one namespace (as a reader would type them), in a fresh folder that holds
a copy of ``seeds/`` and nothing else. Also: the README's length, no temporary-folder
paths anywhere in the project's text, and the helper benchmarks use to rewrite
their pages (``benchmarks/docpage.py``).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import traceback
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 250
#: Opening line of a Python block (indented blocks in lists count too) and its close.
PYTHON_FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*$")
#: Folders and files whose text must not name the temporary folder.
CHECKED = ["README.md", "docs", "arsearch", "benchmarks", "tools", "tests"]
#: The temporary folder's path, built so that this file does not contain it.
TMP_PATH = "/".join(["", "tmp", ""])
#: Each benchmark's page and the figures blocks it may rewrite ("" is a page's only one).
FIGURES_BLOCKS = {
    "relevance.md": ["test", "dev"],
    "extraction.md": ["entities", "dates", "cost"],
    "ingest.md": ["corpus", "sizes"],
    "query.md": [""],
    "faults.md": ["kill", "concurrent"],
    "facets.md": [""],
    "names.md": [""],
    "cluster.md": [""],
}


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(line number of the first code line, code) of each ```python block in a file."""
    blocks: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = PYTHON_FENCE.match(lines[i])
        i += 1
        if not opening:
            continue
        indent, start, code = opening["indent"], i, []
        while i < len(lines) and lines[i].strip() != "```":
            code.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1  # the closing fence
        blocks.append((start + 1, "\n".join(code) + "\n"))
    return blocks


def doc_id(path: Path) -> str:
    """A file's path relative to the repository, for test ids and messages."""
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("doc", [d for d in DOC_FILES if python_blocks(d)], ids=doc_id)
def test_python_blocks_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python block of the file runs, in order, in one namespace."""
    blocks = python_blocks(doc)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__main__"}
    failures = []
    for line, code in blocks:
        # Padding with newlines makes tracebacks give the line in the Markdown file.
        source = "\n" * (line - 1) + code
        try:
            exec(compile(source, doc_id(doc), "exec"), namespace)
        except Exception:  # every failing block is reported, not just the first
            failures.append(f"{doc_id(doc)}:{line}:\n{traceback.format_exc(limit=-2)}")
    assert not failures, "\n".join(failures)


def test_python_blocks_are_found() -> None:
    """The README has Python blocks, so the test above checks something."""
    assert len(python_blocks(ROOT / "README.md")) >= 3


def test_readme_is_short() -> None:
    """The README is a user's guide; measurements live in docs/."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def _text_files(entry: Path) -> list[Path]:
    if entry.is_file():
        return [entry]
    return sorted(p for p in entry.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def test_no_temporary_paths() -> None:
    """No one-off paths under the temporary folder in the docs, code, tools or tests."""
    found = []
    for name in CHECKED:
        for path in _text_files(ROOT / name):
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue  # binary files: index fixtures, the tagger's model
            for number, line in enumerate(text.splitlines(), start=1):
                if TMP_PATH in line:
                    found.append(f"{doc_id(path)}:{number}: {line.strip()}")
    assert not found, "temporary paths:\n" + "\n".join(found)


# --- benchmarks/docpage.py ---------------------------------------------------------

@pytest.fixture(scope="module")
def docpage() -> ModuleType:
    """The benchmarks' page-writing helper, imported from its file."""
    spec = importlib.util.spec_from_file_location("docpage", ROOT / "benchmarks" / "docpage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGE = """# Title

<!-- figures:begin one -->
old one
<!-- figures:end one -->

between

<!-- figures:begin two -->
old two
<!-- figures:end two -->
"""


def test_replace_block_only_touches_its_block(docpage: ModuleType) -> None:
    """The named block is replaced; the markers and everything else stay."""
    out = docpage.replace_block(PAGE, "one", "new\nlines\n")
    assert out == PAGE.replace("old one\n", "new\nlines\n")
    assert docpage.replace_block(out, "one", "old one") == PAGE


def test_replace_block_rejects_missing_or_repeated_markers(docpage: ModuleType) -> None:
    """A page without the block's markers, or with two of them, is an error."""
    with pytest.raises(ValueError):
        docpage.replace_block(PAGE, "three", "x")
    with pytest.raises(ValueError):
        docpage.replace_block(PAGE + PAGE, "one", "x")
    with pytest.raises(ValueError):
        docpage.replace_block("<!-- figures:end -->\n<!-- figures:begin -->\n", "", "x")


def test_record_writes_a_successful_run(docpage: ModuleType, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """``record`` passes the output through and writes it, with date, machine and command."""
    (tmp_path / "page.md").write_text(PAGE, encoding="utf-8")
    work = str(Path(docpage.tempfile.gettempdir()) / "work")

    def run() -> int:
        print(f"figures  \nkept in {work}")
        return 0

    status = docpage.record("", "page.md", run, "two", command="python benchmarks/x.py -n 1",
                            docs=tmp_path)
    assert status == 0
    assert "figures" in capsys.readouterr().out
    page = (tmp_path / "page.md").read_text(encoding="utf-8")
    assert "old one" in page and "old two" not in page
    assert "```sh\npython benchmarks/x.py -n 1\n```" in page
    # A checkout directly in the temporary folder names it as the project's parent.
    generic = ("../work" if Path(docpage.tempfile.gettempdir()) == docpage.PROJECT.parent
               else "$TMPDIR/work")
    assert f"```text\nfigures\nkept in {generic}\n```" in page
    assert "cores" in page and "Measured on " in page and TMP_PATH not in page


def test_record_leaves_the_page_after_a_failure(docpage: ModuleType, tmp_path: Path) -> None:
    """A run that fails is not written; a block the page lacks fails before the run."""
    (tmp_path / "page.md").write_text(PAGE, encoding="utf-8")
    assert docpage.record("one", "page.md", lambda: 1, "", docs=tmp_path) == 1
    assert (tmp_path / "page.md").read_text(encoding="utf-8") == PAGE
    ran = []
    with pytest.raises(ValueError):
        docpage.record("three", "page.md", lambda: ran.append(1) or 0, "", docs=tmp_path)
    assert not ran
    assert docpage.record(None, "page.md", lambda: 0, "one", docs=tmp_path) == 0
    assert (tmp_path / "page.md").read_text(encoding="utf-8") == PAGE


@pytest.mark.parametrize(("page", "block"), [
    (page, block) for page, blocks in FIGURES_BLOCKS.items() for block in blocks])
def test_benchmark_pages_have_their_blocks(docpage: ModuleType, page: str, block: str) -> None:
    """Each block a benchmark's ``--write-docs`` writes exists once in its page."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    docpage.replace_block(text, block, "")  # raises if the markers are wrong
