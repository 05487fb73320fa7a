//! What every page shares: the signed-in viewer, the frame around each
//! page (navigation, sign-out), and the answers when something is refused.

use askama::Template;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::WebState;
use axum::Form;
use axum::extract::rejection::FormRejection;
use registre_schema::Position;

use super::logins::Login;
use super::logins::same_token;
use super::scope::Scope;
use super::switch;
use crate::application::LiveModels;
use crate::french;
use crate::language::Language;

/// The signed-in viewer of a page.
pub struct Viewer {
    pub login: Login,
    /// The language its pages are in (see [`switch::language`]).
    pub language: Language,
    /// The page's own address, where the language switch comes back to.
    here: String,
}

impl Viewer {
    /// The viewer of this request, or the answer that sends the browser
    /// to sign in. The account is read again on each request: a disabled
    /// account's sessions end at once, a changed role applies at once.
    pub async fn of(state: &WebState, headers: &HeaderMap) -> Result<Viewer, Response> {
        Self::signed_in(state, headers, state.logins.find(headers)).await
    }

    /// The viewer of a live part of a page, which asks on its own: the
    /// login is not kept from going idle.
    pub async fn watching(state: &WebState, headers: &HeaderMap) -> Result<Viewer, Response> {
        Self::signed_in(state, headers, state.logins.peek(headers)).await
    }

    async fn signed_in(
        state: &WebState,
        headers: &HeaderMap,
        found: Option<(String, Login)>,
    ) -> Result<Viewer, Response> {
        let language = switch::language(headers);
        let Some((login_id, mut login)) = found else {
            return Err(to_sign_in(headers));
        };
        let account = &login.account;
        match state
            .app
            .signed_in_account(&account.name, account.account_id, account.password_set_at)
            .await
        {
            Ok(Some(now)) => {
                if now != login.account {
                    state.logins.refresh(&login_id, now.clone());
                    login.account = now;
                }
                Ok(Viewer {
                    login,
                    language,
                    here: switch::here(headers),
                })
            }
            Ok(None) => {
                state.logins.end(&login_id);
                Err(to_sign_in(headers))
            }
            Err(e) => {
                tracing::error!(error = %e, "reading an account for a page");
                Err(unavailable(language))
            }
        }
    }

    /// The viewer if it may record (the secretariat), else the refusal.
    pub async fn writer(state: &WebState, headers: &HeaderMap) -> Result<Viewer, Response> {
        let viewer = Self::of(state, headers).await?;
        if viewer.login.can_write() {
            Ok(viewer)
        } else {
            Err(forbidden(viewer.language))
        }
    }

    /// The viewer if it may record for the whole association (the
    /// secretariat, its account not limited to a region): what the
    /// association's own registers ask (the dues schedule, the statutes,
    /// the territorial list).
    pub async fn national_writer(
        state: &WebState,
        headers: &HeaderMap,
    ) -> Result<Viewer, Response> {
        let viewer = Self::writer(state, headers).await?;
        match viewer.regional_refusal() {
            Some(refusal) => Err(refusal),
            None => Ok(viewer),
        }
    }

    /// The refusal of an association-wide register's form to an account
    /// limited to a region, if the viewer's is: a posted form checks it
    /// after its CSRF token.
    pub fn regional_refusal(&self) -> Option<Response> {
        if self.scope().is_whole() {
            return None;
        }
        let lang = self.language;
        Some(message(
            lang,
            StatusCode::FORBIDDEN,
            lang.tr("Accès refusé"),
            lang.tr("Ce registre est celui de toute l'association : un compte limité à une région ne l'enregistre pas. (code FORBIDDEN)"),
        ))
    }

    /// The read models, or the page saying the registers are not served
    /// here.
    pub fn models<'s>(&self, state: &'s WebState) -> Result<&'s LiveModels, Unavailable> {
        state.app.read_models().ok_or(Unavailable(self.language))
    }

    /// What the viewer may see and act on.
    pub fn scope(&self) -> Scope<'_> {
        Scope(self.login.account.region.as_deref())
    }

    /// The frame of a page seen by this viewer, `section` marking the
    /// current entry of the navigation.
    pub fn frame(&self, section: &'static str) -> Frame {
        let a = &self.login.account;
        let lang = self.language;
        Frame {
            full_name: a.full_name.clone(),
            role: lang.tr(french::role(a.role)),
            region: a.region.clone().unwrap_or_default(),
            csrf: self.login.csrf.clone(),
            can_write: self.login.can_write(),
            reads_the_log: reads_the_log(a.role) && a.region.is_none(),
            section,
            lang,
            here: self.here.clone(),
        }
    }
}

/// The viewer of a page and the registers it reads, or the answer that
/// sends the browser to sign in (or says the registers are not served).
pub async fn reading<'s>(
    state: &'s WebState,
    headers: &HeaderMap,
) -> Result<(Viewer, &'s LiveModels), Response> {
    let viewer = Viewer::of(state, headers).await?;
    let models = viewer.models(state).map_err(IntoResponse::into_response)?;
    Ok((viewer, models))
}

/// A form the secretariat posted: its viewer and fields, once the role,
/// the form's encoding and its CSRF token are checked, in that order.
pub async fn posted<T: Posted>(
    state: &WebState,
    headers: &HeaderMap,
    form: Result<Form<T>, FormRejection>,
) -> Result<(Viewer, T), Response> {
    let viewer = Viewer::writer(state, headers).await?;
    let Form(form) = form.map_err(|r| unreadable_form(viewer.language, r))?;
    if !same_token(form.csrf(), &viewer.login.csrf) {
        return Err(bad_csrf(viewer.language));
    }
    Ok((viewer, form))
}

/// A form of the association's own registers, posted: as [`posted`],
/// and refused to an account limited to a region.
pub async fn posted_national<T: Posted>(
    state: &WebState,
    headers: &HeaderMap,
    form: Result<Form<T>, FormRejection>,
) -> Result<(Viewer, T), Response> {
    let (viewer, form) = posted(state, headers, form).await?;
    match viewer.regional_refusal() {
        Some(refusal) => Err(refusal),
        None => Ok((viewer, form)),
    }
}

/// A form posted about the record `id` names, if `seen` says the viewer
/// sees it (else the answer is "not found", and nothing is recorded).
pub async fn posted_for<T: Posted>(
    state: &WebState,
    headers: &HeaderMap,
    id: &str,
    form: Result<Form<T>, FormRejection>,
    seen: fn(&WebState, &Viewer, &str) -> Option<uuid::Uuid>,
) -> Result<(Viewer, T, uuid::Uuid), Response> {
    let (viewer, form) = posted(state, headers, form).await?;
    let id = seen(state, &viewer, id).ok_or_else(|| not_found(viewer.language))?;
    Ok((viewer, form, id))
}

/// A form's fields that carry the login's CSRF token, the command id that
/// makes a second post harmless, and the place its refusal is said.
pub trait Posted {
    fn csrf(&self) -> &str;
    fn command_id(&self) -> &str;
    fn refused(&mut self, message: String);
}

/// [`Posted`] for a form whose fields are named `csrf`, `command_id` and
/// `refusal`.
macro_rules! posted_form {
    ($fields:ty) => {
        impl $crate::pages::page::Posted for $fields {
            fn csrf(&self) -> &str {
                &self.csrf
            }
            fn command_id(&self) -> &str {
                &self.command_id
            }
            fn refused(&mut self, message: String) {
                self.refusal = message;
            }
        }
    };
}
pub(crate) use posted_form;

/// The command id of a page's form for `step`, when a page holds several:
/// the posted one for the form shown again with its refusals (posted once
/// more, it records once), a new one for each other form, each its own
/// command.
pub fn command_id_for(step: &str, posted_step: &str, posted_id: &str) -> String {
    if step == posted_step && !posted_id.is_empty() {
        posted_id.to_owned()
    } else {
        uuid::Uuid::now_v7().to_string()
    }
}

/// Waits until the read models pass `seen` (a live part's long poll), or
/// [`LIVE_WAIT`]: models that stopped answer at once, and the delay is
/// waited out anyway, so that a browser does not ask again in a tight
/// loop.
pub async fn wait_past(models: &LiveModels, seen: Option<Position>) {
    let Some(seen) = seen else { return };
    let started = tokio::time::Instant::now();
    if models
        .wait_for(seen.saturating_add(1), LIVE_WAIT)
        .await
        .is_err()
    {
        tokio::time::sleep_until(started + LIVE_WAIT).await;
    }
}

/// How long a live part waits for a new record before answering anyway.
pub const LIVE_WAIT: std::time::Duration = std::time::Duration::from_secs(25);

/// To the sign-in page; a live part asking through htmx has the whole page
/// go there (`HX-Redirect`), rather than the sign-in form put inside it.
fn to_sign_in(headers: &HeaderMap) -> Response {
    if headers.contains_key("hx-request") {
        let mut r = StatusCode::NO_CONTENT.into_response();
        r.headers_mut().insert(
            "hx-redirect",
            header::HeaderValue::from_static("/connexion"),
        );
        return r;
    }
    Redirect::to("/connexion").into_response()
}

/// The member a form posts for, by the id in its path, if the viewer sees
/// it (an account limited to a region sees its region's alone). `None`:
/// the page is not found, and nothing is recorded for it.
pub fn seen_member(state: &WebState, viewer: &Viewer, id: &str) -> Option<uuid::Uuid> {
    let member_id = uuid::Uuid::parse_str(id).ok()?;
    let scope = viewer.scope();
    let models = state.app.read_models()?;
    models
        .read(|m, _| scope.member(m, member_id))
        .then_some(member_id)
}

/// A form about one record, opened by a writer: the viewer and the
/// record's id (whether the viewer sees the record is the page's to say).
pub async fn form_for(
    state: &WebState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Viewer, uuid::Uuid), Response> {
    let viewer = Viewer::writer(state, headers).await?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| not_found(viewer.language))?;
    Ok((viewer, id))
}

/// The member whose commune has the P-code `code`, among those the viewer
/// sees; else the refusal said beside the commune's field.
pub fn member_by_code(state: &WebState, viewer: &Viewer, code: &str) -> Result<uuid::Uuid, String> {
    let scope = viewer.scope();
    state
        .app
        .read_models()
        .and_then(|models| {
            models.read(|m, _| {
                m.membership
                    .by_code(code)
                    .map(|r| r.member_id)
                    .filter(|id| scope.member(m, *id))
            })
        })
        .ok_or_else(|| {
            viewer.language.fill(
                "Commune : aucun membre pour le code « {} ».",
                &[&code.chars().take(32).collect::<String>()],
            )
        })
}

/// The body a form posts for, by the id in its path, if the viewer sees
/// it (an account limited to a region, its region's bodies alone).
pub fn seen_body(state: &WebState, viewer: &Viewer, id: &str) -> Option<uuid::Uuid> {
    let body_id = uuid::Uuid::parse_str(id).ok()?;
    let scope = viewer.scope();
    let models = state.app.read_models()?;
    models
        .read(|m, _| m.bodies.body(body_id).is_some() && scope.body(m, body_id))
        .then_some(body_id)
}

/// Whether the viewer's role reads the log itself (the latest records):
/// the secretariat and the auditors, as over GraphQL; a dashboard reads
/// the registers only.
pub fn reads_the_log(role: registre_schema::Role) -> bool {
    matches!(
        role,
        registre_schema::Role::Secretariat | registre_schema::Role::Auditor
    )
}

/// What the layout shows around every page.
pub struct Frame {
    pub full_name: String,
    pub role: &'static str,
    /// The region code the viewer is limited to (empty: none).
    pub region: String,
    pub csrf: String,
    pub can_write: bool,
    /// The viewer reads the log itself (the audit page).
    pub reads_the_log: bool,
    pub section: &'static str,
    pub lang: Language,
    /// The page's own address, where the language switch comes back to.
    pub here: String,
}

/// The catalogue as templates call it: `{{ frame.tr("Membres") }}`.
impl Frame {
    pub fn tr<'a>(&self, french: &'a str) -> &'a str {
        self.lang.tr(french)
    }

    pub fn tr1(&self, french: &str, a: impl std::fmt::Display) -> String {
        self.lang.tr1(french, a)
    }

    pub fn tr2(
        &self,
        french: &str,
        a: impl std::fmt::Display,
        b: impl std::fmt::Display,
    ) -> String {
        self.lang.tr2(french, a, b)
    }

    pub fn tr3(
        &self,
        french: &str,
        a: impl std::fmt::Display,
        b: impl std::fmt::Display,
        c: impl std::fmt::Display,
    ) -> String {
        self.lang.tr3(french, a, b, c)
    }
}

/// A template rendered to a page; a template that fails to render (it
/// cannot, short of a bug) is logged and answered with a plain error.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            // Short of a bug, never: the template does not say its
            // language, and French is the working one.
            unavailable(Language::default())
        }
    }
}

/// A template rendered to a page answered with `status` (a form shown
/// again with its refusals: 422, ...); a page that failed to render keeps
/// its own answer.
pub fn render_as(t: &impl Template, status: StatusCode) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    lang: Language,
    title: &'a str,
    text: &'a str,
}

/// A page that says why: `title` and `text` in `lang` already.
pub fn message(lang: Language, status: StatusCode, title: &str, text: &str) -> Response {
    let html = Message { lang, title, text }
        .render()
        .unwrap_or_else(|_| text.to_owned());
    let mut r = (status, Html(html)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    r
}

pub fn forbidden(lang: Language) -> Response {
    message(
        lang,
        StatusCode::FORBIDDEN,
        lang.tr("Accès refusé"),
        lang.tr("Votre rôle ne permet pas cette action. Seul le secrétariat enregistre. (code FORBIDDEN)"),
    )
}

/// The registers are not served here: the page that says so, in the
/// viewer's language.
pub struct Unavailable(Language);

impl IntoResponse for Unavailable {
    fn into_response(self) -> Response {
        unavailable(self.0)
    }
}

/// Why a page about a record is not shown.
pub enum Unseen {
    /// The registers are not served here.
    Unavailable,
    /// No such record, or not the viewer's.
    NotFound,
}

impl Unseen {
    pub fn page(self, lang: Language) -> Response {
        match self {
            Unseen::Unavailable => unavailable(lang),
            Unseen::NotFound => not_found(lang),
        }
    }
}

/// What `read` takes from the registers about member `id`, if the viewer
/// sees the member (and `read` finds what it looks for).
pub fn about_member<T>(
    state: &WebState,
    viewer: &Viewer,
    id: uuid::Uuid,
    read: impl FnOnce(
        &registre_projections::ReadModels,
        &registre_projections::membership::MemberRecord,
    ) -> Option<T>,
) -> Result<T, Unseen> {
    let models = state.app.read_models().ok_or(Unseen::Unavailable)?;
    let scope = viewer.scope();
    models
        .read(|m, _| {
            let member = m.membership.member(id).filter(|_| scope.member(m, id))?;
            read(m, member)
        })
        .ok_or(Unseen::NotFound)
}

pub fn not_found(lang: Language) -> Response {
    message(
        lang,
        StatusCode::NOT_FOUND,
        lang.tr("Page introuvable"),
        lang.tr("Cette page n'existe pas, ou ce qu'elle montre n'est pas de votre ressort. (code NOT_FOUND)"),
    )
}

pub fn bad_csrf(lang: Language) -> Response {
    message(
        lang,
        StatusCode::FORBIDDEN,
        lang.tr("Formulaire refusé"),
        lang.tr("Ce formulaire n'a pas été envoyé depuis votre session : rechargez la page et recommencez. Rien n'a été enregistré. (code CSRF_REFUSED)"),
    )
}

pub fn unavailable(lang: Language) -> Response {
    message(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        lang.tr("Service indisponible"),
        lang.tr("Le registre ne peut répondre pour le moment ; réessayez dans un instant. (code UNAVAILABLE)"),
    )
}

/// A form body that cannot be read (wrong encoding or type).
pub fn unreadable_form(
    lang: Language,
    rejection: axum::extract::rejection::FormRejection,
) -> Response {
    tracing::info!(%rejection, "unreadable form");
    message(
        lang,
        StatusCode::BAD_REQUEST,
        lang.tr("Formulaire illisible"),
        lang.tr("Le formulaire envoyé ne peut être lu ; rechargez la page et recommencez. Rien n'a été enregistré. (code INVALID_FORM)"),
    )
}
