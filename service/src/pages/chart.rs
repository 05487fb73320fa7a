//! Bar charts drawn on the server as SVG: readable without JavaScript,
//! printable, and a few hundred bytes each.

use std::fmt::Write;

use crate::language::Language;

/// One bar: its label, its value, and the value written beside it.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub shown: String,
}

/// Horizontal bars, one per row, scaled to the largest value; `title` in
/// `lang` already. Labels are escaped: they come from the records.
pub fn horizontal(lang: Language, title: &str, bars: &[Bar]) -> String {
    const ROW: usize = 26;
    const LABEL: usize = 130;
    const BARS: usize = 160;
    // Room for the longest value written beside its bar (about 8 units a
    // character at the chart's type size).
    let value_room = bars
        .iter()
        .map(|b| b.shown.chars().count())
        .max()
        .unwrap_or(0)
        * 8
        + 8;
    let width = LABEL + BARS + value_room;
    let bar_room = BARS as f64;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let height = ROW * bars.len().max(1) + 4;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i * ROW + 2;
        let w = (b.value.max(0) as f64 / max * bar_room).round();
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{LABEL}" y="{}" width="{w}" height="{}" rx="2"></rect><text x="{}" y="{}">{}</text>"#,
            LABEL - 6,
            y + 17,
            escape(&b.label),
            y + 4,
            ROW - 8,
            LABEL as f64 + w + 5.0,
            y + 17,
            escape(&b.shown),
        );
    }
    if bars.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="4" y="18">{}</text>"#,
            escape(lang.tr("Aucune donnée"))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_bars_when_drawn_then_the_largest_fills_the_room_and_labels_are_escaped() {
        let svg = horizontal(
            Language::French,
            "Membres par région",
            &[
                Bar {
                    label: "Kayes".into(),
                    value: 10,
                    shown: "10".into(),
                },
                Bar {
                    label: "<script>".into(),
                    value: 5,
                    shown: "5".into(),
                },
            ],
        );
        assert!(svg.contains(r#"width="160""#), "{svg}");
        assert!(svg.contains(r#"width="80""#), "{svg}");
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
    }

    #[test]
    fn given_no_bars_when_drawn_then_it_says_so() {
        assert!(horizontal(Language::French, "Vide", &[]).contains("Aucune donnée"));
        assert!(horizontal(Language::English, "Empty", &[]).contains("No data"));
    }
}
