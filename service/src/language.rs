//! The language a client reads: French, the users' working language, by
//! default; English for a client whose `Accept-Language` prefers it (or a
//! viewer of the pages who chose it). The pages' texts come from the
//! [`catalogue`](crate::catalogue), French being the key; dates, amounts
//! and numbers are written here in each language's form.

use chrono::{Datelike, NaiveDate};

use crate::{catalogue, french};

/// A client's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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

    /// The language a code names (`fr`, `en`).
    pub fn from_code(code: &str) -> Option<Language> {
        match code {
            "fr" => Some(Language::French),
            "en" => Some(Language::English),
            _ => None,
        }
    }

    /// Its code, as `<html lang>` and the switch's link say it.
    pub fn code(self) -> &'static str {
        match self {
            Language::French => "fr",
            Language::English => "en",
        }
    }

    /// The other of the two: what the switch offers.
    pub fn other(self) -> Language {
        match self {
            Language::French => Language::English,
            Language::English => Language::French,
        }
    }

    /// Its name in itself (`Français`, `English`): how a switch names it.
    pub fn own_name(self) -> &'static str {
        match self {
            Language::French => "Français",
            Language::English => "English",
        }
    }

    /// A French text in this language: the catalogue's English, or the
    /// French itself when it has none.
    pub fn tr(self, french: &str) -> &str {
        match self {
            Language::French => french,
            Language::English => catalogue::english(french).unwrap_or(french),
        }
    }

    /// A French text with values (`{}`, filled in order), in this language.
    pub fn fill(self, french: &str, values: &[&dyn std::fmt::Display]) -> String {
        catalogue::fill(self.tr(french), values)
    }

    /// [`fill`](Self::fill) with one value, as templates call it.
    pub fn tr1(self, french: &str, a: impl std::fmt::Display) -> String {
        self.fill(french, &[&a])
    }

    /// [`fill`](Self::fill) with two values, as templates call it.
    pub fn tr2(self, french: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        self.fill(french, &[&a, &b])
    }

    /// [`fill`](Self::fill) with three values, as templates call it.
    pub fn tr3(
        self,
        french: &str,
        a: impl std::fmt::Display,
        b: impl std::fmt::Display,
        c: impl std::fmt::Display,
    ) -> String {
        self.fill(french, &[&a, &b, &c])
    }

    /// `15 janvier 2025`; `January 15, 2025`.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Language::French => french::date(d),
            Language::English => {
                const MONTHS: [&str; 12] = [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ];
                format!("{} {}, {}", MONTHS[d.month0() as usize], d.day(), d.year())
            }
        }
    }

    /// `50 000 F CFA`; `CFA F 50,000` (as short as the French: the
    /// amounts fill the tables' columns).
    pub fn amount(self, xof: i64) -> String {
        match self {
            Language::French => french::amount(xof),
            Language::English => format!("CFA F {}", self.number(xof)),
        }
    }

    /// `1 234 567` (narrow no-break spaces); `1,234,567`.
    pub fn number(self, n: i64) -> String {
        match self {
            Language::French => french::number(n),
            Language::English => french::number(n).replace('\u{202f}', ","),
        }
    }

    /// A count and its noun (both nouns French, as keys): French takes the
    /// singular up to one, English for one alone (`0 présent`, `0 present`).
    pub fn count(self, n: u32, singular: &str, plural: &str) -> String {
        let one = match self {
            Language::French => n <= 1,
            Language::English => n == 1,
        };
        format!("{n} {}", self.tr(if one { singular } else { plural }))
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

    #[test]
    fn given_dates_amounts_and_numbers_when_written_in_english_then_in_english_form() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        assert_eq!(English.date(d), "January 15, 2025");
        assert_eq!(French.date(d), "15 janvier 2025");
        assert_eq!(English.amount(50_000), "CFA F 50,000");
        assert_eq!(French.amount(50_000), "50\u{202f}000 F CFA");
        assert_eq!(English.number(-1_234_567), "-1,234,567");
        assert_eq!(English.number(999), "999");
    }

    #[test]
    fn given_counts_when_written_then_each_language_takes_its_own_singular() {
        assert_eq!(French.count(0, "présent", "présents"), "0 présent");
        assert_eq!(French.count(2, "présent", "présents"), "2 présents");
        assert_eq!(English.count(0, "commune", "communes"), "0 communes");
        assert_eq!(English.count(1, "commune", "communes"), "1 commune");
    }

    #[test]
    fn given_a_text_when_translated_then_english_comes_from_the_catalogue_and_french_is_the_key() {
        assert_eq!(English.tr("Membres"), "Members");
        assert_eq!(French.tr("Membres"), "Membres");
        // Not in the catalogue: the French shows rather than nothing.
        assert_eq!(English.tr("Pas au catalogue"), "Pas au catalogue");
        assert_eq!(English.fill("{} membre(s)", &[&3]), "3 member(s)");
        assert_eq!(Language::from_code("en").map(Language::code), Some("en"));
        assert_eq!(Language::from_code("de"), None);
    }
}
