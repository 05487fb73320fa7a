//! The pages in English, in a real browser (see `web.rs`): a viewer whose
//! browser prefers French switches to English with the link in the page's
//! header, reads the dashboard, the directory, a member's page and a form
//! in English, is refused in English, and switches back to French.

use fantoccini::{Client, Locator};

use crate::support::{http, scratch};
use crate::web::{
    accessible, clerk_on_demo, demo_server, driver, head, post_payment, shot, text_of,
    wait_for_text,
};

/// The page's text has every word of `present` and none of `absent`.
async fn reads(c: &Client, page: &str, present: &[&str], absent: &[&str]) {
    let text = text_of(c, "body").await;
    for word in present {
        assert!(text.contains(word), "{page}: no {word:?} in\n{text}");
    }
    for word in absent {
        assert!(!text.contains(word), "{page}: {word:?} in\n{text}");
    }
}

/// Follows the language switch in the page's header.
async fn switch_language(c: &Client) {
    c.find(Locator::Css("header a.language"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn language_of_the_page(c: &Client) -> String {
    c.find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_switches_to_english_reads_the_pages_and_forms_in_english_and_back_to_french() {
    let Some(driver) = driver() else { return };
    let dir = scratch();
    // The browser asks for French (see `web::browser`).
    let (server, c) = clerk_on_demo(&driver, dir.path()).await;
    let addr = server.addr;
    assert_eq!(language_of_the_page(&c).await, "fr");

    // The switch in the header: back on the same page, in English.
    switch_language(&c).await;
    wait_for_text(&c, "h1", "Dashboard").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/");
    assert_eq!(language_of_the_page(&c).await, "en");
    wait_for_text(&c, "#direct", "Latest records").await;
    reads(
        &c,
        "dashboard",
        &[
            "Members",
            "In arrears with dues",
            "Minutes to sign",
            "Dues by year",
            "Upcoming sessions",
            "CFA F ",
            "Sign out",
            "secretariat",
        ],
        &[
            "Tableau de bord",
            "Cotisations",
            "Derniers enregistrements",
            "F CFA",
            "Se déconnecter",
            "Membres",
        ],
    )
    .await;
    shot(&c, "english-dashboard").await;
    accessible(&c, "dashboard in English").await;

    // The directory, from the navigation.
    c.find(Locator::LinkText("Members"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "h1", "Members").await;
    reads(
        &c,
        "directory",
        &[
            "Name or P-code",
            "Region",
            "Status",
            "member(s)",
            "active member",
            "Search",
        ],
        &[
            "Rechercher",
            "Région",
            "Statut\n",
            "membre actif",
            "membre(s)",
        ],
    )
    .await;
    shot(&c, "english-directory").await;
    accessible(&c, "directory in English").await;

    // A member's page.
    c.goto(&format!("http://{addr}/membres?statut=actif"))
        .await
        .unwrap();
    c.find(Locator::Css("table tbody a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "main", "Dues by year").await;
    let member_url = c.current_url().await.unwrap();
    reads(
        &c,
        "member",
        &[
            "Member since",
            "Dues category",
            "Payments",
            "Record a payment",
            "Amount (CFA F)",
            "History",
            "Admission",
        ],
        &["Membre depuis", "Paiements", "Historique", "F CFA"],
    )
    .await;
    shot(&c, "english-member").await;
    accessible(&c, "member in English").await;

    // Its payment form refuses a malformed amount beside the field, then
    // the domain refuses a receipt used twice: both in English.
    let before = head(addr);
    post_payment(&c, "fifty thousand", "R-EN-1").await;
    wait_for_text(&c, "#amount-error", "Amount: invalid amount").await;
    assert_eq!(head(addr), before, "a refused form records nothing");
    shot(&c, "english-payment-refused").await;
    c.goto(member_url.as_str()).await.unwrap();
    post_payment(&c, "50,000", "R-EN-1").await;
    wait_for_text(&c, ".done", "Recorded.").await;
    wait_for_text(&c, "main", "CFA F 50,000").await;
    post_payment(&c, "10,000", "R-EN-1").await;
    wait_for_text(&c, ".refusal", "(code RECEIPT_ALREADY_USED)").await;
    reads(
        &c,
        "member refused",
        &["Receipt R-EN-1 is already used by another payment."],
        &["déjà enregistré"],
    )
    .await;
    shot(&c, "english-member-refused").await;
    accessible(&c, "member with a refusal in English").await;

    // A form of its own page: the status.
    c.goto(&format!("http://{addr}{}/statut", member_url.path()))
        .await
        .unwrap();
    wait_for_text(&c, "h1", "Status of").await;
    reads(
        &c,
        "status form",
        &[
            "Current status:",
            "Suspend",
            "Effective date",
            "Reason",
            "Record the change",
        ],
        &["Statut actuel", "Date d'effet", "Motif", "Enregistrer"],
    )
    .await;
    let form = c.form(Locator::Css("form.form")).await.unwrap();
    form.set_by_name("effective_on", "").await.unwrap();
    form.submit().await.unwrap();
    wait_for_text(&c, "#change-error", "Change: choose one from the list.").await;
    wait_for_text(&c, "#effective_on-error", "Effective date: required.").await;
    shot(&c, "english-status-refused").await;
    accessible(&c, "status form in English").await;

    // The statutes, the bodies and a session's page.
    c.goto(&format!("http://{addr}/statuts")).await.unwrap();
    wait_for_text(&c, "main", "In force: version 2").await;
    reads(
        &c,
        "statutes",
        &[
            "Majority for an amendment of the statutes",
            "of the votes cast",
        ],
        &["En vigueur", "suffrages exprimés"],
    )
    .await;
    shot(&c, "english-statutes").await;
    c.goto(&format!("http://{addr}/instances")).await.unwrap();
    wait_for_text(&c, "h1", "Bodies and organs").await;
    // Names of bodies are proper names, as recorded.
    reads(
        &c,
        "bodies",
        &[
            "Bureau Exécutif National",
            "national organ",
            "posts and seats",
        ],
        &["organe national", "postes et sièges"],
    )
    .await;
    shot(&c, "english-bodies").await;

    // The secretariat's other forms: a year's dues schedule, a body
    // established, with their refusals.
    c.goto(&format!("http://{addr}/cotisations")).await.unwrap();
    wait_for_text(&c, "h1", "Dues schedules").await;
    reads(
        &c,
        "dues schedules",
        &["Set a year's schedule", "Due date", "CFA F 250,000"],
        &["Fixer le barème", "Échéance", "F CFA"],
    )
    .await;
    c.goto(&format!("http://{addr}/instances/nouvelle"))
        .await
        .unwrap();
    let form = c.form(Locator::Css("form.form")).await.unwrap();
    form.set_by_name("name", "Bureau du Cercle de Bourem")
        .await
        .unwrap();
    form.submit().await.unwrap();
    wait_for_text(&c, "#kind-error", "Kind: body or organ?").await;
    reads(
        &c,
        "establishment",
        &[
            "Establish a body or an organ",
            "In the statutes' terms",
            "Territory",
        ],
        &["Créer une instance", "Au sens des statuts", "Territoire"],
    )
    .await;
    shot(&c, "english-establishment-refused").await;
    c.goto(&format!("http://{addr}/statuts/instances/bureau-national"))
        .await
        .unwrap();
    wait_for_text(&c, "h1", "Own rules: Bureau Exécutif National").await;
    reads(
        &c,
        "a body's rules",
        &[
            "Who sits in it",
            "In case of a tie",
            "the chair has the casting vote",
            "Elected by",
        ],
        &[
            "Qui y siège",
            "En cas de partage",
            "Comparaison",
            "Numérateur",
        ],
    )
    .await;
    accessible(&c, "a body's rules in English").await;
    c.goto(&format!("http://{addr}/sessions")).await.unwrap();
    c.find(Locator::Css("ul.list a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&c, "main", "Attendance sheet").await;
    reads(
        &c,
        "session",
        &["Agenda", "Notice period", "Motions and votes", "Minutes"],
        &["Ordre du jour", "Préavis", "Feuille d'émargement"],
    )
    .await;
    shot(&c, "english-session").await;
    accessible(&c, "session in English").await;

    // An error page, in the chosen language too.
    c.goto(&format!("http://{addr}/membres/pas-un-membre"))
        .await
        .unwrap();
    wait_for_text(&c, "h1", "Page not found").await;
    assert_eq!(language_of_the_page(&c).await, "en");

    // Back to French with the same switch.
    c.goto(&format!("http://{addr}/membres")).await.unwrap();
    switch_language(&c).await;
    wait_for_text(&c, "h1", "Membres").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/membres");
    assert_eq!(language_of_the_page(&c).await, "fr");
    reads(
        &c,
        "directory in French",
        &["Rechercher", "Région", "Statut", "membre actif"],
        &["Search", "Region", "active member", "Sign out"],
    )
    .await;
    shot(&c, "english-back-to-french").await;

    c.close().await.unwrap();
    drop(server);
}

#[test]
fn the_switch_keeps_the_choice_in_a_strict_cookie_and_returns_to_this_site_alone() {
    let dir = scratch();
    let server = demo_server(dir.path());
    let addr = server.addr;
    let answer = http(
        addr,
        "GET",
        "/langue/en?retour=%2Fmembres%3Fq%3Dx",
        &[],
        b"",
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), Some("/membres?q=x"));
    let cookie = answer.header("set-cookie").expect("a cookie");
    for part in [
        "langue=en",
        "Path=/",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=31536000",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    for elsewhere in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let answer = http(
            addr,
            "GET",
            &format!("/langue/en?retour={elsewhere}"),
            &[],
            b"",
        );
        assert_eq!(answer.header("location"), Some("/"), "{elsewhere}");
    }
    assert_eq!(http(addr, "GET", "/langue/de", &[], b"").status, 404);
    // Signed out, the sign-in page is in the language chosen, then in the
    // one the browser prefers.
    let chosen = http(addr, "GET", "/connexion", &[("Cookie", "langue=en")], b"");
    assert!(
        chosen.body.contains("<html lang=\"en\">"),
        "{}",
        chosen.body
    );
    assert!(chosen.body.contains("Account name"), "{}", chosen.body);
    let preferred = http(
        addr,
        "GET",
        "/connexion",
        &[("Accept-Language", "en-GB,en;q=0.9")],
        b"",
    );
    assert!(preferred.body.contains("Password"), "{}", preferred.body);
    let french = http(addr, "GET", "/connexion", &[], b"");
    assert!(french.body.contains("Mot de passe"), "{}", french.body);
    drop(server);
}
