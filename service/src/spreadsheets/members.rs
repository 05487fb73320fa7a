//! Existing members from a spreadsheet: one row per commune with its
//! admission and, if known, its contacts. The columns:
//!
//! | column | required | what |
//! |---|---|---|
//! | `code_commune` | yes | the commune's P-code (`ML010101`) |
//! | `nom` | no | its name; empty, the territorial list's |
//! | `nom_different` | no | `oui` to keep a `nom` other than the list's (else refused) |
//! | `categorie_cotisation` | yes | its dues category |
//! | `admise_le` | yes | admission date |
//! | `deliberation` | yes | the communal council's deliberation |
//! | `decision` | yes | the Bureau Exécutif National's decision |
//! | `maire`, `secretaire_general`, `telephones`, `email`, `adresse` | no | contacts; phone numbers apart by `/` |

use registre_domain::contacts::Contacts;
use registre_domain::member::MemberCommand;
use registre_domain::streams::member_id_for;

use super::{Imported, Line, Refusal, Row, Sheet, command_id, on};

/// The columns a members file must have.
pub const REQUIRED: [&str; 5] = [
    "code_commune",
    "categorie_cotisation",
    "admise_le",
    "deliberation",
    "decision",
];

fn contacts(row: &Row<'_>) -> Contacts {
    Contacts {
        mayor: row.optional("maire"),
        secretary_general: row.optional("secretaire_general"),
        phones: row
            .cell("telephones")
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        email: row.optional("email"),
        postal_address: row.optional("adresse"),
    }
}

fn line(row: &Row<'_>, scheme: &str, edition: &str) -> Result<Line, Refusal> {
    let unit = row.commune(scheme, edition)?;
    let code = unit.code.clone();
    let admitted_on = row.date("admise_le")?;
    let member_id = member_id_for(&unit);
    let (name, category) = (row.cell("nom"), row.required("categorie_cotisation")?);
    let keep_different_name = row.yes("nom_different")?;
    let (deliberation, decision) = (row.required("deliberation")?, row.required("decision")?);
    // The id covers all the row says: the same row imported again counts
    // once; a row changed since is a new admission, refused
    // (COMMUNE_ALREADY_MEMBER) rather than taken as done.
    let day = admitted_on.to_string();
    let mut id = vec![
        "admission",
        scheme,
        edition,
        &code,
        name,
        category,
        &day,
        deliberation,
        decision,
    ];
    if keep_different_name {
        id.push("nom_different");
    }
    let mut commands = vec![Imported {
        command_id: command_id(&id),
        occurred_at: on(admitted_on),
        command: MemberCommand::Admit {
            unit,
            name: name.to_owned(),
            keep_different_name,
            dues_category: category.to_owned(),
            admitted_on,
            deliberation_ref: deliberation.to_owned(),
            decision_ref: decision.to_owned(),
        },
    }];
    let contacts = contacts(row);
    if contacts != Contacts::default() {
        // Other contacts in a later file are recorded anew; the same ones
        // count once.
        let stated = serde_json::to_string(&contacts).unwrap_or_default();
        commands.push(Imported {
            command_id: command_id(&["contacts", scheme, edition, &code, &stated]),
            occurred_at: on(admitted_on),
            command: MemberCommand::RecordContacts {
                member_id,
                contacts,
            },
        });
    }
    Ok(Line {
        line: row.line,
        commands,
    })
}

/// The commands of each row, or why rows cannot be imported (every row
/// is read, so that all refusals are named at once).
pub fn lines(sheet: &Sheet, scheme: &str, edition: &str) -> Result<Vec<Line>, Vec<Refusal>> {
    sheet.lines(
        |row| row.cell("code_commune").to_uppercase(),
        |row, code, first| {
            row.refuse(
                "DUPLICATE_ROW",
                format!("La commune {code} figure déjà à la ligne {first}."),
                format!("Commune {code} is already on line {first}."),
            )
        },
        |row| line(row, scheme, edition),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code_commune;nom;categorie_cotisation;admise_le;deliberation;decision;maire;telephones;email";

    fn read(rows: &str) -> Result<Vec<Line>, Vec<Refusal>> {
        let text = format!("{HEADER}\n{rows}");
        let sheet = Sheet::read(text.as_bytes(), &REQUIRED).unwrap();
        lines(&sheet, "ocha-pcode", "2015")
    }

    #[test]
    fn given_a_row_with_contacts_when_read_then_an_admission_and_its_contacts() {
        let l = read("ML010101;Kayes;urbaine;15/01/2005;D-1;B-1;Fatoumata Coulibaly;+223 20 22 33 44 / 76 00 11 22;\n").unwrap();
        assert_eq!(l[0].commands.len(), 2);
        let MemberCommand::RecordContacts { contacts, .. } = &l[0].commands[1].command else {
            panic!("contacts")
        };
        assert_eq!(contacts.phones, ["+223 20 22 33 44", "76 00 11 22"]);
        assert_eq!(contacts.email, None);
        // The same row read again gives the same command ids.
        let again = read("ML010101;Kayes;urbaine;15/01/2005;D-1;B-1;Fatoumata Coulibaly;+223 20 22 33 44 / 76 00 11 22;\n").unwrap();
        assert_eq!(l, again);
    }

    #[test]
    fn given_bad_rows_when_read_then_each_is_named_with_its_line() {
        let refused = read(
            "ML010101;Kayes;urbaine;15/01/2005;D-1;B-1;;;\n\
             ML010102;;;15/01/2005;D-1;B-1;;;\n\
             ML010101;Kayes;urbaine;2005-01-15;D-1;B-1;;;\n\
             ML010103;Bangassi;rurale;31/02/2005;D-1;B-1;;;\n",
        )
        .unwrap_err();
        let named: Vec<(u64, &str)> = refused.iter().map(|r| (r.line, r.code)).collect();
        assert_eq!(
            named,
            [
                (3, "FIELD_REQUIRED"),
                (4, "DUPLICATE_ROW"),
                (5, "INVALID_DATE")
            ]
        );
    }
}
