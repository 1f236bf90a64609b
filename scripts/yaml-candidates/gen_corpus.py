#!/usr/bin/env python3
"""Deterministic K8s-like YAML corpus generator."""
import random, os
rng = random.Random(12345)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(OUT, exist_ok=True)

def deployment(i):
    name = f"svc-{i:05d}"
    ncont = rng.randint(1, 3)
    s = []
    s.append(f"# Deployment {i} generated for benchmark\n")
    s.append("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n")
    s.append(f"  name: {name}\n  namespace: ns-{i % 17}\n")
    s.append(f"  labels: &labels{i}\n    app: {name}\n    tier: backend  # inline comment\n    version: \"v{i % 7}.{i % 11}.0\"\n")
    s.append(f"  annotations:\n    deployment.kubernetes.io/revision: '{i % 50}'\n    description: >-\n      Folded description for {name} that spans\n      multiple lines and gets folded into one.\n")
    s.append("spec:\n  replicas: %d\n  selector:\n    matchLabels: *labels%d\n" % (rng.randint(1, 9), i))
    s.append("  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}\n")
    s.append("  template:\n    metadata:\n      labels: *labels%d\n    spec:\n" % i)
    s.append("      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n")
    for t in range(rng.randint(1, 3)):
        s.append("            - matchExpressions:\n")
        s.append(f"                - {{key: topology.kubernetes.io/zone, operator: In, values: [zone-a{t}, zone-b{t}, asmgateway]}}\n")
        s.append(f"                - key: node-role.kubernetes.io/worker\n                  operator: Exists\n")
    s.append("        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n")
    s.append(f"            - weight: 100\n              podAffinityTerm:\n                labelSelector:\n                  matchLabels: {{app: {name}}}\n                topologyKey: kubernetes.io/hostname\n")
    s.append("      tolerations:\n")
    for t in range(rng.randint(1, 4)):
        s.append(f"        - key: \"dedicated-{t}\"\n          operator: \"Equal\"\n          value: \"team-{rng.randint(0,99)}\"\n          effect: NoSchedule\n")
    s.append("      containers:\n")
    for c in range(ncont):
        s.append(f"        - name: c{c}\n          image: registry.example.com/{name}:{rng.randint(1,500)}\n")
        s.append("          args: [\"--port=8080\", \"--verbose\", '--log-level=info']\n")
        s.append("          ports:\n            - containerPort: %d\n              protocol: TCP\n" % (8000 + c))
        s.append("          env:\n")
        for e in range(rng.randint(2, 6)):
            s.append(f"            - name: ENV_{e}\n              value: \"value-{rng.randint(0,10**6)}\"\n")
        s.append("          resources:\n            limits: {cpu: 500m, memory: 512Mi}\n            requests:\n              cpu: 100m\n              memory: 128Mi\n")
        s.append("          livenessProbe:\n            httpGet: {path: /healthz, port: 8080}\n            initialDelaySeconds: 10\n")
        s.append("          command:\n            - /bin/sh\n            - -c\n            - |\n              echo starting\n              exec /app/server --config /etc/config.yaml\n")
    return "".join(s)

def configmap(i):
    s = [f"# ConfigMap {i}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n",
         f"  name: cfg-{i:05d}\n  namespace: ns-{i % 17}\n", "data:\n"]
    for k in range(rng.randint(2, 4)):
        s.append(f"  file{k}.conf: |\n")
        for l in range(rng.randint(5, 25)):
            s.append(f"    key_{l} = value {rng.randint(0, 10**9)} # not a yaml comment\n")
        s.append("\n")
    s.append(f"  app.properties: |-\n    server.port=8080\n    feature.flag=true\n")
    s.append(f"  inline: 'single quoted '' value {i}'\n  plain: hello world {i}\n")
    return "".join(s)

docs = []
for i in range(2000):
    docs.append(deployment(i) if i % 2 == 0 else configmap(i))
body = "---\n".join(docs)
data = body.encode()
open(os.path.join(OUT, "k8s_lf.yaml"), "wb").write(data)
open(os.path.join(OUT, "k8s_crlf.yaml"), "wb").write(body.replace("\n", "\r\n").encode())

# small BOM + non-ASCII variant; 'asmgateway' appears after a Chinese comment line
small = ("\ufeff# 部署配置：网关服务\n"
         "apiVersion: v1\n"
         "kind: ConfigMap\n"
         "metadata:\n"
         "  name: 网关-配置  # 中文注释\n"
         "  labels: {团队: 基础设施, app: gw}\n"
         "data:\n"
         "  描述: 这是一个测试值\n"
         "  # 下面是网关名称\n"
         "  gateway: asmgateway\n"
         "  list:\n"
         "    - 第一\n"
         "    - asmgateway2\n")
open(os.path.join(OUT, "bom_cjk.yaml"), "wb").write(small.encode())
open(os.path.join(OUT, "bom_cjk_crlf.yaml"), "wb").write(small.replace("\n", "\r\n").encode())
open(os.path.join(OUT, "cjk_nobom.yaml"), "wb").write(small[1:].encode())

# deep nesting
N = 100000
open(os.path.join(OUT, "deep_flow.yaml"), "wb").write(("[" * N + "]" * N + "\n").encode())
open(os.path.join(OUT, "deep_block.yaml"), "wb").write(("- " * N + "x\n").encode())  # compact nested block sequences
# malformed
open(os.path.join(OUT, "bad_flow.yaml"), "wb").write(b"a: 1\nb: [a, b\nc: 3\n")
open(os.path.join(OUT, "bad_tab.yaml"), "wb").write(b"a:\n\tb: 1\n")
open(os.path.join(OUT, "bad_quote.yaml"), "wb").write(b"a: 1\nb: \"unterminated\nc: 3\n")
open(os.path.join(OUT, "dupkey.yaml"), "wb").write(b"a: 1\nb: 2\na: 3\n")
open(os.path.join(OUT, "alias.yaml"), "wb").write(b"base: &b {x: 1}\nuse: *b\nlist: &l [1, 2]\nmore: *l\n")
open(os.path.join(OUT, "bad_cjk.yaml"), "wb").write("a: 1\n# 注释\nb: [网关, c\nd: 2\n".encode())
open(os.path.join(OUT, "undef_alias.yaml"), "wb").write(b"a: *nope\n")
open(os.path.join(OUT, "two_docs.yaml"), "wb").write(b"a: 1\n---\nb: 2\n")
print(len(data), "bytes,", body.count("\n---\n") + 1, "docs")
