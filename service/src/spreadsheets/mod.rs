//! Reading the registers a secretariat kept in spreadsheets: the CSV a
//! spreadsheet saves (UTF-8 with or without a byte-order mark, comma or
//! semicolon), French column names with or without accents, dates as
//! `2025-01-15` or `15/01/2025`, amounts as `50 000`.
//!
//! ## Layout
//! - this file: [`Sheet`], the file read into named cells, and the cell
//!   readers every import shares.
//! - [`members`]: existing members with their admission and contacts.
//! - [`payments`]: past dues payments.
//!
//! Each row becomes the same domain commands the API submits, with a
//! command id derived from what the row records, so that importing a file
//! again adds nothing ([`crate::application::Application::import_lines`]).

pub mod members;
pub mod payments;

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use registre_domain::member::MemberCommand;
use registre_projections::search::folded;
use registre_schema::events::TerritorialUnitKey;
use uuid::Uuid;

use crate::language::Message;

/// Largest file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most rows accepted in one file.
pub const MAX_ROWS: usize = 20_000;

/// Where imported command ids come from: an id is this namespace's UUID v5
/// of what the row records, the same on every import of the same row.
const IMPORTS: Uuid = Uuid::from_u128(0x0193_2f6e_5a7c_7d1e_9c3b_4e8f_a1b2_c3d4);

/// The id of an imported command, from what it records.
pub fn command_id(parts: &[&str]) -> Uuid {
    Uuid::new_v5(&IMPORTS, parts.join("\u{1f}").as_bytes())
}

/// Why a line (or the file, line 0 or 1) cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based, the header being line 1; 0 for the file itself.
    pub line: u64,
    /// The stable code of the reason.
    pub code: &'static str,
    pub message: Message,
}

impl Refusal {
    pub fn new(line: u64, code: &'static str, message: Message) -> Self {
        Refusal {
            line,
            code,
            message,
        }
    }

    fn file(code: &'static str, french: String, english: String) -> Self {
        Refusal::new(0, code, Message::new(french, english))
    }
}

/// The commands one line of a file becomes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub line: u64,
    pub commands: Vec<Imported>,
}

/// One command of an import, with the id that makes it count once.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub command_id: Uuid,
    /// When it happened in the world (the row's date).
    pub occurred_at: DateTime<Utc>,
    pub command: MemberCommand,
}

/// The line a record starts on, from the byte offset the reader gives:
/// the reader's own count skips the line ends of CRLF files, and a
/// record's offset is where the one before it ended (blank lines and line
/// ends in between). Records come in order, so each byte is counted once.
struct LineCounter<'a> {
    text: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            counted_to: 0,
            line: 1,
        }
    }

    fn at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            let newlines = self.text[self.counted_to..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.counted_to = start;
        }
        self.line
    }
}

/// A spreadsheet's rows, by column name.
pub struct Sheet {
    columns: HashMap<String, usize>,
    rows: Vec<(u64, Vec<String>)>,
}

/// A column's name as the sheet matches it: lower case, without accents,
/// spaces, dashes and apostrophes as `_`.
fn column_key(name: &str) -> String {
    folded(name.trim())
        .chars()
        .map(|c| {
            if matches!(c, ' ' | '-' | '\'' | '’') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl Sheet {
    /// Reads a whole file, refusing it (line 0 or 1) when it is too
    /// large, not UTF-8, without a header or without a `required` column.
    pub fn read(reader: impl Read, required: &[&str]) -> Result<Sheet, Refusal> {
        let mut bytes = Vec::new();
        let read = reader.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes);
        if read.is_err() || bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(Refusal::file(
                "FILE_UNREADABLE",
                format!("Fichier illisible ou de plus de {MAX_FILE_BYTES} octets."),
                format!("Unreadable file, or larger than {MAX_FILE_BYTES} bytes."),
            ));
        }
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let Ok(text) = std::str::from_utf8(text) else {
            return Err(Refusal::file(
                "FILE_NOT_UTF8",
                "Le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 ».".into(),
                "The file is not UTF-8: save it as \"CSV UTF-8\".".into(),
            ));
        };
        let header = text.lines().next().unwrap_or("");
        let delimiter = if header.matches(';').count() > header.matches(',').count() {
            b';'
        } else {
            b','
        };
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(text.as_bytes());
        let columns: HashMap<String, usize> = match csv.headers() {
            Ok(h) => h
                .iter()
                .enumerate()
                .map(|(i, n)| (column_key(n), i))
                .collect(),
            Err(_) => HashMap::new(),
        };
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            let mut r = Refusal::file(
                "MISSING_COLUMNS",
                format!("Colonnes manquantes : {}.", missing.join(", ")),
                format!("Missing columns: {}.", missing.join(", ")),
            );
            r.line = 1;
            return Err(r);
        }
        let mut lines = LineCounter::new(text);
        let mut rows = Vec::new();
        for record in csv.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                Refusal::new(
                    line,
                    "LINE_UNREADABLE",
                    Message::new(
                        "Ligne illisible (guillemets non fermés ?).",
                        "Unreadable line (an unclosed quote?).",
                    ),
                )
            })?;
            let line = record.position().map_or(0, |p| lines.at(p.byte()));
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            // A quote left open runs its cell over the lines after it,
            // which would quietly not be imported.
            if record.iter().any(|c| c.contains(['\n', '\r'])) {
                return Err(Refusal::new(
                    line,
                    "LINE_UNREADABLE",
                    Message::new(
                        "Une cellule de cette ligne court sur plusieurs lignes : un guillemet n'est sans doute pas fermé.",
                        "A cell of this line runs over several lines: a quote is probably left open.",
                    ),
                ));
            }
            if rows.len() >= MAX_ROWS {
                return Err(Refusal::file(
                    "TOO_MANY_ROWS",
                    format!("Plus de {MAX_ROWS} lignes : découpez le fichier."),
                    format!("More than {MAX_ROWS} rows: split the file."),
                ));
            }
            rows.push((line, record.iter().map(|c| c.trim().to_owned()).collect()));
        }
        Ok(Sheet { columns, rows })
    }

    /// The commands of each row, or every row's refusal: a row whose
    /// `key` (not empty) an earlier row has is refused with `twice`, the
    /// others read by `line`.
    pub fn lines(
        &self,
        key: impl Fn(&Row<'_>) -> String,
        twice: impl Fn(&Row<'_>, &str, u64) -> Refusal,
        line: impl Fn(&Row<'_>) -> Result<Line, Refusal>,
    ) -> Result<Vec<Line>, Vec<Refusal>> {
        let mut out = Vec::new();
        let mut refusals = Vec::new();
        let mut seen: HashMap<String, u64> = HashMap::new();
        for row in self.rows() {
            let k = key(&row);
            if let Some(first) = seen.get(&k).filter(|_| !k.is_empty()) {
                refusals.push(twice(&row, &k, *first));
                continue;
            }
            seen.insert(k, row.line);
            match line(&row) {
                Ok(l) => out.push(l),
                Err(r) => refusals.push(r),
            }
        }
        if refusals.is_empty() {
            Ok(out)
        } else {
            Err(refusals)
        }
    }

    /// Each row with its line number.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, cells)| Row {
            line: *line,
            cells,
            columns: &self.columns,
        })
    }
}

/// One row of a sheet.
pub struct Row<'a> {
    pub line: u64,
    cells: &'a [String],
    columns: &'a HashMap<String, usize>,
}

impl Row<'_> {
    /// The cell of `column`, trimmed; empty when the column or the cell is
    /// missing.
    pub fn cell(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|i| self.cells.get(*i))
            .map_or("", String::as_str)
    }

    /// A cell that must not be empty.
    pub fn required(&self, column: &str) -> Result<&str, Refusal> {
        match self.cell(column) {
            "" => Err(self.refuse(
                "FIELD_REQUIRED",
                format!("La colonne « {column} » est vide."),
                format!("Column \"{column}\" is empty."),
            )),
            v => Ok(v),
        }
    }

    /// The commune of the row's `code_commune`, in `scheme` and `edition`.
    pub fn commune(&self, scheme: &str, edition: &str) -> Result<TerritorialUnitKey, Refusal> {
        Ok(TerritorialUnitKey {
            scheme: scheme.to_owned(),
            edition: edition.to_owned(),
            code: self.required("code_commune")?.to_owned(),
        })
    }

    /// A cell that may be empty.
    pub fn optional(&self, column: &str) -> Option<String> {
        Some(self.cell(column).to_owned()).filter(|c| !c.is_empty())
    }

    /// A yes-or-no cell: `oui` (or `yes`, `1`) or empty (or `non`, `no`, `0`).
    pub fn yes(&self, column: &str) -> Result<bool, Refusal> {
        match self.cell(column).to_lowercase().as_str() {
            "oui" | "yes" | "1" => Ok(true),
            "" | "non" | "no" | "0" => Ok(false),
            other => Err(self.refuse(
                "INVALID_YES_NO",
                format!("« {other:.20} » (colonne « {column} ») : écrivez oui ou non."),
                format!("\"{other:.20}\" (column \"{column}\"): write yes or no."),
            )),
        }
    }

    /// A date written `2025-01-15` or `15/01/2025`.
    pub fn date(&self, column: &str) -> Result<NaiveDate, Refusal> {
        let text = self.required(column)?;
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
            .map_err(|_| {
                self.refuse(
                    "INVALID_DATE",
                    format!("« {text} » (colonne « {column} ») n'est pas une date existante : écrivez 2025-01-15 ou 15/01/2025."),
                    format!("\"{text}\" (column \"{column}\") is not an existing date: write 2025-01-15 or 15/01/2025."),
                )
            })
    }

    /// A whole number, digits grouped by three with spaces or dots as a
    /// spreadsheet writes them (`50 000`, `50.000`); `F CFA` may follow.
    /// Decimals (`50000.00`) are refused rather than read as thousands.
    pub fn number(&self, column: &str) -> Result<i64, Refusal> {
        let text = self.required(column)?;
        let bare = text
            .trim_end_matches("F CFA")
            .trim_end_matches("FCFA")
            .trim_end();
        let groups: Vec<&str> = bare.split([' ', '.', '\u{a0}', '\u{202f}']).collect();
        let first_at_most = if groups.len() > 1 { 3 } else { 18 };
        let grouped = groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
            && groups[0].len() <= first_at_most
            && groups[1..].iter().all(|g| g.len() == 3);
        let digits: String = groups.concat();
        grouped
            .then(|| digits.parse::<i64>().ok())
            .flatten()
            .ok_or_else(|| {
                self.refuse(
                    "INVALID_NUMBER",
                    format!(
                        "« {text} » (colonne « {column} ») n'est pas un nombre entier (par exemple 50 000)."
                    ),
                    format!(
                        "\"{text}\" (column \"{column}\") is not a whole number (for example 50 000)."
                    ),
                )
            })
    }

    pub fn refuse(&self, code: &'static str, french: String, english: String) -> Refusal {
        Refusal::new(self.line, code, Message::new(french, english))
    }
}

/// Midnight UTC of a row's date: when its command happened in the world.
pub fn on(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(text: &str) -> Sheet {
        Sheet::read(text.as_bytes(), &["code_commune", "nom"]).expect("readable")
    }

    #[test]
    fn given_a_spreadsheets_csv_when_read_then_bom_semicolons_and_accents_are_understood() {
        let s = sheet(
            "\u{feff}Code commune;Nom;Catégorie cotisation\r\nML010101;Kayes;urbaine\r\n\r\n",
        );
        let rows: Vec<Row> = s.rows().collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].cell("nom"), "Kayes");
        assert_eq!(rows[0].cell("categorie_cotisation"), "urbaine");
        let s = sheet("code_commune,nom\nML010101,\"Kayes, ville\"\n");
        assert_eq!(s.rows().next().unwrap().cell("nom"), "Kayes, ville");
    }

    #[test]
    fn given_blank_lines_and_an_open_quote_when_read_then_lines_are_named_as_a_clerk_counts_them() {
        for (text, line) in [
            ("code_commune,nom\r\n\r\nML010101,Kayes\r\n", 3),
            ("code_commune,nom\n\n\nML010101,Kayes\n", 4),
            ("code_commune,nom\nML010101,Kayes\nML010102,Colimbine\n", 2),
        ] {
            assert_eq!(sheet(text).rows().next().unwrap().line, line, "{text:?}");
        }
        let open = "code_commune,nom\nML010101,\"Kayes\nML010102,Colimbine\n";
        let r = Sheet::read(open.as_bytes(), &["code_commune", "nom"])
            .err()
            .unwrap();
        assert_eq!((r.line, r.code), (2, "LINE_UNREADABLE"));
    }

    #[test]
    fn given_a_file_without_a_required_column_when_read_then_refused_naming_it() {
        let r = Sheet::read("code;nom\n".as_bytes(), &["code_commune", "nom"])
            .err()
            .unwrap();
        assert_eq!((r.line, r.code), (1, "MISSING_COLUMNS"));
        assert!(r.message.french.contains("code_commune"), "{:?}", r.message);
        let r = Sheet::read(&b"code_commune,nom\n\xff\n"[..], &[])
            .err()
            .unwrap();
        assert_eq!(r.code, "FILE_NOT_UTF8");
    }

    #[test]
    fn given_dates_and_amounts_as_a_clerk_types_them_when_read_then_understood_or_refused() {
        let s = Sheet::read(
            "date,montant\n15/01/2025,50 000\n2025-02-30,50 000 F CFA\n2025-01-15,cinquante\n"
                .as_bytes(),
            &[],
        )
        .unwrap();
        let rows: Vec<Row> = s.rows().collect();
        assert_eq!(
            rows[0].date("date"),
            Ok(NaiveDate::from_ymd_opt(2025, 1, 15).unwrap())
        );
        assert_eq!(rows[0].number("montant"), Ok(50_000));
        assert_eq!(rows[1].date("date").unwrap_err().code, "INVALID_DATE");
        assert_eq!(rows[1].number("montant"), Ok(50_000));
        assert_eq!(
            rows[2].number("montant").unwrap_err().code,
            "INVALID_NUMBER"
        );
        assert_eq!(
            rows[2].number("absente").unwrap_err().code,
            "FIELD_REQUIRED"
        );
        for (text, read) in [
            ("50.000", Some(50_000)),
            ("1 250 000", Some(1_250_000)),
            ("50000.00", None),
            ("1.5", None),
            ("50 00", None),
            ("-5", None),
        ] {
            let s = Sheet::read(format!("montant\n\"{text}\"\n").as_bytes(), &[]).unwrap();
            let row = s.rows().next().unwrap();
            assert_eq!(row.number("montant").ok(), read, "{text}");
        }
    }
}
