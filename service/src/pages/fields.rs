//! Form fields read as a clerk types them, each refusal a French sentence
//! naming the field and the expected form.

use chrono::NaiveDate;

/// A date as `2025-01-15` (what a date field sends) or `15/01/2025`.
/// Today as a date field holds it (`2025-01-15`): what a new form starts with.
pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

pub fn date(label: &str, text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{label} : champ requis."));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| {
            format!("{label} : date invalide, attendu JJ/MM/AAAA, par exemple 15/01/2025.")
        })
}

/// A whole amount of francs CFA, spaces between thousands allowed.
pub fn amount(label: &str, text: &str) -> Result<i64, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if digits.is_empty() {
        return Err(format!("{label} : champ requis."));
    }
    match digits.parse::<i64>() {
        Ok(n) if n > 0 && n <= registre_domain::member::MAX_PAYMENT_XOF => Ok(n),
        _ => Err(format!(
            "{label} : montant invalide, attendu un nombre entier positif de francs CFA, par exemple 50 000."
        )),
    }
}

/// A year of four digits.
pub fn year(label: &str, text: &str) -> Result<i32, String> {
    match text.trim().parse::<i32>() {
        Ok(y) if (1960..=2100).contains(&y) => Ok(y),
        _ => Err(format!(
            "{label} : année invalide, attendu quatre chiffres, par exemple 2025."
        )),
    }
}

/// A required text of at most `max` characters, trimmed.
pub fn text(label: &str, text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{label} : champ requis."));
    }
    if text.chars().count() > max {
        return Err(format!("{label} : au plus {max} caractères."));
    }
    Ok(text.to_owned())
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

    #[test]
    fn given_dates_as_clerks_type_them_when_read_then_both_forms_are_taken() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        assert_eq!(date("Date", "2025-01-15"), Ok(d));
        assert_eq!(date("Date", " 15/01/2025 "), Ok(d));
        for bad in ["2025-02-30", "2025-13-01", "15-01-2025", "demain"] {
            let e = date("Date du paiement", bad).unwrap_err();
            assert!(
                e.starts_with("Date du paiement : date invalide"),
                "{bad}: {e}"
            );
        }
        assert_eq!(date("Date", "").unwrap_err(), "Date : champ requis.");
    }

    #[test]
    fn given_amounts_with_spaces_when_read_then_they_are_whole_francs() {
        assert_eq!(amount("Montant", "50 000"), Ok(50_000));
        assert_eq!(amount("Montant", "50\u{202f}000"), Ok(50_000));
        for bad in ["0", "-5", "12,5", "cinquante", "99999999999999999999"] {
            assert!(amount("Montant", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn given_years_and_texts_when_read_then_bounds_hold() {
        assert_eq!(year("Année", "2025"), Ok(2025));
        assert!(year("Année", "25").is_err());
        assert_eq!(text("Reçu", "  R-1 ", 10), Ok("R-1".into()));
        assert!(text("Reçu", "   ", 10).is_err());
        assert!(text("Reçu", "abcdefghijk", 10).is_err());
    }
}
