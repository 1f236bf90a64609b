#!/usr/bin/env python3
"""Parse-only pass with PyYAML's C loader, for scripts/bench.sh.

    pyyaml_parse.py PATH ...   # files, or folders walked for *.yaml / *.yml (sorted)

Every document of every file is loaded with yaml.load_all(..., Loader=yaml.CSafeLoader) (libyaml
parses, PyYAML builds the Python objects) and dropped; nothing is checked. Prints
`N documents in M files`; exit 2 when a file did not parse (named on stderr, the rest still
counted), like spillway.
"""
import os
import sys

import yaml


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, names in os.walk(p):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.extend(
                    os.path.join(root, n)
                    for n in names
                    if n.endswith((".yaml", ".yml")) and not n.startswith(".")
                )
            yield from sorted(found)
        else:
            yield p


def main(argv):
    if not yaml.__with_libyaml__:
        sys.exit("pyyaml_parse: this PyYAML has no libyaml (C loader); reinstall it with libyaml-dev")
    documents = nfiles = failed = 0
    for path in files(argv or ["."]):
        nfiles += 1
        try:
            with open(path, "rb") as f:
                for _ in yaml.load_all(f, Loader=yaml.CSafeLoader):
                    documents += 1
        except (yaml.YAMLError, OSError) as e:
            failed += 1
            print(f"pyyaml_parse: {path}: {str(e).splitlines()[0]}", file=sys.stderr)
    print(f"{documents} documents in {nfiles} files")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
