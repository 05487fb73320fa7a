//! Past dues payments from a spreadsheet: one row per payment. The
//! columns:
//!
//! | column | what |
//! |---|---|
//! | `code_commune` | the paying commune's P-code (`ML010101`) |
//! | `annee` | the dues year paid for |
//! | `montant_xof` | the amount, in francs CFA (`50 000`) |
//! | `paye_le` | when it was paid |
//! | `recu` | the receipt number, used once |

use registre_domain::member::MemberCommand;
use registre_domain::streams::member_id_for;

use super::{Imported, Line, Refusal, Row, Sheet, command_id, on};

/// The columns a payments file must have.
pub const REQUIRED: [&str; 5] = ["code_commune", "annee", "montant_xof", "paye_le", "recu"];

fn line(row: &Row<'_>, scheme: &str, edition: &str) -> Result<Line, Refusal> {
    let unit = row.commune(scheme, edition)?;
    let code = unit.code.as_str();
    let year = row.number("annee")?;
    let year = i32::try_from(year).map_err(|_| {
        row.refuse(
            "INVALID_NUMBER",
            format!("« {year} » n'est pas une année."),
            format!("\"{year}\" is not a year."),
        )
    })?;
    let amount_xof = row.number("montant_xof")?;
    let paid_on = row.date("paye_le")?;
    let receipt_ref = row.required("recu")?;
    Ok(Line {
        line: row.line,
        commands: vec![Imported {
            // All the row says: a payment changed since its first import
            // is refused (RECEIPT_ALREADY_USED) rather than taken as done.
            command_id: command_id(&[
                "payment",
                scheme,
                edition,
                code,
                receipt_ref,
                &year.to_string(),
                &amount_xof.to_string(),
                &paid_on.to_string(),
            ]),
            occurred_at: on(paid_on),
            command: MemberCommand::RecordPayment {
                member_id: member_id_for(&unit),
                year,
                amount_xof,
                paid_on,
                receipt_ref: receipt_ref.to_owned(),
            },
        }],
    })
}

/// The command of each row, or why rows cannot be imported (every row is
/// read, so that all refusals are named at once).
pub fn lines(sheet: &Sheet, scheme: &str, edition: &str) -> Result<Vec<Line>, Vec<Refusal>> {
    sheet.lines(
        |row| row.cell("recu").to_owned(),
        |row, receipt, first| {
            row.refuse(
                "RECEIPT_ALREADY_USED",
                format!("Le reçu « {receipt} » figure déjà à la ligne {first}."),
                format!("Receipt \"{receipt}\" is already on line {first}."),
            )
        },
        |row| line(row, scheme, edition),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(rows: &str) -> Result<Vec<Line>, Vec<Refusal>> {
        let text = format!("code_commune,annee,montant_xof,paye_le,recu\n{rows}");
        let sheet = Sheet::read(text.as_bytes(), &REQUIRED).unwrap();
        lines(&sheet, "ocha-pcode", "2015")
    }

    #[test]
    fn given_payments_as_a_spreadsheet_writes_them_when_read_then_one_payment_each() {
        let l = read("ML010101,2024,\"50 000\",15/02/2024,R-2024-001\n").unwrap();
        let MemberCommand::RecordPayment {
            amount_xof, year, ..
        } = &l[0].commands[0].command
        else {
            panic!("a payment")
        };
        assert_eq!((*year, *amount_xof), (2024, 50_000));
    }

    #[test]
    fn given_a_receipt_twice_or_a_bad_amount_when_read_then_each_line_is_named() {
        let refused = read(
            "ML010101,2024,50000,2024-02-15,R-1\n\
             ML010102,2024,50000,2024-02-15,R-1\n\
             ML010103,2024,beaucoup,2024-02-15,R-2\n",
        )
        .unwrap_err();
        let named: Vec<(u64, &str)> = refused.iter().map(|r| (r.line, r.code)).collect();
        assert_eq!(named, [(3, "RECEIPT_ALREADY_USED"), (4, "INVALID_NUMBER")]);
    }
}
