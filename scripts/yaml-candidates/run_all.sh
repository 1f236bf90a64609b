#!/bin/sh
# Reproduce everything (run from scripts/yaml-candidates)
set -x
export CARGO_TARGET_DIR=/tmp/yaml-candidates-target
python3 gen_corpus.py
cargo build --release -j1
B=$CARGO_TARGET_DIR/release/yamlproto
for c in saphyr-events saphyr-cursor saphyr-tree yaml-edit yaml-edit-walk serde-saphyr serde-saphyr-spanned yaml_serde; do
  $B bench $c corpus/k8s_lf.yaml; $B bench $c corpus/k8s_crlf.yaml
  /usr/bin/time -v $B once $c corpus/k8s_lf.yaml 2>&1 | grep "Maximum resident"
done
for f in cjk_nobom bom_cjk bom_cjk_crlf; do for c in saphyr-events yaml-edit serde-saphyr; do $B span $c corpus/$f.yaml asmgateway; done; done
for f in bad_flow bad_tab bad_quote bad_cjk dupkey alias undef_alias; do for c in saphyr-events yaml-edit serde-saphyr yaml_serde; do $B err $c corpus/$f.yaml; done; done
for f in deep_flow deep_block; do for c in saphyr-events saphyr-tree yaml-edit serde-saphyr yaml_serde; do RUST_BACKTRACE=0 /usr/bin/time -f "exit=%x rss=%MkB" $B once $c corpus/$f.yaml 2>&1 | head -3; done; done
SS_MAX_DEPTH=200000 $B once serde-saphyr corpus/deep_flow.yaml   # -> stack overflow (SIGABRT)
# yamlpath (zizmor): separate crate, pinned to 1.27.0
(cd yamlpath_check && cargo build --release -j1) && target/release/yamlpath_check corpus/k8s_lf.yaml
