//! Reading a reference list of territorial units from CSV.
//!
//! The format is one row per commune with its cercle and region:
//! `region_pcode,region_name,cercle_pcode,cercle_name,commune_pcode,commune_name`
//! (see `data/README.md`). Regions and cercles are registered once each,
//! before the communes that refer to them. The whole file is checked before
//! anything is imported: one malformed row refuses the file.

use std::collections::BTreeMap;
use std::io::Read;

use registre_domain::territory::UnitRow;
use registre_schema::events::TerritorialLevel;

/// Largest file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most communes accepted in one file.
pub const MAX_ROWS: usize = 5_000;

const HEADER: [&str; 6] = [
    "region_pcode",
    "region_name",
    "cercle_pcode",
    "cercle_name",
    "commune_pcode",
    "commune_name",
];

/// Why a file cannot be imported; `line` is 1-based, the header being line 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CsvError {
    pub line: u64,
    pub message: String,
}

fn fail<T>(line: u64, message: impl Into<String>) -> Result<T, CsvError> {
    Err(CsvError {
        line,
        message: message.into(),
    })
}

/// Parses and checks a whole file; returns regions, then cercles, then
/// communes, each in file order.
pub fn parse(reader: impl Read) -> Result<Vec<UnitRow>, CsvError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CsvError {
            line: 0,
            message: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return fail(0, format!("the file is larger than {MAX_FILE_BYTES} bytes"));
    }
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes.as_slice());
    let header = csv.headers().map_err(|e| CsvError {
        line: 1,
        message: e.to_string(),
    })?;
    if header.iter().map(str::trim).ne(HEADER) {
        return fail(1, format!("expected the header {}", HEADER.join(",")));
    }
    let mut regions: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut cercles: BTreeMap<String, (String, String, u64)> = BTreeMap::new();
    let mut communes: Vec<UnitRow> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut order = (Vec::new(), Vec::new());
    for record in csv.records() {
        let record = record.map_err(|e| CsvError {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if communes.len() >= MAX_ROWS {
            return fail(line, format!("more than {MAX_ROWS} rows"));
        }
        let f: Vec<&str> = record.iter().map(str::trim).collect();
        if let Some(i) = f.iter().position(|v| v.is_empty()) {
            return fail(line, format!("{} is empty", HEADER[i]));
        }
        for (i, code) in [(0, f[0]), (2, f[2]), (4, f[4])] {
            if code.len() > 32 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return fail(line, format!("{} {code:?} is not a code", HEADER[i]));
            }
        }
        for i in [1, 3, 5] {
            if f[i].chars().count() > 200 {
                return fail(line, format!("{} is longer than 200 characters", HEADER[i]));
            }
        }
        if !f[2].starts_with(f[0]) || !f[4].starts_with(f[2]) {
            return fail(line, "a code does not begin with its parent's code");
        }
        match regions.get(f[0]) {
            Some((name, first)) if name != f[1] => {
                return fail(
                    line,
                    format!("region {} is named {name:?} on line {first}", f[0]),
                );
            }
            Some(_) => {}
            None => {
                regions.insert(f[0].into(), (f[1].into(), line));
                order.0.push(f[0].to_owned());
            }
        }
        match cercles.get(f[2]) {
            Some((name, parent, first)) if name != f[3] || parent != f[0] => {
                return fail(line, format!("cercle {} differs from line {first}", f[2]));
            }
            Some(_) => {}
            None => {
                cercles.insert(f[2].into(), (f[3].into(), f[0].into(), line));
                order.1.push(f[2].to_owned());
            }
        }
        if !seen.insert(f[4].to_owned()) {
            return fail(line, format!("commune {} is listed twice", f[4]));
        }
        communes.push(UnitRow {
            code: f[4].into(),
            level: TerritorialLevel::Commune,
            name: f[5].into(),
            parent_code: Some(f[2].into()),
        });
    }
    if communes.is_empty() {
        return fail(1, "the file has no rows");
    }
    let mut rows: Vec<UnitRow> = order
        .0
        .iter()
        .map(|code| UnitRow {
            code: code.clone(),
            level: TerritorialLevel::Region,
            name: regions[code].0.clone(),
            parent_code: None,
        })
        .collect();
    rows.extend(order.1.iter().map(|code| UnitRow {
        code: code.clone(),
        level: TerritorialLevel::Cercle,
        name: cercles[code].0.clone(),
        parent_code: Some(cercles[code].1.clone()),
    }));
    rows.extend(communes);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "region_pcode,region_name,cercle_pcode,cercle_name,commune_pcode,commune_name\n";

    #[test]
    fn the_shipped_list_has_9_regions_50_cercles_701_communes() {
        let rows = parse(include_str!("../../data/mali-admin-2015.csv").as_bytes()).unwrap();
        let count = |l| rows.iter().filter(|r| r.level == l).count();
        assert_eq!(count(TerritorialLevel::Region), 9);
        assert_eq!(count(TerritorialLevel::Cercle), 50);
        assert_eq!(count(TerritorialLevel::Commune), 701);
    }

    #[test]
    fn malformed_rows_are_reported_with_their_line() {
        let text = format!(
            "{HEAD}ML01,Kayes,ML0101,Kayes,ML010101,Bangassi\nML01,Kayes,ML0201,Kayes,ML020101,X\n"
        );
        let err = parse(text.as_bytes()).unwrap_err();
        assert_eq!(err.line, 3);
        let text = format!("{HEAD}ML01,Kayes,ML0101,Kayes,ML010101,Bangassi\nML01,Kayes,ML0101\n");
        assert_eq!(parse(text.as_bytes()).unwrap_err().line, 3);
        let text = format!(
            "{HEAD}ML01,Kayes,ML0101,Kayes,ML010101,A\nML01,Kayes,ML0101,Kayes,ML010102,\n"
        );
        assert_eq!(parse(text.as_bytes()).unwrap_err().line, 3);
        let text = format!(
            "{HEAD}ML01,Kayes,ML0101,Kayes,ML010101,A\nML01,Kaye,ML0101,Kayes,ML010102,B\n"
        );
        assert_eq!(parse(text.as_bytes()).unwrap_err().line, 3);
        assert_eq!(parse("a,b\n".as_bytes()).unwrap_err().line, 1);
        assert_eq!(parse(HEAD.as_bytes()).unwrap_err().line, 1);
    }
}
