//! The downloadable template of each list: its column headings in import order and one example
//! row, both taken from the column table ([`super::columns`]), so a template always imports.

use super::Kind;

/// The headings of `kind` and one example row (a cell per heading, empty where the column has no
/// example).
pub fn template(kind: Kind) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let columns = kind.columns();
    let headings = columns.iter().map(|c| c.heading).collect();
    let example = columns.iter().map(|c| c.example.to_string()).collect();
    (headings, vec![example])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_one_example_row_as_wide_as_its_headings() {
        for kind in Kind::ALL {
            let (headings, rows) = template(kind);
            assert!(!headings.is_empty(), "{kind:?}");
            assert_eq!(rows.len(), 1, "{kind:?}");
            assert_eq!(rows[0].len(), headings.len(), "{kind:?}");
        }
    }

    #[test]
    fn every_required_column_of_a_template_has_an_example_value() {
        for kind in Kind::ALL {
            let (_, rows) = template(kind);
            for (c, value) in kind.columns().iter().zip(&rows[0]) {
                if c.required {
                    assert!(!value.is_empty(), "{kind:?}: {}", c.heading);
                }
            }
        }
    }
}
