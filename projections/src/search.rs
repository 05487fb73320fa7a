//! Searching members by name or code the way a clerk types: accents and
//! case ignored (`segou` finds Ségou), a code by its start (`ML0401`).

use unicode_normalization::UnicodeNormalization;

/// Lower case without accents: `Ségou` and `segou` meet.
pub fn folded(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a clerk typed to find a member, folded once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    needle: String,
}

impl Search {
    /// `None` for a blank search: it finds everyone.
    pub fn new(text: &str) -> Option<Search> {
        let needle = folded(text.trim());
        (!needle.is_empty()).then_some(Search { needle })
    }

    /// Whether a member named `name`, of the unit `code`, is found: the
    /// name contains the search, or the code starts with it.
    pub fn finds(&self, name: &str, code: &str) -> bool {
        folded(name).contains(&self.needle) || code.to_lowercase().starts_with(&self.needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_names_with_accents_when_folded_then_lower_case_without_them() {
        assert_eq!(folded("Ségou"), "segou");
        assert_eq!(folded("KOULIKORO"), "koulikoro");
        assert_eq!(folded("Niéna"), "niena");
    }

    #[test]
    fn given_a_search_when_matched_then_names_by_content_and_codes_by_start() {
        let s = Search::new(" segou ").unwrap();
        assert!(s.finds("Ségou", "ML0401"));
        assert!(s.finds("Commune urbaine de SÉGOU", "ML0401"));
        assert!(!s.finds("Sikasso", "ML0301"));
        let code = Search::new("ml0401").unwrap();
        assert!(code.finds("Ségou", "ML040101"));
        assert!(!code.finds("Ségou", "ML030401"));
        assert_eq!(Search::new("  "), None);
    }
}
