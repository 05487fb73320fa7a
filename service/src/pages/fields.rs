//! Form fields read as a clerk types them, each refusal a sentence in the
//! viewer's language naming the field (its label given in that language)
//! and the expected form.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::language::Language;

/// A form field as posted and as the page shows it again: the text typed,
/// and the refusal said beside it (empty while the field is taken). One
/// type for every form, so that no field's message can be lost on the way
/// back to the page.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(from = "String")]
pub struct Field {
    pub value: String,
    pub error: String,
}

impl From<String> for Field {
    fn from(value: String) -> Self {
        Field {
            value,
            error: String::new(),
        }
    }
}

impl From<&str> for Field {
    fn from(value: &str) -> Self {
        value.to_owned().into()
    }
}

impl Field {
    /// Keeps a check's refusal beside the field, its first one: a field
    /// says one thing wrong at a time.
    pub fn keep<T>(&mut self, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                if self.error.is_empty() {
                    self.error = message;
                }
                None
            }
        }
    }

    /// The field's text read by `parse`, or its refusal kept.
    pub fn read<T>(&mut self, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let result = parse(&self.value);
        self.keep(result)
    }

    /// The value of the option the field names, among `options` (name,
    /// value); else `refusal` beside the field.
    pub fn pick<T>(
        &mut self,
        options: impl IntoIterator<Item = (&'static str, T)>,
        refusal: &str,
    ) -> Option<T> {
        let found = options.into_iter().find(|(name, _)| *name == self.value);
        self.keep(found.map(|(_, v)| v).ok_or_else(|| refusal.to_owned()))
    }

    pub fn date(&mut self, lang: Language, label: &str) -> Option<NaiveDate> {
        self.read(|v| date(lang, label, v))
    }

    pub fn text(&mut self, lang: Language, label: &str, max: usize) -> Option<String> {
        self.read(|v| text(lang, label, v, max))
    }

    pub fn amount(&mut self, lang: Language, label: &str) -> Option<i64> {
        self.read(|v| amount(lang, label, v))
    }

    pub fn year(&mut self, lang: Language, label: &str) -> Option<i32> {
        self.read(|v| year(lang, label, v))
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// Today as a date field holds it (`2025-01-15`): what a new form starts with.
pub fn today() -> Field {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
        .into()
}

/// A date as `2025-01-15` (what a date field sends) or `15/01/2025`.
pub fn date(lang: Language, label: &str, text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required(lang, label));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| {
            lang.fill(
                "{} : date invalide, attendu JJ/MM/AAAA, par exemple 15/01/2025.",
                &[&label],
            )
        })
}

/// A whole amount of francs CFA, spaces between thousands allowed (and,
/// for an English reader, commas between groups of three digits).
pub fn amount(lang: Language, label: &str, text: &str) -> Result<i64, String> {
    let mut digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if digits.is_empty() {
        return Err(required(lang, label));
    }
    let grouped = |s: &str| {
        let mut groups = s.split(',');
        let first = groups.next().unwrap_or("");
        (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
    };
    if lang == Language::English && grouped(&digits) {
        digits.retain(|c| c != ',');
    }
    match digits.parse::<i64>() {
        Ok(n) if n > 0 && n <= registre_domain::member::MAX_PAYMENT_XOF => Ok(n),
        _ => Err(lang.fill(
            "{} : montant invalide, attendu un nombre entier positif de francs CFA, par exemple 50 000.",
            &[&label],
        )),
    }
}

/// A year of four digits.
pub fn year(lang: Language, label: &str, text: &str) -> Result<i32, String> {
    match text.trim().parse::<i32>() {
        Ok(y) if (1960..=2100).contains(&y) => Ok(y),
        _ => Err(lang.fill(
            "{} : année invalide, attendu quatre chiffres, par exemple 2025.",
            &[&label],
        )),
    }
}

/// A required text of at most `max` characters, trimmed.
pub fn text(lang: Language, label: &str, text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(required(lang, label));
    }
    if text.chars().count() > max {
        return Err(lang.fill("{} : au plus {} caractères.", &[&label, &max]));
    }
    Ok(text.to_owned())
}

fn required(lang: Language, label: &str) -> String {
    lang.fill("{} : champ requis.", &[&label])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language::{English, French};

    #[test]
    fn given_dates_as_clerks_type_them_when_read_then_both_forms_are_taken() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        assert_eq!(date(French, "Date", "2025-01-15"), Ok(d));
        assert_eq!(date(French, "Date", " 15/01/2025 "), Ok(d));
        for bad in ["2025-02-30", "2025-13-01", "15-01-2025", "demain"] {
            let e = date(French, "Date du paiement", bad).unwrap_err();
            assert!(
                e.starts_with("Date du paiement : date invalide"),
                "{bad}: {e}"
            );
        }
        assert_eq!(
            date(French, "Date", "").unwrap_err(),
            "Date : champ requis."
        );
    }

    #[test]
    fn given_amounts_with_spaces_when_read_then_they_are_whole_francs() {
        assert_eq!(amount(French, "Montant", "50 000"), Ok(50_000));
        assert_eq!(amount(French, "Montant", "50\u{202f}000"), Ok(50_000));
        for bad in [
            "0",
            "-5",
            "12,5",
            "50,000",
            "cinquante",
            "99999999999999999999",
        ] {
            assert!(amount(French, "Montant", bad).is_err(), "{bad}");
        }
        // English groups thousands with commas, and with them alone.
        assert_eq!(amount(English, "Amount", "50,000"), Ok(50_000));
        assert_eq!(amount(English, "Amount", "1,250,000"), Ok(1_250_000));
        for bad in ["12,5", "5,0000", ",500"] {
            assert!(amount(English, "Amount", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn given_years_and_texts_when_read_then_bounds_hold() {
        assert_eq!(year(French, "Année", "2025"), Ok(2025));
        assert!(year(French, "Année", "25").is_err());
        assert_eq!(text(French, "Reçu", "  R-1 ", 10), Ok("R-1".into()));
        assert!(text(French, "Reçu", "   ", 10).is_err());
        assert!(text(French, "Reçu", "abcdefghijk", 10).is_err());
    }

    #[test]
    fn given_an_english_reader_when_a_field_is_refused_then_the_sentence_is_english() {
        assert_eq!(
            date(English, "Payment date", "").unwrap_err(),
            "Payment date: required."
        );
        assert_eq!(
            text(English, "Receipt", "abcdefghijk", 10).unwrap_err(),
            "Receipt: at most 10 characters."
        );
        assert!(
            year(English, "Year", "25")
                .unwrap_err()
                .starts_with("Year: invalid year")
        );
    }

    #[test]
    fn given_a_field_refused_twice_when_read_then_its_first_refusal_stays_beside_it() {
        let mut field = Field::from("demain");
        assert_eq!(field.date(French, "Date d'effet"), None);
        field.keep::<()>(Err("second".into()));
        assert!(field.error.starts_with("Date d'effet : date invalide"));
        assert_eq!(field.value, "demain");

        let mut field = Field::from(" 15/01/2025 ");
        assert_eq!(
            field.date(French, "Date"),
            NaiveDate::from_ymd_opt(2025, 1, 15)
        );
        assert!(field.error.is_empty());
    }
}
