"""The shape of the code base (docs/architecture.md): layers, no import cycles, small files.

Layers, lowest first. A module may import from its own layer's package and from lower layers,
never from a higher one; `events.availability` and `events.items` are siblings that do not import
each other. The layer of a module is that of its longest matching prefix.

    core                      library: SQL helpers, representation, pagination, OpenAPI, base serializers
    accounts                  users, tokens, sessions
    clubs                     clubs, memberships, roles (ClubAccess), visibility SQL fragments
    events.models, events.shapes, events.sql, events.selectors, events.exceptions, events.openapi
                              the Event record and the event reads (visibility applied) the sub-apps build on
    events.availability.models
                              the RSVP record (the notifications app reads who answered)
    notifications             notifications, their kinds, emails, reminders and the worker's jobs:
                              the services above call it to tell people what happened
    webhooks                  a club's webhooks, their signed deliveries (worker jobs) and SSRF
                              rules: the event and RSVP services above call `webhooks.emit`
    events.availability | events.items | clubs.joining
                              RSVPs and seats | items of an event | invitations and join requests
    events                    event lists, detail, writes, calendar, admin (renders RSVP state)
    books                     the reading list, reading entries and `books_read`, the current book
    books.polls               polls, ballots, instant-runoff; closing a book poll may start a book
    audit                     the history of every change (what it tracks), the club activity feed
    web                       the member web app: pages over the services and selectors above
    bookwork                  project shell: settings, URLs, WSGI, middleware, ops commands

Imports are read with `ast` (every `import`, module level or inside a function), so nothing is
imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "accounts", "clubs", "events", "notifications", "webhooks", "books", "audit", "web", "bookwork")
# Each layer is a tuple of groups; a group is the module prefixes of one unit. Modules of one
# group import each other freely; two groups of one layer (siblings) do not.
LAYERS: list[tuple[tuple[str, ...], ...]] = [
    (("core",),),
    (("accounts",),),
    (("clubs",),),
    (("events.models", "events.shapes", "events.sql", "events.selectors", "events.exceptions", "events.openapi"),),
    (("events.availability.models",),),
    (("notifications",),),
    (("webhooks",),),
    (("events.availability",), ("events.items",), ("clubs.joining",)),
    (("events",),),
    (("books",),),
    (("books.polls",),),
    (("audit",),),
    (("web",),),
    (("bookwork",),),
]
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every module of ours that `path` imports (absolute names), migrations included: for
    `from x import y`, the module `x.y` if there is one, else `x`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in PACKAGES)
    return found


def _layer(module: str) -> tuple[int, str] | None:
    """(layer index, group name) of `module`: the group of the longest prefix that names it."""
    best, length = None, -1
    for index, groups in enumerate(LAYERS):
        for group in groups:
            for prefix in group:
                if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > length:
                    best, length = (index, group[0]), len(prefix)
    return best


def _edges() -> list[tuple[str, str]]:
    modules = {_module_name(path): path for path in _source_files()}
    edges = []
    for name, path in modules.items():
        for target in _imports(path, set(modules)):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name:
                edges.append((name, target))
    return sorted(set(edges))


def upward_imports() -> list[tuple[str, str]]:
    """Imports from a lower layer into a higher one, or between sibling groups of one layer."""
    wrong = []
    for source, target in _edges():
        source_layer, target_layer = _layer(source), _layer(target)
        if source_layer is None or target_layer is None:
            continue
        if target_layer[0] > source_layer[0] or (
            target_layer[0] == source_layer[0] and target_layer[1] != source_layer[1]
        ):
            wrong.append((source, target))
    return wrong


def package_cycles() -> list[tuple[str, str]]:
    """Pairs of groups (named by their first prefix) that import each other."""
    pairs = set()
    for source, target in _edges():
        a, b = _layer(source), _layer(target)
        if a and b and a[1] != b[1]:
            pairs.add((a[1], b[1]))
    return sorted((a, b) for a, b in pairs if (b, a) in pairs and a < b)


def test_no_import_runs_up_a_layer():
    assert upward_imports() == []


def test_no_two_packages_import_each_other():
    assert package_cycles() == []


def test_core_imports_no_app():
    offenders = [(s, t) for s, t in _edges() if s.startswith("core") and not t.startswith("core")]
    assert offenders == []


def test_no_source_file_over_400_lines():
    roots = [ROOT / package for package in PACKAGES] + [ROOT / "tests", ROOT / "bench"]
    long = {
        str(path.relative_to(ROOT)): count
        for root in roots
        for path in root.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_checks_see_a_wrong_import(tmp_path, monkeypatch):
    """The checker itself: an import from clubs into events is found, as is a cycle."""
    monkeypatch.setattr(
        "tests.test_architecture._edges",
        lambda: [("clubs.services", "events.models"), ("events.models", "clubs.models")],
    )
    assert upward_imports() == [("clubs.services", "events.models")]
    assert package_cycles() == [("clubs", "events.models")]


def test_views_never_decide_authorization():
    """docs/architecture.md, "Authorization": abilities are asked of `ClubAccess` by services
    (inside their writes, or their `*_check` functions that a view calls before reading a body);
    no view calls an ability itself."""
    asked = []
    for path in _source_files():
        # views.py, or any module of a views package (web/views/).
        if path.name != "views.py" and path.parent.name != "views":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and (node.attr.startswith("can_") or node.attr == "item_edit_scope"):
                asked.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
    assert asked == []


def test_readme_layout_names_every_package():
    """The README's layout table lists every top-level package of the tree, and nothing that is gone."""
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Layout") :].split("\n\n")[1]
    listed = {line.split("`")[1].rstrip("/") for line in table.splitlines() if line.startswith("| `")}
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} | {"tests", "docs"}
    assert packages <= listed
    assert all((ROOT / name).exists() for name in listed)
