//! What the read-model queries share: reaching the read models (waiting,
//! if asked, until they include a position), forward Relay connections
//! with keyed cursors, ids, and the records shown by several registers.
//!
//! Architecture invariant: every read-model resolver reads through
//! `LiveModels::read` once, copies what it answers out of the lock, and
//! tags its answer with the position the models were at, so one answer is
//! always one consistent state of the registers.
//!
//! Cursors are the item's sort key (base64), not an offset: paging on
//! while events arrive returns every item that existed at the first page
//! once, in order, whatever was added before the cursor.

use std::time::Duration;

use async_graphql::connection::{Connection, Edge};
use std::sync::Arc;

use async_graphql::{Context, ID, OneofObject, OutputType, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use registre_projections::ReadModels;
use registre_projections::fold;
use uuid::Uuid;

use super::errors::ApiError;
use super::schema::app;
use crate::application::{LiveModels, WaitError};
use crate::language::Message;

/// Most items one page returns.
pub const MAX_FIRST: u32 = 500;
/// Items returned when `first` is not given.
pub const DEFAULT_FIRST: u32 = 50;
/// Longest wait for `minPosition`.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// Longest cursor or code accepted.
pub const MAX_TEXT_ARG: usize = 200;

/// Complexity factor of a page of `first` items (see `MAX_COMPLEXITY`).
pub fn page_cost(first: Option<u32>) -> usize {
    1 + first.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST) as usize / 50
}

/// The read models, once they include `min_position` if one is given
/// (read your writes: pass the position a mutation returned).
pub async fn models<'a>(
    ctx: &Context<'a>,
    min_position: Option<u64>,
) -> Result<&'a LiveModels, ApiError> {
    let app = app(ctx);
    let projector = app
        .read_models()
        .ok_or_else(|| ApiError::Internal("read models are not served here".into()))?;
    let Some(wanted) = min_position else {
        return Ok(projector);
    };
    if projector.position() >= wanted {
        return Ok(projector);
    }
    let head = app.log().head().await?;
    if wanted > head {
        return Err(ApiError::bad_input(
            format!("minPosition ({wanted}) dépasse la dernière position du journal ({head})."),
            format!("minPosition ({wanted}) is beyond the log's last position ({head})."),
        ));
    }
    match projector.wait_for(wanted, MAX_WAIT).await {
        Ok(()) => Ok(projector),
        Err(WaitError::TimedOut) => Err(ApiError::Behind { wanted }),
        Err(WaitError::Stopped) => Err(ApiError::Internal("the read models stopped".into())),
    }
}

/// Which past to read the registers in, instead of their current state:
/// give one of the three. Two kinds of "as of": the register as it stood
/// when recorded (`position`, `date`: what the secretariat had entered by
/// then), or the world as it was on a day as the log knows it now
/// (`inForceOn`: what was in force that day, late entries included).
/// Asked both about one day, they show what was entered late.
///
/// Deux sortes de « à la date du » : le registre tel qu'il était
/// enregistré (`position`, `date` : ce que le secrétariat avait saisi),
/// ou le monde tel qu'il était ce jour-là selon ce que le journal sait
/// aujourd'hui (`inForceOn` : ce qui était en vigueur, saisies tardives
/// comprises).
#[derive(OneofObject, Clone, Debug)]
pub enum AsOf {
    /// As recorded: after the event at this global position (0: before
    /// any event). Tel qu'enregistré jusqu'à cette position.
    Position(u64),
    /// As recorded by the end of a day (YYYY-MM-DD, UTC), or by an RFC
    /// 3339 instant: the last event recorded at or before it. Tel
    /// qu'enregistré à cette date.
    Date(String),
    /// In force on a day (YYYY-MM-DD): every change effective by then,
    /// whenever it was recorded. En vigueur à cette date.
    InForceOn(NaiveDate),
}

/// The registers a read-model query answers from: the live read models,
/// or their state at a past point of the log. Every read-model query gets
/// them from [`registers`], and reads them once with [`Registers::read`].
pub enum Registers<'a> {
    Live(&'a LiveModels),
    /// A fold of the log up to `position` (see `projection::as_of`).
    Past {
        position: u64,
        day: NaiveDate,
        models: Arc<ReadModels>,
    },
}

impl Registers<'_> {
    /// Reads the registers and the position they stand at.
    pub fn read<T>(&self, f: impl FnOnce(&ReadModels, u64) -> T) -> T {
        match self {
            Registers::Live(p) => p.read(f),
            Registers::Past {
                position, models, ..
            } => f(models, *position),
        }
    }

    /// The day judgements at a date (arrears, good standing, who holds a
    /// post) default to: today, or for a past point the day it stands in,
    /// so an as-of answer is the one that would have been given then.
    pub fn today(&self) -> NaiveDate {
        match self {
            Registers::Live(_) => today(),
            Registers::Past { day, .. } => *day,
        }
    }
}

/// The registers to answer from: as of the point asked for, else the live
/// read models once they include `min_position` (see [`models`]). The two
/// do not go together: a past point is read from the log itself.
pub async fn registers<'a>(
    ctx: &Context<'a>,
    min_position: Option<u64>,
    as_of: Option<AsOf>,
) -> Result<Registers<'a>, ApiError> {
    match as_of {
        None => Ok(Registers::Live(models(ctx, min_position).await?)),
        Some(_) if min_position.is_some() => Err(ApiError::bad_input(
            "asOf et minPosition s'excluent : un état passé se lit dans le journal lui-même.",
            "asOf and minPosition exclude each other: a past state is read from the log itself.",
        )),
        Some(point) => {
            let (position, day, models) = super::as_of::resolve_point(ctx, point).await?;
            Ok(Registers::Past {
                position,
                day,
                models,
            })
        }
    }
}

/// Longest wait of a subscription for the read models to apply an event
/// it is about to report (they may be replaying at start-up).
pub const SUBSCRIPTION_WAIT: Duration = Duration::from_secs(60);

/// Waits until the read models have applied `position`, so what a
/// subscription reports can be read from them at once.
pub async fn applied(models: &LiveModels, position: u64) -> Result<(), ApiError> {
    match models.wait_for(position, SUBSCRIPTION_WAIT).await {
        Ok(()) => Ok(()),
        Err(WaitError::TimedOut) => Err(ApiError::Behind { wanted: position }),
        Err(WaitError::Stopped) => Err(ApiError::Internal("the read models stopped".into())),
    }
}

/// What every connection carries besides its edges.
#[derive(SimpleObject)]
pub struct ReadFields {
    /// Position of the log the read models were at for this answer.
    pub position: u64,
    /// Items matching the filters, over every page.
    pub total_count: usize,
}

pub type Conn<N> = Connection<String, N, ReadFields>;

/// A forward page request: at most `first` items after the cursor.
pub struct Page {
    first: usize,
    after: Option<String>,
}

impl Page {
    pub fn new(first: Option<u32>, after: Option<String>) -> Result<Page, ApiError> {
        let first = first.unwrap_or(DEFAULT_FIRST);
        if first == 0 || first > MAX_FIRST {
            return Err(ApiError::bad_input(
                format!("first doit être compris entre 1 et {MAX_FIRST}."),
                format!("first must be between 1 and {MAX_FIRST}."),
            ));
        }
        let bad = || ApiError::bad_input("Curseur invalide.", "Invalid cursor.");
        let after = match after {
            None => None,
            Some(c) if c.len() > MAX_TEXT_ARG => return Err(bad()),
            Some(c) => {
                let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
                Some(String::from_utf8(bytes).map_err(|_| bad())?)
            }
        };
        Ok(Page {
            first: first as usize,
            after,
        })
    }

    /// The page of `items` (sort key, item): sorted by key, those after
    /// the cursor, at most `first`, each built into its node.
    pub fn cut<T, N: OutputType>(
        &self,
        position: u64,
        mut items: Vec<(String, T)>,
        mut build: impl FnMut(T) -> N,
    ) -> Conn<N> {
        items.sort_by(|a, b| a.0.cmp(&b.0));
        let total_count = items.len();
        let start = match &self.after {
            Some(after) => items.partition_point(|(k, _)| k <= after),
            None => 0,
        };
        let has_next = items.len() - start > self.first;
        let mut conn = Connection::with_additional_fields(
            start > 0,
            has_next,
            ReadFields {
                position,
                total_count,
            },
        );
        conn.edges.extend(
            items
                .into_iter()
                .skip(start)
                .take(self.first)
                .map(|(k, t)| Edge::new(URL_SAFE_NO_PAD.encode(k), build(t))),
        );
        conn
    }
}

/// A page of a list inside one record (a member's history, a body's
/// mandates...), in the list's own order: the same `first` (default 50, at
/// most 500) and `after` as the registers, so an answer stays bounded
/// however long the record's life. The cursor is the item's index, which
/// stays its own only in a list that grows at its end; a list whose items
/// come and go uses [`nested_ranked`].
pub fn nested<T, N: OutputType>(
    position: u64,
    items: &[T],
    first: Option<u32>,
    after: Option<String>,
    build: impl FnMut(&T) -> N,
) -> Result<Conn<N>, ApiError> {
    nested_ranked(position, (0..).zip(items), first, after, build)
}

/// Like [`nested`], for a list whose items come and go between two pages
/// (who is present or absent while a session is held): each item comes
/// with a rank that never changes (say its place among the members
/// eligible at the convocation), and the cursor is that rank, so paging
/// on while it changes neither skips nor repeats an item that stayed.
pub fn nested_ranked<'t, T: 't, N: OutputType>(
    position: u64,
    items: impl IntoIterator<Item = (u64, &'t T)>,
    first: Option<u32>,
    after: Option<String>,
    build: impl FnMut(&T) -> N,
) -> Result<Conn<N>, ApiError> {
    let page = Page::new(first, after)?;
    let keyed = items
        .into_iter()
        .map(|(rank, t)| (format!("{rank:020}"), t))
        .collect();
    Ok(page.cut(position, keyed, build))
}

/// A sort key from a date (none sorts first).
pub fn date_key(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "0000-00-00".into(), |d| d.format("%Y-%m-%d").to_string())
}

/// Parses an id argument.
pub fn uuid(id: &ID, what: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(id.as_str()).map_err(|_| {
        ApiError::bad_input(
            format!("Identifiant de {what} invalide."),
            "Invalid identifier: a UUID is expected.",
        )
    })
}

/// Checks a short text argument (a code, a name).
pub fn short(arg: Option<String>, name: &str) -> Result<Option<String>, ApiError> {
    match arg {
        Some(s) if s.len() > MAX_TEXT_ARG => Err(ApiError::bad_input(
            format!("{name} : {MAX_TEXT_ARG} caractères au plus."),
            format!("{name}: at most {MAX_TEXT_ARG} characters."),
        )),
        other => Ok(other),
    }
}

pub fn not_found(french: &str, english: &str, id: impl std::fmt::Display) -> ApiError {
    ApiError::NotFound(Message::new(
        format!("Aucun(e) {french} d'identifiant {id}."),
        format!("No {english} with id {id}."),
    ))
}

pub fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A correction of the record, as the record shows it.
#[derive(SimpleObject, Clone)]
pub struct Correction {
    pub correction_id: ID,
    pub corrected_event_id: ID,
    /// Position of the corrected event.
    pub corrected_position: Option<u64>,
    pub reason: String,
    /// What the record should have said.
    pub correction: String,
    /// Position of the correction itself.
    pub position: u64,
}

impl From<&fold::Correction> for Correction {
    fn from(c: &fold::Correction) -> Self {
        Correction {
            correction_id: id(c.correction_id),
            corrected_event_id: id(c.corrected_event_id),
            corrected_position: c.corrected_position,
            reason: c.reason.clone(),
            correction: c.correction.clone(),
            position: c.position,
        }
    }
}

pub fn corrections(c: &[fold::Correction]) -> Vec<Correction> {
    c.iter().map(Correction::from).collect()
}

/// A share as whole counts and their ratio.
#[derive(SimpleObject, Clone, Copy)]
pub struct Share {
    pub part: u64,
    pub whole: u64,
    /// `part / whole`, 0 when `whole` is 0.
    pub ratio: f64,
}

impl From<registre_projections::indicators::Share> for Share {
    fn from(s: registre_projections::indicators::Share) -> Self {
        Share {
            part: s.part,
            whole: s.whole,
            ratio: s.ratio(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(c: &Conn<String>) -> Vec<String> {
        c.edges.iter().map(|e| e.node.clone()).collect()
    }

    #[test]
    fn a_ranked_list_pages_on_over_items_that_left_and_came() {
        let n = |s: &str| s.to_owned();
        // Absent at the first page: a, b, c (their places 0, 1, 2).
        let before = [(0, n("a")), (1, n("b")), (2, n("c"))];
        let page = |items: &[(u64, String)], after| {
            nested_ranked(
                7,
                items.iter().map(|(r, t)| (*r, t)),
                Some(2),
                after,
                Clone::clone,
            )
            .unwrap()
        };
        let first = page(&before, None);
        assert_eq!(names(&first), ["a", "b"]);
        let cursor = first.edges.last().unwrap().cursor.clone();
        // Then a arrived (no longer absent): c, which stayed, still comes.
        let after = [(1, n("b")), (2, n("c"))];
        assert_eq!(names(&page(&after, Some(cursor.clone()))), ["c"]);
        // An index would have skipped it: position 1 of the new list is c.
        let by_index = nested(7, &[n("b"), n("c")], Some(2), Some(cursor), Clone::clone).unwrap();
        assert!(names(&by_index).is_empty());
    }
}
