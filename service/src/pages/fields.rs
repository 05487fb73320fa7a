//! Form fields read as a clerk types them, each refusal a sentence in the
//! viewer's language naming the field (its label given in that language)
//! and the expected form.

use chrono::NaiveDate;

use crate::language::Language;

/// A date as `2025-01-15` (what a date field sends) or `15/01/2025`.
/// Today as a date field holds it (`2025-01-15`): what a new form starts with.
pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

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

/// Keeps the first refusal of a field, for the message beside it.
pub fn take<T>(slot: &mut String, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(message) => {
            if slot.is_empty() {
                *slot = message;
            }
            None
        }
    }
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
}
