//! Least privilege (issue 18): each role reads of a candidate what [`Role::reads`] says — the
//! mass organisation only the candidates it proposed, and of them who and where; the political
//! centre who, where and the course; a mentor their own candidates' steps and notes, no sensitive
//! field, no dossier, no roster; staff everything. Checked on the page and, for the store's
//! refusals, below it.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use crate::common;
use common::*;

use axum::http::StatusCode;
use ketnap_store::{Field, Role, Scope, candidacies, fetch_all};

fn candidate_ids(body: &str) -> Vec<String> {
    body.split("<td><a href=\"/candidates/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// What the candidate page shows of each part, for the logged-in user.
struct Shown {
    sensitive: bool,
    history: bool,
    notes: bool,
    dossier: bool,
}

fn shown(body: &str) -> Shown {
    Shown {
        sensitive: body.contains("<dt>Dân tộc</dt>") || body.contains("<dt>Tôn giáo</dt>"),
        history: body.contains("id=\"timeline-h\""),
        notes: body.contains("id=\"notes-h\""),
        dossier: body.contains("id=\"dossier-h\""),
    }
}

#[tokio::test]
async fn each_role_reads_of_a_candidate_only_what_its_job_needs() {
    for (user, role) in [
        ("tochuc", Role::OrgStaff),
        ("bithu", Role::CellSecretary),
        ("giupdo", Role::Mentor),
        ("ttct", Role::PoliticalCentre),
        ("doanthanhnien", Role::MassOrg),
    ] {
        let mut app = TestApp::spawn().await;
        app.login(user).await;
        let list = app.get("/candidates").await;
        assert_eq!(list.status, StatusCode::OK, "{user}");
        let ids = candidate_ids(&list.body);
        assert!(!ids.is_empty(), "{user} reaches some candidate");
        let page = app.get(&format!("/candidates/{}", ids[0])).await;
        assert_eq!(page.status, StatusCode::OK, "{user}");
        let s = shown(&page.body);
        assert_eq!(
            s.sensitive,
            role.reads(Field::Sensitive),
            "{user}: sensitive"
        );
        assert_eq!(
            s.history,
            role.reads(Field::History) || role.reads(Field::CourseResults),
            "{user}: history (the course steps for the centre)"
        );
        assert_eq!(s.notes, role.reads(Field::MentorNotes), "{user}: notes");
        assert_eq!(
            s.dossier,
            role.reads(Field::DossierFiles),
            "{user}: dossier"
        );
    }
}

#[tokio::test]
async fn a_mass_organisation_reaches_only_the_candidates_its_organisations_proposed() {
    let mut app = TestApp::spawn().await;
    app.login("doanthanhnien").await;
    let list = app.get("/candidates").await;
    let ids = candidate_ids(&list.body);
    assert!(!ids.is_empty());
    let mut conn = app.store.read().await.unwrap();
    let proposed: Vec<(String,)> = fetch_all!(
        conn.ex(),
        (String,),
        "SELECT pub_id FROM candidacy WHERE proposed_by IS NOT NULL"
    )
    .unwrap();
    let proposed: Vec<String> = proposed.into_iter().map(|(p,)| p).collect();
    for id in &ids {
        assert!(
            proposed.contains(id),
            "{id} was not proposed by a mass organisation"
        );
    }
    // A candidate of the same commune that no mass organisation proposed is not found.
    let (other,): (String,) = ketnap_store::fetch_one!(
        conn.ex(),
        (String,),
        "SELECT c.pub_id FROM candidacy c JOIN org_closure oc ON oc.descendant_id = c.cell_id \
         JOIN user_scope us ON us.org_id = oc.ancestor_id JOIN app_user u ON u.user_id = us.user_id \
         WHERE u.username = 'doanthanhnien' AND c.proposed_by IS NULL LIMIT 1"
    )
    .unwrap();
    drop(conn);
    let res = app.get(&format!("/candidates/{other}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_store_refuses_the_fields_a_role_does_not_read() {
    let app = TestApp::spawn().await;
    let mut conn = app.store.read().await.unwrap();
    let (id, user): (String, i64) = ketnap_store::fetch_one!(
        conn.ex(),
        (String, i64),
        "SELECT c.pub_id, u.user_id FROM candidacy c JOIN org_closure oc ON oc.descendant_id = c.cell_id \
         JOIN user_scope us ON us.org_id = oc.ancestor_id JOIN app_user u ON u.user_id = us.user_id \
         WHERE u.username = 'ttct' LIMIT 1"
    )
    .unwrap();
    let centre = Scope::user(user, Role::PoliticalCentre, None);
    assert!(candidacies::get(&mut conn, &centre, &id).await.is_ok());
    for (what, refused) in [
        (
            "history beyond the course steps",
            !candidacies::history(&mut conn, &centre, &id)
                .await
                .unwrap()
                .iter()
                .any(|e| {
                    !matches!(
                        e.kind.as_str(),
                        "enrol_in_course"
                            | "fail_course"
                            | "record_certificate"
                            | "complete_new_member_course"
                    )
                }),
        ),
        (
            "notes",
            candidacies::mentor_notes(&mut conn, &centre, &id)
                .await
                .is_err(),
        ),
        (
            "documents",
            candidacies::documents(&mut conn, &centre, &id)
                .await
                .is_err(),
        ),
    ] {
        assert!(refused, "the political centre does not read the {what}");
    }
    assert!(
        candidacies::history(&mut conn, &Scope::system(), &id)
            .await
            .is_ok(),
        "the same history is there for those who read it"
    );
}

#[tokio::test]
async fn the_political_centre_opens_a_candidate_no_mass_organisation_proposed() {
    let app = TestApp::spawn().await;
    let mut conn = app.store.read().await.unwrap();
    let (id, user): (String, i64) = ketnap_store::fetch_one!(
        conn.ex(),
        (String, i64),
        "SELECT c.pub_id, u.user_id FROM candidacy c JOIN org_closure oc ON oc.descendant_id = c.cell_id \
         JOIN user_scope us ON us.org_id = oc.ancestor_id JOIN app_user u ON u.user_id = us.user_id \
         WHERE u.username = 'ttct' AND c.proposed_by IS NULL AND c.stage = 'sympathizer' LIMIT 1"
    )
    .unwrap();
    let centre = Scope::user(user, Role::PoliticalCentre, None);
    let got = candidacies::get(&mut conn, &centre, &id).await;
    assert!(got.is_ok(), "{got:?}");
}
