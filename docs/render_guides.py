"""Render the Markdown user guide (docs/*.md) as the collection's extra docs (docs/docsite/rst/*.rst).

Galaxy, Automation Hub and antsibull-docs take a collection's extra documentation only as
reStructuredText in docs/docsite/rst/, listed in docs/docsite/extra-docs.yml; the guide is written and
reviewed as Markdown, which GitHub shows. Every page that extra-docs.yml lists is rendered from the
Markdown file of the same name, so the two never say different things: `--check` fails when a
committed .rst file is not what its Markdown renders to, or is not listed (`make docs-lint` runs it).

Usage: python docs/render_guides.py [--check]        (needs mistune, from docs/requirements.txt)
"""

from __future__ import annotations

import posixpath
import sys
from pathlib import Path

import mistune
import yaml
from mistune.renderers.rst import RSTRenderer

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
SITE = DOCS / "docsite"
LABEL_PREFIX = "ansible_collections.tanium.threat_response.docsite."
# Links to files of the repository become links to them on the default branch of the repository.
BRANCH = "main"

# RST inline markup must be preceded and followed by one of these (or whitespace), else it is text.
ALLOWED_BEFORE = set("-:/'\"<([{")
ALLOWED_AFTER = set("-.,:;!?\\/'\")]}>")
INLINE_TYPES = {"text", "codespan", "emphasis", "strong", "link", "softbreak", "linebreak"}
MARKUP_TYPES = {"codespan", "emphasis", "strong", "link"}


def guide_names():
    """The pages extra-docs.yml lists, in order: each is docs/<name>.md rendered to docs/docsite/rst/<name>.rst."""
    index = yaml.safe_load((SITE / "extra-docs.yml").read_text())
    return [entry if isinstance(entry, str) else entry["ref"]
            for section in index["sections"] for entry in section["toctree"]]


class GuideRenderer(RSTRenderer):
    """mistune's RST renderer, plus tables, links between guides, and inline markup that stays markup."""

    def __init__(self, page, guides, repository):
        super().__init__()
        self.page = page
        self.guides = guides
        self.repository = repository

    def render_tokens(self, tokens, state):
        pieces = [(token["type"], self.render_token(token, state)) for token in self._visible(tokens)]
        out = ""
        for number, (kind, text) in enumerate(pieces):
            if kind in MARKUP_TYPES and out and not _fits(out[-1], ALLOWED_BEFORE):
                out += "\\ "
            out += text
            following = pieces[number + 1] if number + 1 < len(pieces) else None
            if (kind in MARKUP_TYPES and following and following[0] in INLINE_TYPES and following[1]
                    and not _fits(following[1][0], ALLOWED_AFTER)):
                out += "\\ "
        return out

    def _visible(self, tokens):
        previous = None
        for token in tokens:
            if token["type"] == "blank_line":
                continue
            token["prev"] = previous
            previous = token
            yield token

    def text(self, token, state):
        out = []
        raw = token["raw"]
        for position, char in enumerate(raw):
            following = raw[position + 1] if position + 1 < len(raw) else " "
            # `_` is markup only at the end of a word (a reference); `*`, `|` and backticks always are.
            if char in "\\*|`" or (char == "_" and not (following.isalnum() or following == "_")):
                out.append("\\")
            out.append(char)
        return "".join(out)

    def link(self, token, state):
        # RST cannot nest markup in a link's text: keep only its words.
        label = _plain(token).replace("<", "\\<")
        url = token["attrs"]["url"]
        target, _hash, _fragment = url.partition("#")
        if "://" in url or url.startswith("mailto:"):
            return f"`{label} <{url}>`__"
        if target.endswith(".md") and target[:-3] in self.guides and "/" not in target:
            return f":ref:`{label} <{LABEL_PREFIX}{target[:-3]}>`"
        path = posixpath.normpath(posixpath.join("docs", target))
        if path.startswith(".."):
            raise ValueError(f"docs/{self.page}.md links outside the repository: {url}")
        return f"`{label} <{self.repository}/blob/{BRANCH}/{path}>`__"

    def table(self, token, state):
        rows = []
        for part in token["children"]:
            rows.extend([part] if part["type"] == "table_head" else part["children"])
        lines = [".. list-table::", "   :header-rows: 1", ""]
        for row in rows:
            for number, cell in enumerate(row["children"]):
                text = self.render_tokens(cell["children"], state).strip()
                lines.append(f"   {'* -' if number == 0 else '  -'} {text}".rstrip())
        return "\n".join(lines) + "\n\n"

    def block_code(self, token, state):
        language = (token.get("attrs", {}).get("info") or "text").split()[0]
        body = "\n".join(f"   {line}".rstrip() for line in token["raw"].rstrip("\n").split("\n"))
        return f".. code:: {language}\n\n{body}\n\n"


def _fits(char, allowed):
    return char.isspace() or char in allowed


def _plain(token):
    if "children" in token:
        return "".join(_plain(child) for child in token["children"])
    return token.get("raw", "") if token["type"] != "softbreak" else " "


def render(page, guides, repository):
    """The RST of docs/<page>.md, headed by the label that links to it."""
    markdown = mistune.create_markdown(renderer=GuideRenderer(page, guides, repository), plugins=["table"])
    body = markdown((DOCS / f"{page}.md").read_text())
    return (f".. Generated from docs/{page}.md by docs/render_guides.py: edit the Markdown, then run it again.\n\n"
            f".. _{LABEL_PREFIX}{page}:\n\n{body.rstrip()}\n")


def main(argv):
    check = argv == ["--check"]
    if argv and not check:
        sys.exit(__doc__)
    guides = guide_names()
    repository = yaml.safe_load((REPO / "galaxy.yml").read_text())["repository"].rstrip("/")
    target = SITE / "rst"
    target.mkdir(exist_ok=True)
    wanted = {f"{page}.rst": render(page, guides, repository) for page in guides}
    problems = []
    for name, text in wanted.items():
        path = target / name
        if path.exists() and path.read_text() == text:
            continue
        if check:
            problems.append(f"{path.relative_to(REPO)} is not what docs/{name[:-4]}.md renders to")
        else:
            path.write_text(text)
    for stray in sorted(set(path.name for path in target.glob("*.rst")) - set(wanted)):
        if check:
            problems.append(f"docs/docsite/rst/{stray} is not listed in docs/docsite/extra-docs.yml")
        else:
            (target / stray).unlink()
    if problems:
        sys.exit("\n".join(problems) + "\nRun: python docs/render_guides.py")


if __name__ == "__main__":
    main(sys.argv[1:])
