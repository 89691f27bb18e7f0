"""Build the collection's HTML docsite with antsibull-docs and Sphinx, offline, and check its index.

1. `antsibull-docs sphinx-init --use-current --squash-hierarchy` writes a Sphinx project into
   --src (default .build/docs-src), for the working tree exposed as tanium.threat_response.
2. Its conf.py maps the Ansible docs for intersphinx from the network; this machine has none, so the
   few Ansible labels the generated pages refer to come from a small local inventory instead
   (ANSIBLE_DOCS_LABELS), with their links still pointing at docs.ansible.com.
3. Its build.sh runs antsibull-docs (module, filter, role pages and the user guide from
   docs/docsite) and sphinx-build with warnings as errors.
4. The site's index must link every module, filter, inventory plugin and role of the collection and
   every user guide page; the HTML is then copied to --out (default .build/docs/html).

Run it with the Python of a venv made from docs/requirements.txt (it finds the tools beside it).
"""

from __future__ import annotations

import argparse
import html.parser
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
COLLECTION = "tanium.threat_response"
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
# label -> (page under ANSIBLE_DOCS, title): the labels of the Ansible docsite that antsibull-docs'
# page templates link to. A new one shows up as "undefined label" in the Sphinx build.
ANSIBLE_DOCS_LABELS = {
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings",
                                       "Ansible Configuration Settings"),
    "callback_plugins": ("plugins/callback.html#callback-plugins", "Callback plugins"),
    "collections_keyword": ("collections_guide/collections_using_playbooks.html#using-collections-in-a-playbook",
                            "Using collections in a playbook"),
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values",
                             "Return Values"),
    "list_of_callback_plugins": ("collections/index_callback.html#list-of-callback-plugins",
                                 "Index of all Callback Plugins"),
    "list_of_collections": ("collections/index.html#list-of-collections", "Collection Index"),
    "ansible_collections.ansible.builtin.find_module": ("collections/ansible/builtin/find_module.html",
                                                        "ansible.builtin.find module"),
}
# ansible-core settings the generated pages name as environment variables (the inventory plugin's
# cache options, and its notes): each links to its entry on the configuration settings page.
ANSIBLE_DOCS_ENVVARS = ("ANSIBLE_CACHE_PLUGIN", "ANSIBLE_CACHE_PLUGIN_CONNECTION", "ANSIBLE_CACHE_PLUGIN_PREFIX",
                        "ANSIBLE_CACHE_PLUGIN_TIMEOUT", "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED")


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = set()

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.update(value.split("#")[0] for name, value in attrs if name == "href" and value)


def expected_pages():
    """Every page the index must link: modules, filters, inventory plugins, roles, and the user guide."""
    modules = [f"{path.stem}_module.html" for path in (REPO / "plugins" / "modules").glob("*.py")
               if not path.stem.startswith("_")]
    filters = [f"{path.stem}_filter.html" for path in (REPO / "plugins" / "filter").glob("*.yml")]
    inventories = [f"{path.stem}_inventory.html" for path in (REPO / "plugins" / "inventory").glob("*.py")]
    roles = [f"{path.name}_role.html" for path in (REPO / "roles").iterdir() if (path / "meta" / "argument_specs.yml").exists()]
    index = yaml.safe_load((REPO / "docs" / "docsite" / "extra-docs.yml").read_text())
    guides = [f"docsite/{entry if isinstance(entry, str) else entry['ref']}.html"
              for section in index["sections"] for entry in section["toctree"]]
    return sorted(modules) + sorted(filters) + sorted(inventories) + sorted(roles) + guides


def write_inventory(path):
    """A Sphinx objects.inv (version 2) holding ANSIBLE_DOCS_LABELS and ANSIBLE_DOCS_ENVVARS."""
    lines = "".join(f"{label} std:label -1 {page} {title}\n" for label, (page, title) in sorted(ANSIBLE_DOCS_LABELS.items()))
    lines += "".join(f"{name} std:envvar 1 reference_appendices/config.html#envvar-$ -\n" for name in ANSIBLE_DOCS_ENVVARS)
    header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
    path.write_bytes(header.encode() + zlib.compress(lines.encode()))


def collections_root(build_dir):
    """An ansible_collections tree whose tanium/threat_response is the working tree."""
    root = build_dir / "docs-collections"
    link = root / "ansible_collections" / "tanium" / "threat_response"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(REPO, target_is_directory=True)
    return root


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=REPO / ".build" / "docs-src")
    parser.add_argument("--out", type=Path, default=REPO / ".build" / "docs" / "html")
    args = parser.parse_args(argv)
    tools = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
               ANSIBLE_COLLECTIONS_PATH=str(collections_root(REPO / ".build")), ANSIBLE_NOCOLOR="1")

    shutil.rmtree(args.src, ignore_errors=True)
    args.src.mkdir(parents=True, mode=0o700)  # antsibull-docs refuses a directory others can write to
    subprocess.run([str(tools / "antsibull-docs"), "sphinx-init", "--use-current", "--squash-hierarchy",
                    "--dest-dir", str(args.src), "--project", COLLECTION, "--copyright", "tanium.threat_response maintainers",
                    "--title", f"{COLLECTION} documentation", COLLECTION], env=env, check=True, stdout=subprocess.DEVNULL)
    inventory = args.src / "ansible_devel.inv"
    write_inventory(inventory)
    with open(args.src / "conf.py", "a", encoding="utf-8") as conf:
        conf.write(f"\n# Offline: the Ansible labels come from a local inventory (docs/build_site.py).\n"
                   f"intersphinx_mapping = {{'ansible_devel': ({ANSIBLE_DOCS!r}, {str(inventory)!r})}}\n")
    subprocess.run(["bash", str(args.src / "build.sh")], env=env, check=True)

    html_dir = args.src / "build" / "html"
    links = Links()
    links.feed((html_dir / "index.html").read_text(encoding="utf-8"))
    missing = [page for page in expected_pages() if page not in links.hrefs]
    if missing:
        sys.exit(f"the docsite index does not link: {', '.join(missing)}")
    shutil.rmtree(args.out, ignore_errors=True)
    shutil.copytree(html_dir, args.out)
    print(f"docsite: {args.out / 'index.html'} links {len(expected_pages())} pages")


if __name__ == "__main__":
    main(sys.argv[1:])
