#!/usr/bin/env python3
"""What people write today to make this edit while keeping comments: ruamel.yaml round-trip.

    ruamel_apply.py [--ecs-label K=V] [--ecs-taint K=V:EFFECT]
                    [--virtual-label K=V] [--virtual-taint K=V:EFFECT] [--diff] PATH ...

The comparison row for `spillway apply --check` in scripts/bench.sh. For every gateway in every
file (folders are walked for *.yaml / *.yml, sorted) it makes the edit docs/apply.md describes,
on the round-trip tree (`YAML(typ='rt')`, quotes preserved):

- the gateways spillway finds by default (src/locate/): ASM `IstioGateway` (`spec`, and each
  `spec.overrides` entry that sets scheduling fields of its own), `IstioOperator` ingress
  gateways (`spec.components.ingressGateways[*].k8s`, unless `enabled: false`), and the
  workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) whose pod labels
  say `istio=ingressgateway` or `app=istio-ingressgateway`; also inside a `kind: List`;
- required node affinity: a term for the ECS label OR a term for the virtual-node label; a near
  miss (the same key, or a key or value within two edits) is repaired in place, a term that ANDs
  both pools is split, a missing term is appended;
- preferred node affinity: ECS weight 80, virtual 20, near misses repaired, missing ones
  appended, inverted weights swapped to 80/20;
- tolerations for the virtual-node taint and the ECS taint, with the same near-miss repair
  (including the published toleration without its key); missing ones appended.

Like spillway, it leaves a gateway alone when a scheduling field has the wrong YAML type or an
edit would change a node that aliases or merge keys share, and leaves required terms with a
requirement the apiserver rejects alone; unlike spillway it does not read
`# spillway: ignore[...]` comments. On the fixtures and the generated tree it changes the same
files as `spillway apply --check`, except those a suppression comment covers.

Check mode: the new text of each edited file is computed in memory (dumped with the file's
indentation step and sequence style) and compared with the old one; nothing is written. Prints
`N files, M would change, E with errors` on stderr; exit 1 when a file would change, 2 when
one could not be read or parsed (like `spillway apply --check`).
"""
import argparse
import difflib
import io
import os
import re
import sys

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


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


def distance(a, b):
    """Levenshtein distance (near misses are within 2)."""
    a, b = str(a), str(b)
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def near(a, b):
    return a is not None and b is not None and distance(a, b) <= 2


class Shared(Exception):
    """An edit would change a node that YAML aliases share."""


class Editor:
    def __init__(self, ecs_label, ecs_taint, virt_label, virt_taint, ecs_weight=80, virt_weight=20):
        self.ecs = (ecs_label, ecs_taint, ecs_weight)
        self.virt = (virt_label, virt_taint, virt_weight)
        self.changed = False
        self.aliased = set()

    # -- small helpers on the round-trip tree ------------------------------------------------
    def set(self, m, k, v):
        if m.get(k) != v:
            self.touch(m)
            m[k] = v
            self.changed = True

    def mapping(self, m, k):
        v = m.get(k)
        if not isinstance(v, dict):
            self.touch(m)
            v = CommentedMap()
            m[k] = v
            self.changed = True
        return v

    def sequence(self, m, k):
        v = m.get(k)
        if not isinstance(v, list):
            self.touch(m)
            v = CommentedSeq()
            m[k] = v
            self.changed = True
        return v

    @staticmethod
    def expr(label):
        key, value = label
        return CommentedMap([("key", key), ("operator", "In"), ("values", CommentedSeq([value]))])

    @staticmethod
    def exprs(term):
        e = term.get("matchExpressions") if isinstance(term, dict) else None
        return e if isinstance(e, list) else []

    @staticmethod
    def selects(e, label):
        return (
            isinstance(e, dict)
            and e.get("key") == label[0]
            and e.get("operator") == "In"
            and isinstance(e.get("values"), list)
            and label[1] in e["values"]
        )

    def term_selects(self, term, label):
        """A term selects a pool: it requires the pool's label and nothing on that key conflicts."""
        es = self.exprs(term)
        if not any(self.selects(e, label) for e in es):
            return False
        return all(
            self.selects(e, label) or not isinstance(e, dict) or e.get("key") != label[0]
            for e in es
        )

    @staticmethod
    def rejected(e):
        """A requirement the apiserver rejects: spillway leaves it (and its term) to the user."""
        if not isinstance(e, dict):
            return True
        op, values = e.get("operator"), e.get("values")
        if op in ("In", "NotIn"):
            return not values
        if op in ("Exists", "DoesNotExist"):
            return bool(values)
        return op not in ("Gt", "Lt")

    @staticmethod
    def wrong_type(spec):
        """A scheduling field of the wrong YAML type: spillway leaves the whole gateway alone."""

        def bad(v, t):
            return v is not None and not isinstance(v, t)

        aff = spec.get("affinity")
        if bad(aff, dict) or bad(spec.get("tolerations"), list):
            return True
        na = (aff or {}).get("nodeAffinity")
        if bad(na, dict):
            return True
        req = (na or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
        prefs = (na or {}).get("preferredDuringSchedulingIgnoredDuringExecution")
        if bad(req, dict) or bad(prefs, list):
            return True
        terms = (req or {}).get("nodeSelectorTerms")
        if bad(terms, list):
            return True
        exprs = [e for t in terms or [] for e in Editor.exprs(t)]
        for p in prefs or []:
            if not isinstance(p, dict) or bad(p.get("weight"), int) or bad(p.get("preference"), dict):
                return True
            exprs.extend(Editor.exprs(p.get("preference")))
        if any(not isinstance(e, dict) or bad(e.get("values"), list) for e in exprs):
            return True
        for t in spec.get("tolerations") or []:
            if not isinstance(t, dict) or any(bad(t.get(k), str) for k in ("key", "operator", "effect")):
                return True
        return False

    def is_miss(self, e, label):
        if not isinstance(e, dict) or self.selects(e, label):
            return False
        key, values = e.get("key"), e.get("values")
        value = values[0] if isinstance(values, list) and values else None
        return key == label[0] or (near(key, label[0]) and (value is None or near(value, label[1])))

    def repair(self, e, label):
        self.set(e, "key", label[0])
        self.set(e, "operator", "In")
        values = e.get("values")
        if not (isinstance(values, list) and list(values) == [label[1]]):
            self.touch(e)
            e["values"] = CommentedSeq([label[1]])
            self.changed = True

    # -- the three parts of the block ---------------------------------------------------------
    def required(self, node_affinity):
        req = self.mapping(node_affinity, "requiredDuringSchedulingIgnoredDuringExecution")
        terms = self.sequence(req, "nodeSelectorTerms")
        ecs, virt = self.ecs[0], self.virt[0]
        if any(self.rejected(e) for t in terms for e in self.exprs(t)):
            return
        # Both pools ANDed in one term select nothing: split the virtual requirement off.
        for term in list(terms):
            es = self.exprs(term)
            v = [e for e in es if self.selects(e, virt)]
            if v and any(self.selects(e, ecs) for e in es):
                self.touch(es)
                self.touch(terms)
                for e in v:
                    es.remove(e)
                terms.append(CommentedMap([("matchExpressions", CommentedSeq(v))]))
                self.changed = True
        for label, other in ((ecs, virt), (virt, ecs)):
            if any(self.term_selects(t, label) for t in terms):
                continue
            miss = next(
                (
                    e
                    for t in terms
                    if not any(self.selects(x, other) for x in self.exprs(t))
                    for e in self.exprs(t)
                    if self.is_miss(e, label)
                ),
                None,
            )
            if miss is not None:
                self.repair(miss, label)
            else:
                self.touch(terms)
                terms.append(CommentedMap([("matchExpressions", CommentedSeq([self.expr(label)]))]))
                self.changed = True

    def preferred(self, node_affinity):
        prefs = self.sequence(node_affinity, "preferredDuringSchedulingIgnoredDuringExecution")
        found = {}
        for pool, other in ((self.ecs, self.virt), (self.virt, self.ecs)):
            label = pool[0]

            def exprs(p):
                return self.exprs(p.get("preference")) if isinstance(p, dict) else []

            hit = next((p for p in prefs if any(self.selects(e, label) for e in exprs(p))), None)
            if hit is None:
                for p in prefs:
                    if any(self.selects(e, other[0]) for e in exprs(p)):
                        continue
                    e = next((e for e in exprs(p) if self.is_miss(e, label)), None)
                    if e is not None:
                        self.repair(e, label)
                        hit = p
                        break
            if hit is None:
                hit = CommentedMap(
                    [
                        ("weight", pool[2]),
                        (
                            "preference",
                            CommentedMap([("matchExpressions", CommentedSeq([self.expr(label)]))]),
                        ),
                    ]
                )
                self.touch(prefs)
                prefs.append(hit)
                self.changed = True
            found[label] = hit
        e, v = found[self.ecs[0]], found[self.virt[0]]
        weights = [p.get("weight") for p in (e, v)]
        if not all(isinstance(w, int) and 1 <= w <= 100 for w in weights) or weights[1] >= weights[0]:
            self.set(e, "weight", self.ecs[2])
            self.set(v, "weight", self.virt[2])

    @staticmethod
    def tolerates(t, taint):
        key, value, effect = taint
        if not isinstance(t, dict):
            return False
        if t.get("effect") not in (None, "", effect):
            return False
        if t.get("key") not in (None, "") and t.get("key") != key:
            return False
        if t.get("key") in (None, "") and t.get("operator") != "Exists":
            return False
        if t.get("operator") == "Exists":
            return True
        return t.get("operator") in (None, "", "Equal") and str(t.get("value", "")) == value

    def tolerations(self, spec):
        tols = self.sequence(spec, "tolerations")
        for taint in (self.virt[1], self.ecs[1]):
            if any(self.tolerates(t, taint) for t in tols):
                continue
            key, value, effect = taint
            miss = next(
                (
                    t
                    for t in tols
                    if isinstance(t, dict)
                    and (
                        t.get("key") == key
                        or near(t.get("key"), key)
                        and near(t.get("value", ""), value)
                        or t.get("key") in (None, "")
                        and t.get("value") == value
                    )
                ),
                None,
            )
            if miss is not None:
                if miss.get("key") in (None, ""):
                    self.touch(miss)
                    miss.pop("key", None)
                    miss.insert(0, "key", key)  # where the published toleration lacks it
                    self.changed = True
                self.set(miss, "key", key)
                self.set(miss, "operator", "Equal")
                self.set(miss, "value", value)
                self.set(miss, "effect", effect)
            else:
                self.touch(tols)
                tols.append(
                    CommentedMap(
                        [("key", key), ("operator", "Equal"), ("value", value), ("effect", effect)]
                    )
                )
                self.changed = True

    def shared_in(self, doc):
        """Containers reached more than once (aliases, merge keys), and every container below."""
        seen, aliased = set(), []
        stack = [doc]
        while stack:
            n = stack.pop()
            if not isinstance(n, (dict, list)):
                continue
            if id(n) in seen:
                aliased.append(n)
                continue
            seen.add(id(n))
            stack.extend(n.values() if isinstance(n, dict) else n)
            stack.extend(getattr(n, "merge", None) or [])  # `<<: *anchor` sources
        self.aliased = set()
        stack = aliased
        while stack:
            n = stack.pop()
            if isinstance(n, (dict, list)) and id(n) not in self.aliased:
                self.aliased.add(id(n))
                stack.extend(n.values() if isinstance(n, dict) else n)

    def touch(self, container):
        """Before changing a container: one that aliases share is not edited (see Shared)."""
        if id(container) in self.aliased:
            raise Shared()

    def pod(self, spec, fields=("affinity", "tolerations")):
        """Makes one pod spec's overflow block right; `fields`: the ones this layer owns. Like
        spillway, a field of the wrong type leaves it alone, and so does an edit of something
        aliases share (the edits made before that one stay: a shortcut spillway does not take)."""
        if self.wrong_type(spec):
            return
        try:
            self._pod(spec, fields)
        except Shared:
            pass

    def _pod(self, spec, fields):
        if "affinity" in fields:
            node_affinity = self.mapping(self.mapping(spec, "affinity"), "nodeAffinity")
            self.required(node_affinity)
            self.preferred(node_affinity)
        if "tolerations" in fields:
            self.tolerations(spec)

    # -- which objects are gateways (src/locate/mod.rs) ----------------------------------------
    def object(self, obj):
        if not isinstance(obj, dict):
            return 0
        kind = obj.get("kind")
        group = str(obj.get("apiVersion", "")).split("/")[0]
        if kind == "List" and isinstance(obj.get("items"), list):
            return sum(self.object(i) for i in obj["items"])
        if kind == "IstioGateway" and group == "istio.alibabacloud.com":
            spec = self.mapping(obj, "spec")
            self.pod(spec)
            n = 1
            overrides = spec.get("overrides")
            entries = (
                overrides
                if isinstance(overrides, list)
                else list(overrides.values()) if isinstance(overrides, dict) else []
            )
            for o in entries:
                own = [
                    f
                    for f in ("affinity", "tolerations")
                    if isinstance(o, dict) and f in o
                ]
                if own:
                    self.pod(o, own)
                    n += 1
            return n
        if kind == "IstioOperator" and group == "install.istio.io":
            gws = obj
            for k in ("spec", "components", "ingressGateways"):
                gws = gws.get(k) if isinstance(gws, dict) else None
            n = 0
            for gw in gws if isinstance(gws, list) else []:
                if isinstance(gw, dict) and gw.get("enabled") is not False:
                    self.pod(self.mapping(gw, "k8s"))
                    n += 1
            return n
        if kind in TEMPLATE_KINDS or kind in ("CronJob", "Pod"):
            path = {
                "Pod": (),
                "CronJob": ("spec", "jobTemplate", "spec", "template"),
            }.get(kind, ("spec", "template"))
            holder = obj
            for k in path:
                holder = holder.get(k) if isinstance(holder, dict) else None
            if not isinstance(holder, dict):
                return 0
            labels = (holder.get("metadata") or {}).get("labels") or {}
            if labels.get("istio") != "ingressgateway" and labels.get("app") != "istio-ingressgateway":
                return 0
            self.pod(self.mapping(holder, "spec"))
            return 1
        return 0


def indentation(text):
    """ruamel.yaml's (mapping, sequence, offset) for the file: its indentation step, and `- `
    under its key (kubectl) or indented by one step."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    step = next(
        (
            len(ln) - len(ln.lstrip(" "))
            for ln in lines
            if ln.startswith(" ") and not ln.lstrip().startswith("- ")
        ),
        2,
    )
    step = step if step in (2, 4) else 2
    for prev, line in zip(lines, lines[1:]):
        m = re.match(r"^( *)- ", line)
        p = re.match(r"^( *)[^ #-][^#]*:\s*$", prev)
        if m and p:
            if len(p.group(1)) == len(m.group(1)):
                return (step, 2, 0)
            return (step, step + 2, step)
    return (step, step + 2, step)


def label(s):
    k, v = s.split("=", 1)
    return (k, v)


def taint(s):
    kv, effect = s.rsplit(":", 1)
    k, _, v = kv.partition("=")
    return (k, v, effect)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ecs-label", type=label, default=label("mykey4pod=asmgateway"))
    ap.add_argument("--ecs-taint", type=taint, default=taint("mykey=myvalue:NoSchedule"))
    ap.add_argument("--virtual-label", type=label, default=label("type=virtual-kubelet"))
    ap.add_argument(
        "--virtual-taint",
        type=taint,
        default=taint("virtual-kubelet.io/provider=alibabacloud:NoSchedule"),
    )
    ap.add_argument(
        "--diff", action="store_true", help="also print a unified diff of each change (to inspect the edit)"
    )
    ap.add_argument("paths", nargs="*", default=["."])
    args = ap.parse_args(argv)

    nfiles = pending = failed = gateways = 0
    for path in files(args.paths):
        nfiles += 1
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                old = f.read()
            yaml = YAML(typ="rt")
            yaml.preserve_quotes = True
            yaml.allow_duplicate_keys = True
            yaml.width = 4096
            docs = list(yaml.load_all(old))
            editor = Editor(args.ecs_label, args.ecs_taint, args.virtual_label, args.virtual_taint)
            for d in docs:
                editor.shared_in(d)
                gateways += editor.object(d)
            if not editor.changed:
                continue
            mapping, sequence, offset = indentation(old)
            yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
            out = io.StringIO()
            yaml.dump_all(docs, out)
            new = out.getvalue()
            if "\r\n" in old:
                new = new.replace("\n", "\r\n")
            if new != old:
                pending += 1
                print(f"ruamel_apply: {path}: would change", file=sys.stderr)
                if args.diff:
                    sys.stdout.writelines(
                        difflib.unified_diff(
                            old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"
                        )
                    )
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the run
            failed += 1
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            print(f"ruamel_apply: {path}: error: {msg}", file=sys.stderr)
    print(
        f"ruamel_apply: {nfiles} files ({gateways} gateways), {pending} would change, {failed} with errors",
        file=sys.stderr,
    )
    return 2 if failed else 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
