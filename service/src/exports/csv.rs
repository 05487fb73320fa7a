//! CSV of the registers.
//!
//! Files start with a UTF-8 byte-order mark so spreadsheet programs read
//! accents (Ségou, Kayes-Ndi...) correctly, and follow RFC 4180 (comma
//! separated, fields quoted when needed, CRLF line ends). Column names
//! and values are French with their accents, as the secretariat's
//! registers are; ids and codes stay as the log has them. (The JSON
//! exports keep the stable codes.)

use std::io::Write;

use chrono::NaiveDate;
use registre_projections::ReadModels;
use registre_projections::resolutions::ResolutionFilter;

use crate::french;

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which register to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    Membership,
    Dues,
    Resolutions,
    Officers,
}

impl Register {
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Register::Membership => &[
                "id_membre",
                "nom",
                "région",
                "cercle",
                "code_commune",
                "statut",
                "membre_depuis",
                "catégorie_cotisation",
                "délibération",
                "décision",
            ],
            Register::Dues => &[
                "id_membre",
                "nom",
                "année",
                "dû_xof",
                "payé_xof",
                "solde_xof",
                "en_retard",
            ],
            Register::Resolutions => &[
                "id_motion",
                "organe",
                "date_session",
                "point",
                "type",
                "titre",
                "pour",
                "contre",
                "abstentions",
                "par_procuration",
                "résultat",
            ],
            Register::Officers => &[
                "organe",
                "poste",
                "titulaire",
                "id_membre",
                "commune",
                "début",
                "fin_du_terme",
                "fin_effective",
                "motif_fin",
            ],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(transparent)]
    Csv(#[from] ::csv::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Writes `register` as it stands in `models`; dues arrears are judged on
/// `today`. Returns the number of rows (header excluded).
pub fn write<W: Write>(
    models: &ReadModels,
    register: Register,
    today: NaiveDate,
    mut out: W,
) -> Result<usize, CsvError> {
    out.write_all(BOM)?;
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(register.header())?;
    let mut rows = 0;
    let member_name = |id| {
        models
            .membership
            .member(id)
            .map(|m| m.name.clone())
            .unwrap_or_default()
    };
    match register {
        Register::Membership => {
            for m in models.membership.members.values() {
                let place = models.membership.placement(&m.unit);
                w.write_record([
                    m.member_id.to_string(),
                    m.name.clone(),
                    place.region.map(|p| p.name).unwrap_or_default(),
                    place.cercle.map(|p| p.name).unwrap_or_default(),
                    m.unit.code.clone(),
                    french::status(m.status).to_owned(),
                    m.member_since.to_string(),
                    m.dues_category.clone(),
                    m.deliberation_ref.clone().unwrap_or_default(),
                    m.decision_ref.clone().unwrap_or_default(),
                ])?;
                rows += 1;
            }
        }
        Register::Dues => {
            for year in models.dues.schedules.keys() {
                for p in models.dues.positions_for_year(*year, today) {
                    w.write_record([
                        p.member_id.to_string(),
                        member_name(p.member_id),
                        p.year.to_string(),
                        p.due.to_string(),
                        p.paid.to_string(),
                        p.balance.to_string(),
                        if p.in_arrears { "oui" } else { "non" }.to_owned(),
                    ])?;
                    rows += 1;
                }
            }
        }
        Register::Resolutions => {
            for r in models.resolutions.list(&ResolutionFilter::default()) {
                let body = r
                    .body_id
                    .and_then(|b| models.bodies.body(b))
                    .map(|b| b.name.clone())
                    .unwrap_or_default();
                w.write_record([
                    r.motion_id.to_string(),
                    body,
                    date(r.session_date),
                    r.agenda_item.to_string(),
                    french::motion_kind(r.kind).to_owned(),
                    r.title.clone(),
                    r.votes_for.to_string(),
                    r.votes_against.to_string(),
                    r.abstentions.to_string(),
                    r.by_proxy.to_string(),
                    french::motion_result(r.result).to_owned(),
                ])?;
                rows += 1;
            }
        }
        Register::Officers => {
            for b in models.bodies.bodies.values() {
                for m in &b.mandates {
                    let post = b
                        .posts
                        .get(&m.post_id)
                        .map(|p| p.title.clone())
                        .unwrap_or_default();
                    w.write_record([
                        b.name.clone(),
                        post,
                        m.holder_name.clone(),
                        m.member_id.to_string(),
                        member_name(m.member_id),
                        date(m.starts_on),
                        date(m.term_ends_on),
                        date(m.ended()),
                        m.end_reason
                            .map(french::mandate_end)
                            .unwrap_or_default()
                            .to_owned(),
                    ])?;
                    rows += 1;
                }
            }
        }
    }
    w.flush()?;
    Ok(rows)
}
