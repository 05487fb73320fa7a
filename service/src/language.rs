//! The language a client reads: French, the users' working language, by
//! default; English for a client whose `Accept-Language` prefers it.

/// A client's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    French,
    English,
}

impl Language {
    /// The language an `Accept-Language` header prefers of the two, by
    /// weight (`fr;q=0.5, en` is English); French when it names neither,
    /// on a tie, or when it cannot be read.
    pub fn from_accept_language(header: Option<&str>) -> Language {
        let Some(header) = header else {
            return Language::French;
        };
        let (mut french, mut english) = (0.0f32, 0.0f32);
        for range in header.split(',').take(32) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(0.0);
            if primary.eq_ignore_ascii_case("fr") {
                french = french.max(weight);
            } else if primary.eq_ignore_ascii_case("en") {
                english = english.max(weight);
            }
        }
        if english > french {
            Language::English
        } else {
            Language::French
        }
    }
}

/// A message written in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub french: String,
    pub english: String,
}

impl Message {
    pub fn new(french: impl Into<String>, english: impl Into<String>) -> Self {
        Message {
            french: french.into(),
            english: english.into(),
        }
    }

    pub fn in_language(&self, language: Language) -> &str {
        match language {
            Language::French => &self.french,
            Language::English => &self.english,
        }
    }
}

impl std::fmt::Display for Message {
    /// French, the working language, wherever no client chose.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.french)
    }
}

#[cfg(test)]
mod tests {
    use super::Language::{English, French};
    use super::*;

    #[test]
    fn given_accept_language_headers_when_read_then_the_preferred_of_french_and_english() {
        for (header, expected) in [
            (None, French),
            (Some(""), French),
            (Some("en"), English),
            (Some("en-GB,en;q=0.9"), English),
            (Some("fr-ML,fr;q=0.9,en;q=0.8"), French),
            (Some("fr;q=0.5, en"), English),
            (Some("de, en;q=0.3"), English),
            (Some("de"), French),
            (Some("en;q=0.5, fr;q=0.5"), French),
            (Some("en;q=nonsense"), French),
            (Some("en;q=7"), French),
            (Some("EN-us"), English),
        ] {
            assert_eq!(
                Language::from_accept_language(header),
                expected,
                "{header:?}"
            );
        }
    }
}
