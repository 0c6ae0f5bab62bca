//! Words for people (issue 15, point 7): every page a demo role reaches from its menu, and the
//! pages those link to (a candidate, an organisation, filters, later pages), shows no public id,
//! no internal English term and no rule key in parentheses in the text a person reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use common::*;

use std::collections::{BTreeSet, VecDeque};

use axum::http::StatusCode;

/// Internal words that must never reach a staff member's screen.
const INTERNAL: [&str; 23] = [
    "key_position",
    "residential_unit",
    "candidacy",
    "mass_org",
    "pub_id",
    "org_id",
    "person_id",
    "null",
    "undefined",
    "Some(",
    "None",
    "NaN",
    "Overdue",
    "DueSoon",
    "Upcoming",
    "official_members",
    "in_favour",
    "record_",
    "cell_vote",
    "_vote",
    "Kiểm tra dữ liệu của ketnap",
    "Tải JSON",
    "dd/mm/yyyy",
];

/// The text a person reads: tags, their attributes, scripts and styles removed.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let tag = &rest[lt..];
        let skip_to = if tag.starts_with("<script") {
            tag.find("</script>").map(|e| e + "</script>".len())
        } else if tag.starts_with("<style") {
            tag.find("</style>").map(|e| e + "</style>".len())
        } else if tag.starts_with("<svg") {
            // Charts: their text is labels and numbers, read through aria-labels elsewhere.
            tag.find("</svg>").map(|e| e + "</svg>".len())
        } else {
            tag.find('>').map(|e| e + 1)
        };
        match skip_to {
            Some(n) => rest = &tag[n..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Words of 13 characters of the public-id alphabet with digits and letters mixed.
fn public_ids(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 13)
        .filter(|w| {
            w.bytes().any(|b| b.is_ascii_digit())
                && w.bytes().any(|b| b.is_ascii_lowercase())
                && w.bytes()
                    .all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b))
        })
        .map(str::to_string)
        .collect()
}

/// "(cert.validity)", "(cert.issuer, cert.validity)": a rule key in parentheses.
fn rule_keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('(') {
        let inner = &text[i + 1..];
        let Some(end) = inner.find(')') else { continue };
        let inner = &inner[..end];
        let is_key = |s: &str| {
            let s = s.trim();
            s.split_once('.').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
                    && b.bytes()
                        .all(|c| c.is_ascii_lowercase() || c == b'_' || c == b'.')
            })
        };
        if !inner.is_empty() && inner.split(',').all(is_key) {
            out.push(format!("({inner})"));
        }
    }
    out
}

/// Same-site links of a page worth following (no downloads, no logout, no print copies).
fn links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap_or(0)].replace("&amp;", "&"))
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .filter(|h| {
            !h.starts_with("/static")
                && !h.contains("format=")
                && !h.contains("/download")
                && !h.contains("/documents/")
                && !h.contains("/template/")
                && !h.starts_with("/api")
                && !h.starts_with("/logout")
                && !h.starts_with("/metrics")
                && !h.contains("print=")
                && !h.contains('#')
        })
        .collect()
}

/// The first path segment and whether a query is present: a page "kind", so a tour visits a
/// few of each kind instead of every candidate.
fn kind_of(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let first = p.trim_start_matches('/').split('/').next().unwrap_or("");
    let depth = p.trim_start_matches('/').split('/').count();
    format!("{first}/{depth}/{}", !q.is_empty())
}

#[tokio::test]
async fn no_page_of_any_role_shows_a_public_id_an_internal_word_or_a_rule_key() {
    let mut app = TestApp::spawn().await;
    let mut problems: Vec<String> = Vec::new();
    let mut pages = 0;
    for user in USERS {
        app.login(user).await;
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut per_kind: std::collections::HashMap<String, usize> = Default::default();
        let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
        while let Some(path) = queue.pop_front() {
            if !seen.insert(path.clone()) || seen.len() > 60 {
                continue;
            }
            let page = app.get(&path).await;
            if page.status != StatusCode::OK {
                continue;
            }
            pages += 1;
            let text = visible_text(&page.body);
            for id in public_ids(&text) {
                problems.push(format!("{user} {path}: a public id “{id}”"));
            }
            for word in INTERNAL {
                if text.contains(word) {
                    problems.push(format!("{user} {path}: the internal word “{word}”"));
                }
            }
            for key in rule_keys(&text) {
                problems.push(format!("{user} {path}: a rule key {key}"));
            }
            for id in ketnap_domain::RuleSet::IDS {
                if text.contains(id) {
                    problems.push(format!("{user} {path}: the rule id “{id}”"));
                }
            }
            for next in links(&page.body) {
                let n = per_kind.entry(kind_of(&next)).or_default();
                if *n < 3 && !seen.contains(&next) {
                    *n += 1;
                    queue.push_back(next);
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(pages > 80, "the tours read {pages} pages");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_checks_find_what_they_look_for() {
    assert_eq!(public_ids("hồ sơ 696r70t9j7m6q đây"), vec!["696r70t9j7m6q"]);
    assert!(public_ids("Nguyễn Văn Đức 0123456789012").is_empty());
    assert_eq!(
        rule_keys("Căn cứ: HD 01 (cert.issuer, cert.validity): x"),
        vec!["(cert.issuer, cert.validity)"]
    );
    assert!(rule_keys("(ví dụ 07/03/2026) (S)").is_empty());
    assert_eq!(
        visible_text("<p title=\"x.y\">Chi bộ <b>1</b></p><script>null</script>").trim(),
        "Chi bộ  1"
    );
}
