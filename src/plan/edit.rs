//! Byte-range edits over a file's text: the only way `apply` changes a file. Everything outside
//! the edited ranges stays byte for byte.

use std::ops::Range;

/// Replace `range` of the original text with `text` (an empty range inserts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
    /// Among insertions at the same point, lower goes first. Lines for a nested container must
    /// precede lines for the container around it (its content ends first); of two containers
    /// that end at the same point, the nested one starts later, so line insertions use minus
    /// their container's start offset.
    pub order: i64,
}

impl Edit {
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit {
            range: at..at,
            text: text.into(),
            order: 0,
        }
    }
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Edit {
        Edit {
            range,
            text: text.into(),
            order: 0,
        }
    }
    /// Inserts whole lines that belong to the container starting at `container_start`
    /// (ordered innermost first at the same point).
    pub fn insert_lines(at: usize, container_start: usize, text: impl Into<String>) -> Edit {
        Edit {
            range: at..at,
            text: text.into(),
            order: -(container_start as i64),
        }
    }
}

/// Applies edits to `text`. Edits are ordered by position; insertions at the same point keep the
/// order they were planned in. Overlapping edits are a planning bug and are refused.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, String> {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].range.start, edits[i].range.end, edits[i].order, i));
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    for i in order {
        let e = &edits[i];
        if e.range.start < pos || e.range.end > text.len() || e.range.start > e.range.end {
            return Err(format!("overlapping edits at byte {}", e.range.start));
        }
        if !text.is_char_boundary(e.range.start) || !text.is_char_boundary(e.range.end) {
            return Err(format!("edit inside a character at byte {}", e.range.start));
        }
        out.push_str(&text[pos..e.range.start]);
        out.push_str(&e.text);
        pos = e.range.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order_and_keeps_the_rest() {
        let t = "abcdef";
        let out = apply(
            t,
            &[
                Edit::insert(3, "X"),
                Edit::replace(0..1, "A"),
                Edit::insert(3, "Y"),
            ],
        )
        .unwrap();
        assert_eq!(out, "AbcXYdef");
        assert!(apply(t, &[Edit::replace(0..3, "x"), Edit::replace(2..4, "y")]).is_err());
        // At one point, deeper lines first whatever the planning order.
        let out = apply(
            "a\n",
            &[
                Edit::insert_lines(2, 0, "outer\n"),
                Edit::insert_lines(2, 1, "  inner\n"),
            ],
        )
        .unwrap();
        assert_eq!(out, "a\n  inner\nouter\n");
    }
}
