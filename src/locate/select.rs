//! `--select` / `--extend-select`: which objects count as gateways.

use std::collections::BTreeMap;

/// One selector: every given condition must hold (`kind=Deployment,name=gw,label=app=gw`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
}

impl std::str::FromStr for Selector {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut sel = Selector::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                format!("`{part}`: expected KEY=VALUE (keys: kind, name, namespace, label)")
            })?;
            if v.is_empty() || v.ends_with('=') {
                return Err(format!("`{part}`: the value is empty"));
            }
            match k {
                "kind" => sel.kind = Some(v.to_owned()),
                "name" => sel.name = Some(v.to_owned()),
                "namespace" => sel.namespace = Some(v.to_owned()),
                "label" => {
                    let (lk, lv) = v
                        .split_once('=')
                        .ok_or_else(|| format!("`{part}`: expected label=KEY=VALUE"))?;
                    sel.labels.push((lk.to_owned(), lv.to_owned()));
                }
                _ => {
                    return Err(format!(
                        "`{k}`: unknown selector key (expected kind, name, namespace or label)"
                    ))
                }
            }
        }
        if sel == Selector::default() {
            return Err("empty selector".into());
        }
        Ok(sel)
    }
}

impl Selector {
    /// Whether an object (kind, name, namespace, and its pod labels) is selected.
    pub fn matches(
        &self,
        kind: &str,
        name: &str,
        namespace: &str,
        labels: &BTreeMap<String, String>,
    ) -> bool {
        self.kind
            .as_deref()
            .is_none_or(|k| k.eq_ignore_ascii_case(kind))
            && self.name.as_deref().is_none_or(|n| n == name)
            && self.namespace.as_deref().is_none_or(|n| n == namespace)
            && self
                .labels
                .iter()
                .all(|(k, v)| labels.get(k).is_some_and(|x| x == v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let s: Selector = "kind=Deployment,label=app=gw".parse().unwrap();
        let mut l = BTreeMap::new();
        l.insert("app".to_string(), "gw".to_string());
        assert!(s.matches("Deployment", "x", "ns", &l));
        assert!(!s.matches("StatefulSet", "x", "ns", &l));
        assert!(!s.matches("Deployment", "x", "ns", &BTreeMap::new()));
        assert!("colour=red".parse::<Selector>().is_err());
        assert!("".parse::<Selector>().is_err());
        assert!("kind=".parse::<Selector>().is_err());
        assert!("label=app=".parse::<Selector>().is_err());
    }
}
