//! `spillway init`: a commented starter `.spillway.yaml`.

/// The starter file: every key, commented, with the values of the documented procedure.
pub const STARTER: &str = r#"# spillway configuration (README.md, docs/integrations.md)
# Found by walking up from each input file (then the current folder); command-line flags
# override it. Unknown keys are an error.

pools:
  ecs:
    # The label and taint of the ECS node(s) reserved for the gateway, as kubectl writes them:
    #   kubectl label nodes NODE mykey4pod=asmgateway
    #   kubectl taint nodes NODE mykey=myvalue:NoSchedule
    label: mykey4pod=asmgateway
    taint: mykey=myvalue:NoSchedule
    # weight: 80    # like --ecs-weight: apply then sets it on every gateway
  virtual:
    # ACK virtual nodes (ack-virtual-node); self-managed VNodes use k8s.aliyun.com/vnode=true.
    label: type=virtual-kubelet
    taint: virtual-kubelet.io/provider=alibabacloud:NoSchedule
    # weight: 20    # like --virtual-weight

# Which objects are gateways. By default: every IstioGateway, IstioOperator ingress gateways,
# and workloads whose pod labels carry istio=ingressgateway or app=istio-ingressgateway.
# select replaces that set; extend-select adds to it (keys: kind, name, namespace, label=K=V).
# select: [kind=IstioGateway]
# extend-select: [kind=Deployment,name=edge-gateway]

# Where the pod spec lives in objects of no known kind, e.g. '$' for a Helm values file.
# paths: ['$']

# Files and folders to skip (globs, relative to this file's folder).
# exclude: [charts/*/templates/**, vendor/**]

# Severity per rule: error, warning, info or off (`spillway rules` lists them).
rules:
  # unrelated-required-term: off
  # virtual-not-preferred: error
"#;

pub fn run(path: &str, force: bool) -> i32 {
    let p = std::path::Path::new(path);
    if p.exists() && !force {
        eprintln!("spillway: {path} exists; pass --force to overwrite it");
        return super::EXIT_ERROR;
    }
    match std::fs::write(p, STARTER) {
        Ok(()) => {
            eprintln!("spillway: wrote {path}; edit the ECS label and taint to match your nodes");
            super::EXIT_OK
        }
        Err(e) => {
            eprintln!(
                "spillway: cannot write {path}: {}",
                crate::read::io_message(&e)
            );
            super::EXIT_ERROR
        }
    }
}
