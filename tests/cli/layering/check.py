"""The layering of libcore (libcore/README.md), checked from the #include lines.

Usage: check.py ROOT — ROOT holds libcore/DOMAIN/CONCEPT.{hpp,cpp}. Prints one line per
violation and exits 1 when there is any:
- a file includes a domain its own may not (LAYERS below, and redist reaches ticket only
  through ticket/failed);
- a file that is not a CLI (named cli or *_cli) includes CLI11 or libcore/base/cli.hpp;
- concepts include each other in a cycle (a concept is a .hpp/.cpp pair).
"""
import os
import re
import sys

# Each domain and the domains it may include, besides its own.
LAYERS = {
    "base": set(),
    "mail": {"base"},
    "package": {"base"},
    "alert": {"base", "mail"},
    "ticket": {"base", "mail", "alert"},
    "queue": {"base", "mail", "package"},
    "redist": {"base", "mail", "package", "queue", "ticket"},
    "scan": {"base"},
    "fingerprint": {"base", "scan"},
    "rollout": {"base", "mail", "package", "queue", "scan", "fingerprint"},
}
# Where a domain may reach into an otherwise higher or sideways one only through some concepts.
ONLY_THROUGH = {("redist", "ticket"): {"ticket/failed"}}

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def concepts(root):
    found = {}
    base = os.path.join(root, "libcore")
    for domain in sorted(os.listdir(base)):
        folder = os.path.join(base, domain)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            stem, ext = os.path.splitext(name)
            if ext in (".hpp", ".cpp"):
                found.setdefault(f"{domain}/{stem}", []).append(os.path.join(folder, name))
    return found


def main(root):
    problems = []
    graph = {}
    for concept, files in concepts(root).items():
        domain, stem = concept.split("/")
        if domain not in LAYERS:
            problems.append(f"{concept}: libcore/{domain}/ is no known domain (add it to LAYERS)")
            continue
        edges = graph.setdefault(concept, set())
        for path in files:
            rel = os.path.relpath(path, root)
            text = open(path, encoding="utf-8").read()
            for kind, target in INCLUDE.findall(text):
                is_cli = stem == "cli" or stem.endswith("_cli")
                if (target == "CLI/CLI.hpp" or target == "libcore/base/cli.hpp") and not is_cli:
                    problems.append(f"{rel}: includes {target}, but only a domain's cli does")
                if kind != '"' or not target.startswith("libcore/"):
                    continue
                parts = target[len("libcore/"):].rsplit(".", 1)[0].split("/")
                if len(parts) != 2:
                    problems.append(f"{rel}: includes {target}, which is in no domain folder")
                    continue
                other = "/".join(parts)
                if other != concept:
                    edges.add(other)
                if parts[0] == domain:
                    continue
                if parts[0] not in LAYERS.get(domain, set()):
                    problems.append(f"{rel}: includes {target}: {domain} may not include {parts[0]}")
                elif other not in ONLY_THROUGH.get((domain, parts[0]), {other}):
                    allowed = ", ".join(sorted(ONLY_THROUGH[(domain, parts[0])]))
                    problems.append(f"{rel}: includes {target}: {domain} reaches {parts[0]} only through {allowed}")
    # Cycles between concepts: depth-first search, iteratively.
    state = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(child) == 1:
                cycle = path[path.index(child):] + [child]
                problems.append("include cycle: " + " -> ".join(cycle))
            elif not state.get(child) and child in graph:
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
