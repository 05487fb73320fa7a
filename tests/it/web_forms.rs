//! The secretariat's forms beyond a session's course, in a real browser
//! (see [`crate::web`]): a year's dues schedule, a body established and
//! named, a mandate ended, records of a member, a session and a body
//! corrected, the statutes amended (their general rules and a statutory
//! body's own), a reorganisation of the territory and an election's round
//! counted. Each refused post
//! shows its French message beside the field and changes nothing.

use std::path::Path;

use fantoccini::{Client, Locator};

use crate::graphql_mutations::{Congress, founded, ok};
use crate::support::{Server, import_territory, scratch, sqlite_url};
use crate::web::{
    CLERK_PASSWORD, Driver, accessible, browser, clerk_on, clerk_on_demo, click, click_xpath,
    convene, demo_store, driver, follow, from_bodies, head, import_kidal_split, open_account, post,
    shot, sign_in, text_of, wait_for_text,
};

/// The same on a store without accounts: the clerk's opened first.
async fn new_clerk_on(driver: &Driver, dir: &Path, db: &Path) -> (Server, Client) {
    let credentials = dir.join("credentials");
    let store = sqlite_url(db);
    open_account(
        &store,
        &credentials,
        "awa",
        "Awa Traoré",
        "secretariat",
        CLERK_PASSWORD,
    );
    clerk_on(driver, dir, db, &credentials).await
}

/// The clerk signed in on a store whose Congrès adopted a
/// statute-amendment motion in 2019, not yet carried out.
async fn clerk_after_amendment_motion(driver: &Driver, dir: &Path) -> (Server, Client) {
    let db = dir.join("r.db");
    let (server, sec, _) = founded(&db);
    let congress = Congress::establish(server.addr, &sec);
    congress.adopts(server.addr, &sec, ("STATUTE_AMENDMENT", None), "2019-06-01");
    drop(server);
    new_clerk_on(driver, dir, &db).await
}

/// Clicks the option of the select `select` whose text contains `text`.
async fn choose(c: &Client, select: &str, text: &str) {
    click_xpath(
        c,
        &format!("//select[@id='{select}']//option[contains(normalize-space(.), '{text}')]"),
    )
    .await;
}

/// Kidal's page (ML080102), from the directory.
async fn kidal(c: &Client, addr: std::net::SocketAddr) {
    c.goto(&format!("http://{addr}/membres?q=ML080102&edition=2015"))
        .await
        .unwrap();
    follow(c, "Kidal").await;
}

/// Scrolls to the page's end, where a session's or a body's corrections
/// are listed, for its screenshot.
async fn scroll_to_end(c: &Client) {
    c.execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await
        .unwrap();
}

/// How many elements `css` finds.
async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_sets_the_next_dues_schedule_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;

    // The schedules, from the navigation: the form proposes the year after
    // the latest, with its categories and amounts.
    follow(&c, "Cotisations").await;
    wait_for_text(&c, "h1", "Barèmes des cotisations").await;
    wait_for_text(&c, "main", "2024").await;
    let year = c.find(Locator::Css("#year")).await.unwrap();
    assert_eq!(year.prop("value").await.unwrap().as_deref(), Some("2025"));
    let first = c.find(Locator::Css("#categorie-1")).await.unwrap();
    let category = first.prop("value").await.unwrap().unwrap_or_default();
    assert!(!category.is_empty(), "the latest schedule's categories");

    // A category listed twice is refused beside the categories, and
    // nothing is kept.
    let before = head(addr);
    // The first empty row follows the latest schedule's categories; a
    // refused form shows it again at the same place.
    let blank = 1 + count(&c, "input[name='categorie']:not([value=''])").await;
    let last = format!("#categorie-{blank}");
    c.find(Locator::Css(&last))
        .await
        .unwrap()
        .send_keys(&category)
        .await
        .unwrap();
    c.find(Locator::Css(&format!("#montant-{blank}")))
        .await
        .unwrap()
        .send_keys("1000")
        .await
        .unwrap();
    post(&c, "form.form", &[]).await;
    wait_for_text(&c, "#tiers-error", "figure deux fois").await;
    shot(&c, "dues-schedule-refused").await;
    assert_eq!(head(addr), before);

    // The row emptied, one amount raised: the 2025 schedule is set.
    c.find(Locator::Css(&last))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    c.find(Locator::Css(&format!("#montant-{blank}")))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    let amount = c.find(Locator::Css("#montant-1")).await.unwrap();
    amount.clear().await.unwrap();
    amount.send_keys("275 000").await.unwrap();
    post(&c, "form.form", &[]).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main tbody tr", "2025").await;
    wait_for_text(&c, "main tbody tr", "275").await;
    // The next form proposes the year after.
    let year = c.find(Locator::Css("#year")).await.unwrap();
    assert_eq!(year.prop("value").await.unwrap().as_deref(), Some("2026"));
    assert!(head(addr) > before);
    shot(&c, "dues-schedule").await;
    accessible(&c, "dues schedule").await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_establishes_a_body_and_ends_a_mandate_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;

    // From the bodies, a new one: a Bureau de Cercle needs its cercle.
    c.goto(&format!("http://{addr}/instances")).await.unwrap();
    follow(&c, "Créer une instance ou un organe").await;
    wait_for_text(&c, "h1", "Créer une instance ou un organe").await;
    choose(&c, "statutory", "Bureau de Cercle").await;
    let before = head(addr);
    post(&c, "form.form", &[("name", "Bureau du Cercle de Bourem")]).await;
    wait_for_text(&c, "#unit-error", "choisissez un cercle").await;
    shot(&c, "establishment-refused").await;
    accessible(&c, "establishment").await;
    assert_eq!(head(addr), before);

    // With its cercle it is established, and its posts come next.
    choose(&c, "unit", "Bourem").await;
    post(&c, "form.form", &[]).await;
    wait_for_text(&c, "h1", "Postes et sièges · Bureau du Cercle de Bourem").await;
    wait_for_text(&c, "main", "Bureau de Cercle au sens des statuts").await;
    assert!(head(addr) > before);

    // A mandate of the Bureau Exécutif National ends by resignation:
    // its holder is no longer offered.
    from_bodies(&c, addr, "Bureau Exécutif National", "postes et sièges").await;
    wait_for_text(&c, "main", "Mettre fin à un mandat").await;
    let held = count(&c, "#mandate option").await;
    assert!(held > 0, "the bureau's mandates");
    let ending = c
        .find(Locator::Css("#mandate option"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let before = head(addr);
    let step = "form:has(input[name='step'][value='fin'])";
    post(&c, step, &[("ended_on", "2025-01-31")]).await;
    wait_for_text(&c, "#reason-error", "Motif").await;
    assert_eq!(head(addr), before);
    click(&c, "input[name='reason'][value='demission']").await;
    post(&c, step, &[("ended_on", "2025-01-31")]).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    assert_eq!(count(&c, "#mandate option").await, held - 1);
    assert!(!text_of(&c, "#mandate").await.contains(&ending), "{ending}");
    shot(&c, "mandate-ended").await;
    accessible(&c, "seats").await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_corrects_a_members_admission_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;

    kidal(&c, addr).await;
    c.find(Locator::XPath(
        "//ol[@class='timeline']/li[contains(., 'Admission')]/a[.='corriger']",
    ))
    .await
    .expect("the admission's correction link")
    .click()
    .await
    .unwrap();
    wait_for_text(&c, "h1", "Corriger un enregistrement de Kidal").await;
    wait_for_text(&c, "main", "Admission, en vigueur le").await;

    // Without saying what it should have said: refused, nothing kept.
    let before = head(addr);
    post(&c, "form.form", &[("reason", "Erreur de saisie")]).await;
    wait_for_text(&c, "#correction-error", "champ requis").await;
    assert_eq!(head(addr), before);
    shot(&c, "correction-refused").await;
    accessible(&c, "correction").await;

    post(
        &c,
        "form.form",
        &[
            ("correction", "Délibération n° 2003-014 du conseil communal"),
            ("reason", "Référence de la délibération mal recopiée"),
        ],
    )
    .await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, ".timeline", "Corrigé : Délibération n° 2003-014").await;
    assert!(head(addr) > before);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_corrects_a_convocation_and_a_mandate_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;
    let day = (chrono::Utc::now().date_naive() + chrono::Days::new(40)).to_string();

    // A session convened, then its convocation corrected from its page.
    let session = convene(&c, addr, "Conférence Régionale de Kidal", &day).await;
    follow(&c, "Corriger un enregistrement de la session").await;
    wait_for_text(
        &c,
        "h1",
        "Corriger un enregistrement : Conférence Régionale de Kidal, session du",
    )
    .await;
    let place = ("correction", "Lieu : salle du conseil de cercle de Kidal");
    let reason = ("reason", "Lieu mal recopié de la lettre de convocation");
    // No record chosen: refused beside the list, nothing kept.
    let before = head(addr);
    post(&c, "form.form", &[place, reason]).await;
    wait_for_text(&c, "#position-error", "choisissez-en un").await;
    assert_eq!(head(addr), before);
    accessible(&c, "session correction").await;
    choose(&c, "position", "Convocation du").await;
    post(&c, "form.form", &[place, reason]).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    let page = session.split('?').next().unwrap();
    assert!(c.current_url().await.unwrap().as_str().starts_with(page));
    wait_for_text(
        &c,
        "main",
        "Corrigé : Lieu : salle du conseil de cercle de Kidal (motif : Lieu mal recopié",
    )
    .await;
    scroll_to_end(&c).await;
    shot(&c, "session-corrected").await;
    assert!(head(addr) > before);

    // A mandate of the Bureau Exécutif National, from the body's seats.
    from_bodies(&c, addr, "Bureau Exécutif National", "postes et sièges").await;
    follow(&c, "Corriger un enregistrement de l'instance").await;
    wait_for_text(
        &c,
        "h1",
        "Corriger un enregistrement : Bureau Exécutif National",
    )
    .await;
    choose(&c, "position", "Mandat de").await;
    let before = head(addr);
    post(&c, "form.form", &[("reason", "Date d'élection erronée")]).await;
    wait_for_text(&c, "#correction-error", "champ requis").await;
    assert_eq!(head(addr), before);
    post(
        &c,
        "form.form",
        &[
            ("correction", "Élu au deuxième tour, non au premier"),
            ("reason", "Procès-verbal du scrutin mal lu"),
        ],
    )
    .await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main", "Corrigé : Élu au deuxième tour, non au premier").await;
    accessible(&c, "seats with a correction").await;
    scroll_to_end(&c).await;
    shot(&c, "mandate-corrected").await;
    assert!(head(addr) > before);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_adopts_the_first_statutes_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let db = dir.path().join("r.db");
    import_territory(&db);
    let (server, c) = new_clerk_on(&driver, dir.path(), &db).await;
    let addr = server.addr;

    c.goto(&format!("http://{addr}/statuts")).await.unwrap();
    follow(&c, "Adopter les statuts constitutifs").await;
    wait_for_text(&c, "h1", "Adopter les statuts").await;
    assert!(c.find(Locator::Css("#motion")).await.is_err(), "no motion");

    // Without a reference: refused beside it, nothing kept.
    let before = head(addr);
    post(&c, "form.form", &[("effective_from", "2001-02-01")]).await;
    wait_for_text(&c, "#reference-error", "Référence : champ requis").await;
    assert_eq!(head(addr), before);
    accessible(&c, "adoption").await;

    // Adopted with a mandate of four years: version 1, in force then.
    post(
        &c,
        "form.form",
        &[
            ("effective_from", "2001-02-01"),
            ("reference", "Statuts constitutifs, assemblée générale"),
            ("mandateYears", "4"),
        ],
    )
    .await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main h2", "version 1, depuis le 1er février 2001").await;
    let mandate = c
        .find(Locator::XPath(
            "//tr[th[normalize-space(.) = 'Durée des mandats (années)']]/td",
        ))
        .await
        .expect("the mandate's row");
    assert_eq!(mandate.text().await.unwrap(), "4");
    assert!(
        text_of(&c, "main")
            .await
            .contains("Enregistrer une modification des statuts")
    );
    assert!(head(addr) > before);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_amends_the_statutes_after_the_congress_motion_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_after_amendment_motion(&driver, dir.path()).await;
    let addr = server.addr;

    c.goto(&format!("http://{addr}/statuts")).await.unwrap();
    follow(&c, "Enregistrer une modification des statuts").await;
    wait_for_text(&c, "h1", "Modifier les statuts").await;
    wait_for_text(
        &c,
        "#motion",
        "Résolution (Congrès, session du 1er juin 2019)",
    )
    .await;
    let reference = ("reference", "Congrès du 1er juin 2019, résolution");

    // Nothing changed: refused beside the rules, nothing kept.
    let before = head(addr);
    post(
        &c,
        "form.form",
        &[("effective_from", "2020-01-01"), reference],
    )
    .await;
    wait_for_text(&c, "#rules-error", "aucune ne change").await;
    assert_eq!(head(addr), before);
    shot(&c, "amendment-refused").await;
    accessible(&c, "amendment").await;

    // The ordinary notice raised to 25 days from 2020: version 2.
    post(
        &c,
        "form.form",
        &[
            ("effective_from", "2020-01-01"),
            reference,
            ("noticeDaysOrdinary", "25"),
        ],
    )
    .await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main h2", "version 2").await;
    wait_for_text(
        &c,
        "main",
        "Préavis d'une session ordinaire (jours) : 15 → 25",
    )
    .await;
    let notice = c
        .find(Locator::XPath(
            "//tr[th[normalize-space(.) = \"Préavis d'une session ordinaire (jours)\"]]/td",
        ))
        .await
        .expect("the notice's row");
    assert_eq!(notice.text().await.unwrap(), "25");
    assert!(head(addr) > before);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_amends_the_rules_of_the_national_council_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_after_amendment_motion(&driver, dir.path()).await;
    let addr = server.addr;

    c.goto(&format!("http://{addr}/statuts")).await.unwrap();
    follow(&c, "Conseil National").await;
    wait_for_text(&c, "h1", "Règles propres : Conseil National").await;
    let reference = ("reference", "Congrès du 1er juin 2019, résolution");
    let date = ("effective_from", "2020-01-01");

    // Nothing changed: refused beside the rules.
    let before = head(addr);
    post(&c, "form.form", &[date, reference]).await;
    wait_for_text(&c, "#rules-error", "aucune ne change").await;
    // A length of mandate in words: refused beside its field.
    post(&c, "form.form", &[date, reference, ("termYears", "cinq")]).await;
    wait_for_text(&c, "#termYears-error", "un nombre entier").await;
    shot(&c, "body-rules-field-refused").await;
    // A quorum of more than all the members: the statutes refuse it.
    post(
        &c,
        "form.form",
        &[
            date,
            reference,
            ("quorum-comparison", "plus-de"),
            ("quorum-numerator", "3"),
            ("quorum-denominator", "3"),
            ("termYears", "5"),
        ],
    )
    .await;
    wait_for_text(
        &c,
        ".refusal",
        "un quorum est une fraction entre zéro et un",
    )
    .await;
    wait_for_text(&c, ".refusal", "INVALID_STATUTES").await;
    assert_eq!(head(addr), before);
    shot(&c, "body-rules-refused").await;
    accessible(&c, "body-rules").await;

    // Three quarters of its members at least, and four-year mandates.
    post(
        &c,
        "form.form",
        &[
            date,
            reference,
            ("quorum-comparison", "au-moins"),
            ("quorum-numerator", "3"),
            ("quorum-denominator", "4"),
            ("termYears", "4"),
        ],
    )
    .await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main h2", "version 2").await;
    let row = |rule: &str| {
        format!("//section[1]//tr[th[normalize-space(.) = \"Conseil National : {rule}\"]]/td")
    };
    let quorum = c
        .find(Locator::XPath(&row("quorum")))
        .await
        .expect("the quorum's row");
    assert_eq!(
        quorum.text().await.unwrap(),
        "au moins les trois quarts des membres"
    );
    let term = c
        .find(Locator::XPath(&row("durée des mandats (années)")))
        .await
        .expect("the term's row");
    assert_eq!(term.text().await.unwrap(), "4");
    assert!(head(addr) > before);

    // Its reference, mistyped, corrected from the statutes' page.
    follow(&c, "Corriger une version des statuts").await;
    wait_for_text(&c, "h1", "Corriger une version des statuts").await;
    choose(&c, "position", "Version 2 des statuts").await;
    post(
        &c,
        "form.form",
        &[
            ("correction", "Congrès du 1er juin 2019, résolution n° 7"),
            ("reason", "Numéro de la résolution omis"),
        ],
    )
    .await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(
        &c,
        "main",
        "Corrigé : Congrès du 1er juin 2019, résolution n° 7",
    )
    .await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_records_a_split_of_the_territory_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (db, credentials) = demo_store(dir.path());
    import_kidal_split(dir.path(), &db);
    let (server, c) = clerk_on(&driver, dir.path(), &db, &credentials).await;
    let addr = server.addr;

    c.goto(&format!("http://{addr}/membres")).await.unwrap();
    follow(&c, "Enregistrer une réorganisation territoriale").await;
    wait_for_text(&c, "h1", "Enregistrer une réorganisation territoriale").await;
    click(&c, "input[name='kind'][value='scission']").await;
    choose(&c, "from_edition", "2015").await;
    choose(&c, "to_edition", "2025").await;
    let fields = [
        ("predecessors", "ML080102"),
        ("effective_from", "2025-01-01"),
        (
            "legal_reference",
            "Décret n° 2024-0999 portant scission de Kidal",
        ),
    ];

    // A code the 2025 list lacks is named in the refusal; nothing kept.
    let before = head(addr);
    let mut unknown = fields.to_vec();
    unknown.push(("successors", "ML080197, ML089999"));
    post(&c, "form.form", &unknown).await;
    wait_for_text(&c, "#successors-error", "« ML089999 »").await;
    assert_eq!(head(addr), before);
    shot(&c, "reorganisation-refused").await;
    accessible(&c, "reorganisation").await;

    let mut known = fields.to_vec();
    known.push(("successors", "ml080197 ML080198"));
    post(&c, "form.form", &known).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main ul.list", "Le 1er janvier 2025, scission").await;
    wait_for_text(&c, "main ul.list", "Kidal-Sud (ML080198 2025)").await;
    assert!(head(addr) > before);

    // Kidal's succession now offers the split's successors.
    kidal(&c, addr).await;
    follow(&c, "Succession").await;
    wait_for_text(&c, "#successor", "Kidal-Nord").await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_without_quorum_is_convened_again_and_another_adjourned_in_a_browser() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;
    let body = "Conférence Régionale de Kidal";
    let day = |days| (chrono::Utc::now().date_naive() + chrono::Days::new(days)).to_string();

    // Opened with nobody present, the session fails its quorum.
    let first = convene(&c, addr, body, &day(40)).await;
    post(&c, "#emargement form[action$='/ouverture']", &[]).await;
    wait_for_text(&c, ".facts", "quorum non atteint").await;
    follow(&c, "Convoquer une seconde fois").await;
    wait_for_text(&c, ".alert", "Seconde convocation de la session du").await;
    let chosen = c.find(Locator::Css("#body option:checked")).await.unwrap();
    assert!(chosen.text().await.unwrap().starts_with(body));
    accessible(&c, "second convocation").await;

    // Sooner than the statutes allow after the first: refused, nothing kept.
    let before = head(addr);
    post(&c, "form.form", &[("session_date", &day(41))]).await;
    wait_for_text(&c, ".refusal", "SECOND_CONVOCATION_TOO_EARLY").await;
    assert_eq!(head(addr), before);
    post(&c, "form.form", &[("session_date", &day(70))]).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    assert!(head(addr) > before);
    // The first session is convened again once only.
    c.goto(&first).await.unwrap();
    wait_for_text(&c, ".facts", "quorum non atteint").await;
    assert!(
        !text_of(&c, "main")
            .await
            .contains("Convoquer une seconde fois")
    );
    let first_id = first.rsplit('/').next().unwrap();
    c.goto(&format!(
        "http://{addr}/sessions/convocation?seconde={first_id}"
    ))
    .await
    .unwrap();
    wait_for_text(&c, "h1", "Page introuvable").await;

    // Another session, prevented, is adjourned with its reason.
    convene(&c, addr, body, &day(45)).await;
    let before = head(addr);
    post(&c, "form[action$='/ajournement']", &[("reason", "")]).await;
    wait_for_text(&c, ".refusal", "Motif de l'ajournement").await;
    assert_eq!(head(addr), before);
    post(
        &c,
        "form[action$='/ajournement']",
        &[("reason", "Crue du fleuve, route coupée")],
    )
    .await;
    wait_for_text(&c, ".facts", "ajournée").await;
    wait_for_text(&c, ".facts", "Crue du fleuve, route coupée").await;
    shot(&c, "session-adjourned").await;
    drop(server);
}

/// The elements of the page that reach past the screen's
/// right edge, outside a frame that scrolls them (a wide table's): what
/// a phone would cut or scroll sideways. Each as its tag, id and edge.
const WIDER_THAN_THE_SCREEN: &str = r#"
    const screen = document.documentElement.clientWidth;
    const framed = e => {
        for (let p = e.parentElement; p; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
        }
        return false;
    };
    return [...document.querySelectorAll('body *')]
        .filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 1 && r.right > screen + 1 && !framed(e);
        })
        .slice(0, 5)
        .map(e => `${e.tagName.toLowerCase()}#${e.id} ${Math.round(e.getBoundingClientRect().right)}/${screen}`);
"#;

/// The address of the first link `css` finds on `page`.
async fn first_link(c: &Client, addr: std::net::SocketAddr, page: &str, css: &str) -> String {
    c.goto(&format!("http://{addr}{page}")).await.unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{page}: no {css}"))
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{page}: {css} has no href"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_the_secretariat_fits_a_360_pixel_phone() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (db, credentials) = demo_store(dir.path());
    let server = Server::start_with_credentials(&db, &credentials);
    let addr = server.addr;
    let c = browser(&driver, &dir.path().join("chromium"), 360, 800).await;
    sign_in(&c, addr, "awa", CLERK_PASSWORD).await;

    // The pages of one member, one session and one body, by their links;
    // the public verification page too.
    let member = first_link(&c, addr, "/membres?statut=actif", "table tbody a").await;
    let correction = first_link(&c, addr, &member, "a[href*='/correction?position=']").await;
    let session = first_link(
        &c,
        addr,
        "/sessions",
        "main a[href^='/sessions/']:not([href$='convocation'])",
    )
    .await;
    let seats = first_link(&c, addr, "/instances", "a[href$='/sieges']").await;
    let body = seats.trim_end_matches("/sieges");
    let pages = [
        ("dashboard", "/".to_owned()),
        ("directory", "/membres".into()),
        ("member", member.clone()),
        ("member-status", format!("{member}/statut")),
        ("member-contacts", format!("{member}/coordonnees")),
        ("member-succession", format!("{member}/succession")),
        ("member-correction", correction),
        ("admission", "/membres/admission".into()),
        ("dues-schedules", "/cotisations".into()),
        ("bodies", "/instances".into()),
        ("establishment", "/instances/nouvelle".into()),
        ("seats", seats.clone()),
        ("elections", format!("{body}/elections")),
        ("body-correction", format!("{body}/correction")),
        ("statutes", "/statuts".into()),
        ("amendment", "/statuts/modification".into()),
        ("body-rules", "/statuts/instances/conseil-national".into()),
        ("statutes-correction", "/statuts/correction".into()),
        ("reorganisation", "/territoire/reorganisation".into()),
        ("calendar", "/sessions".into()),
        ("convocation", "/sessions/convocation".into()),
        ("session", session.clone()),
        ("session-correction", format!("{session}/correction")),
        ("audit", "/audit".into()),
        ("verification", "/verifier".into()),
    ];
    for (name, page) in pages {
        c.goto(&format!("http://{addr}{page}")).await.unwrap();
        wait_for_text(&c, "h1", "").await;
        // The page itself, not a refusal in its place.
        let title = text_of(&c, "h1").await;
        for refusal in ["Page introuvable", "Accès refusé", "Service indisponible"] {
            assert!(!title.contains(refusal), "{page}: {title}");
        }
        // Nothing wider than the screen: a wide table scrolls in its own
        // frame, never the page.
        let wide = c.execute(WIDER_THAN_THE_SCREEN, vec![]).await.unwrap();
        let wide: Vec<String> = serde_json::from_value(wide).unwrap();
        shot(&c, &format!("phone-{name}")).await;
        accessible(&c, &format!("{name} on a phone")).await;
        assert!(wide.is_empty(), "{page}: wider than the screen: {wide:?}");
    }
    drop(server);
}

/// The clerk signed in on a store where the Congrès sits on 1 March 2024
/// and two posts of its bureau are in election: the president's, with
/// the three member communes standing, and the treasurer's, without a
/// candidate yet (a commune stands for one post at a time). Their ids,
/// and the communes'.
async fn clerk_at_two_elections(
    driver: &Driver,
    dir: &Path,
) -> (Server, Client, [String; 2], Vec<String>) {
    let db = dir.join("r.db");
    let (server, sec, _) = founded(&db);
    let a = server.addr;
    let congress = Congress::establish(a, &sec);
    let ben = congress.ben.clone();
    let session = congress.sits(a, &sec, "2024-03-01");
    let elections = ["Président", "Trésorier"].map(|title| {
        let post = ok(
            a,
            &sec,
            "definePost",
            &format!(r#"bodyId: "{ben}", title: "{title}", seats: 1"#),
        )["entityId"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(
            a,
            &sec,
            "openElection",
            &format!(r#"bodyId: "{ben}", postId: "{post}", sessionId: "{session}", seats: 1"#),
        )["entityId"]
            .as_str()
            .unwrap()
            .to_owned()
    });
    for (m, name) in congress.members.iter().zip(["A", "B", "C"]) {
        ok(
            a,
            &sec,
            "fileCandidacy",
            &format!(
                r#"bodyId: "{ben}", electionId: "{}", memberId: "{m}", holderName: "Maire {name}""#,
                elections[0]
            ),
        );
    }
    drop(server);
    let (server, c) = new_clerk_on(driver, dir, &db).await;
    (server, c, elections, congress.members)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_counts_an_election_round_and_each_refusal_stays_in_its_elections_form_in_a_browser()
 {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    let (server, c, [president, treasurer], members) =
        clerk_at_two_elections(&driver, dir.path()).await;
    let addr = server.addr;
    from_bodies(&c, addr, "Bureau Exécutif National", "élections").await;
    wait_for_text(&c, "h1", "Élections · Bureau Exécutif National").await;
    let form_of = |step: &str, election: &str| {
        format!(
            "form:has(input[name='step'][value='{step}']):has(input[name='election'][value='{election}'])"
        )
    };
    let value_of = |css: String| {
        let c = c.clone();
        async move {
            let field = c.find(Locator::Css(&css)).await.unwrap();
            field.prop("value").await.unwrap().unwrap_or_default()
        }
    };

    // Ballots that are not a number: refused beside the president's
    // election's field, the text kept there; the treasurer's election's
    // form says nothing, and nothing is recorded.
    let before = head(addr);
    post(&c, &form_of("tour", &president), &[("ballots", "trois")]).await;
    wait_for_text(
        &c,
        &format!("#ballots-{president}-error"),
        "Bulletins valables : un nombre entier",
    )
    .await;
    let field = c
        .find(Locator::Css(&format!("#ballots-{president}")))
        .await
        .unwrap();
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(value_of(format!("#ballots-{president}")).await, "trois");
    // The page's other forms show their blank values.
    assert_eq!(value_of("#seats".into()).await, "1");
    assert_eq!(count(&c, ".field-error").await, 1);
    c.execute(
        "document.getElementById(arguments[0]).scrollIntoView({ block: 'center' })",
        vec![format!("ballots-{president}").into()],
    )
    .await
    .unwrap();
    shot(&c, "election-round-refused").await;
    assert_eq!(head(addr), before);

    // A code no member has, for the treasurer: refused beside that
    // election's commune field; the president's round is shown blank.
    post(
        &c,
        &form_of("candidature", &treasurer),
        &[("commune", "ML999999"), ("holder", "Maire")],
    )
    .await;
    wait_for_text(&c, &format!("#commune-{treasurer}-error"), "aucun membre").await;
    assert_eq!(value_of(format!("#commune-{treasurer}")).await, "ML999999");
    assert_eq!(value_of(format!("#ballots-{president}")).await, "");
    assert_eq!(count(&c, ".field-error").await, 1);
    assert_eq!(head(addr), before);

    // The count as the tellers read it: two votes of three elect the
    // first commune in this round.
    let votes: Vec<String> = members.iter().map(|m| format!("voix_{m}")).collect();
    let mut filled = vec![("ballots", "3")];
    filled.extend(votes.iter().map(String::as_str).zip(["2", "1", "0"]));
    post(&c, &form_of("tour", &president), &filled).await;
    wait_for_text(&c, ".done", "Enregistré").await;
    wait_for_text(&c, "main", "Tour 1 : 3 bulletin(s) valable(s)").await;
    wait_for_text(&c, "main", "— élu").await;
    assert_eq!(count(&c, ".field-error").await, 0);
    assert!(head(addr) > before);
    accessible(&c, "elections in session").await;
    drop(server);
}
