//! The dossier: which documents (forms n-KNĐ, certificates, verification results) a candidacy
//! needs at each stage of the lifecycle.
//!
//! The catalogue is data, `data/dossier_forms.toml`, compiled in and parsed once: each
//! [`DossierForm`] names its code, its Vietnamese title, the [`Stage`]s in which it is made, who
//! makes it ([`Provider`]), whether it is always needed or only under a condition ([`Need`]) and
//! the source with its confidence mark (the KNĐ codes are **S**: dossier lists citing
//! HD 09-HD/BTCTW (2017) and HD 12-HD/BTCTW (2022), Phụ lục 2). [`checklist`] gives, for the
//! current stage and the candidate's [`DossierFacts`], the documents of this stage and those
//! carried from earlier stages that must already be in the dossier.

use std::sync::LazyLock;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer};

use crate::lifecycle::{Candidacy, Context, Stage, UnionKind};
use crate::rules::{Confidence, RuleSet};

/// The catalogue, embedded from `data/dossier_forms.toml`.
const FORMS_TOML: &str = include_str!("../data/dossier_forms.toml");

/// Who makes a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// The candidate, later the probationary member.
    Candidate,
    /// Each introducing official member.
    Introducer,
    /// The grassroots Youth Union committee.
    YouthUnion,
    /// The grassroots trade-union committee.
    TradeUnion,
    /// The cell committee (or the cell where there is none).
    CellCommittee,
    /// The cell, by resolution.
    Cell,
    /// The partial committee.
    PartialCommittee,
    /// The grassroots committee.
    GrassrootsCommittee,
    /// The committee competent to decide.
    CompetentCommittee,
    /// The political centre.
    PoliticalCentre,
    /// The assigned mentor.
    Mentor,
}

impl Provider {
    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Provider::Candidate => "Người vào Đảng (đảng viên dự bị)",
            Provider::Introducer => "Đảng viên chính thức giới thiệu",
            Provider::YouthUnion => "Ban chấp hành Đoàn cơ sở",
            Provider::TradeUnion => "Ban chấp hành công đoàn cơ sở",
            Provider::CellCommittee => "Chi ủy (chi bộ)",
            Provider::Cell => "Chi bộ",
            Provider::PartialCommittee => "Đảng ủy bộ phận",
            Provider::GrassrootsCommittee => "Đảng ủy cơ sở",
            Provider::CompetentCommittee => "Cấp ủy có thẩm quyền",
            Provider::PoliticalCentre => "Trung tâm chính trị",
            Provider::Mentor => "Đảng viên giúp đỡ",
        }
    }
}

/// When a document is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// In every dossier.
    Always,
    /// The Youth Union introduces the candidate (intro.youth_union).
    YouthUnion,
    /// The trade union introduces the candidate, where there is no Youth Union (intro.youth_union).
    TradeUnion,
    /// A partial committee stands above the cell (partial.appraisal).
    PartialCommittee,
    /// The cell is not a grassroots cell: the grassroots committee votes.
    GrassrootsCommittee,
    /// Some verification is needed (verify.scope, verify.exempt).
    Verification,
    /// A religious believer (religious).
    Religious,
    /// A candidate of Hoa ethnicity (ethnic_chinese).
    HoaEthnicity,
}

impl Need {
    /// The condition in Vietnamese, `None` for a document every dossier has.
    pub fn label_vi(self) -> Option<&'static str> {
        match self {
            Need::Always => None,
            Need::YouthUnion => Some("khi Đoàn Thanh niên giới thiệu"),
            Need::TradeUnion => Some("khi công đoàn giới thiệu (nơi không có tổ chức Đoàn)"),
            Need::PartialCommittee => Some("khi có đảng ủy bộ phận"),
            Need::GrassrootsCommittee => Some("khi chi bộ không phải chi bộ cơ sở"),
            Need::Verification => Some("trừ trường hợp được miễn thẩm tra"),
            Need::Religious => Some("người có đạo"),
            Need::HoaEthnicity => Some("người dân tộc Hoa"),
        }
    }

    /// Whether the facts call for the document.
    pub fn applies(self, facts: &DossierFacts) -> bool {
        match self {
            Need::Always => true,
            Need::YouthUnion => facts.union == Some(UnionKind::YouthUnion),
            Need::TradeUnion => facts.union == Some(UnionKind::TradeUnion),
            Need::PartialCommittee => facts.partial_committee,
            Need::GrassrootsCommittee => !facts.grassroots_cell,
            Need::Verification => facts.verification,
            Need::Religious => facts.religious,
            Need::HoaEthnicity => facts.hoa_ethnicity,
        }
    }
}

/// One document of the catalogue.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DossierForm {
    /// The code stored with an attached document (`1-KNĐ`, `CN-NTVĐ`…).
    pub code: String,
    /// An official form number (n-KNĐ); `false` for a code ketnap gives to a document without one.
    pub official_code: bool,
    /// The Vietnamese title.
    pub title: String,
    /// The stages in which the document is made; later stages carry it.
    pub stages: Vec<Stage>,
    /// Who makes it.
    pub provider: Provider,
    /// Always, or under which condition.
    pub need: Need,
    /// One copy per introducing member.
    #[serde(default)]
    pub per_introducer: bool,
    /// The step (its action code) whose record means the document exists.
    #[serde(default)]
    pub made_by: Option<String>,
    /// How sure the source is.
    #[serde(deserialize_with = "confidence_mark")]
    pub confidence: Confidence,
    /// Where the requirement comes from.
    pub source: String,
}

impl DossierForm {
    /// The first stage in which the document is made.
    pub fn first_stage(&self) -> Option<Stage> {
        self.stages.iter().min().copied()
    }

    /// The source as shown to a clerk: the citation, marked when unconfirmed.
    pub fn citation(&self) -> String {
        match self.confidence {
            Confidence::Unconfirmed => format!("{} (chưa xác nhận)", self.source),
            _ => self.source.clone(),
        }
    }
}

fn confidence_mark<'de, D: Deserializer<'de>>(d: D) -> Result<Confidence, D::Error> {
    let mark = String::deserialize(d)?;
    match mark.as_str() {
        "C" => Ok(Confidence::Confirmed),
        "S" => Ok(Confidence::Secondary),
        "U" => Ok(Confidence::Unconfirmed),
        "D" => Ok(Confidence::DeploymentChoice),
        other => Err(serde::de::Error::custom(format!(
            "confidence must be C, S, U or D, not {other:?}"
        ))),
    }
}

#[derive(Deserialize)]
struct FormsFile {
    form: Vec<DossierForm>,
}

fn parse(text: &str) -> Result<Vec<DossierForm>, toml::de::Error> {
    toml::from_str::<FormsFile>(text).map(|f| f.form)
}

/// The catalogue in lifecycle order. The file is compiled in and checked by the tests; should it
/// ever fail to parse, the catalogue is empty (every checklist empty, every code unknown) rather
/// than the program stopping.
static CATALOGUE: LazyLock<Vec<DossierForm>> =
    LazyLock::new(|| parse(FORMS_TOML).unwrap_or_default());

/// Every document of the catalogue, in lifecycle order.
pub fn catalogue() -> &'static [DossierForm] {
    &CATALOGUE
}

/// The document with this code.
pub fn form(code: &str) -> Option<&'static DossierForm> {
    CATALOGUE.iter().find(|f| f.code == code.trim())
}

/// What decides the conditional documents of one candidacy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DossierFacts {
    /// The union that introduces the candidate (4-KNĐ or 4A-KNĐ), if one does.
    pub union: Option<UnionKind>,
    /// Introducing party members needed: the copies of 3-KNĐ.
    pub introducers: u32,
    /// A partial committee stands above the cell (7-KNĐ).
    pub partial_committee: bool,
    /// The cell is a grassroots cell: no grassroots committee vote (no 8-KNĐ, 15-KNĐ).
    pub grassroots_cell: bool,
    /// Some verification is needed (not exempt under verify.exempt).
    pub verification: bool,
    /// A religious believer: extra verification items.
    pub religious: bool,
    /// Of Hoa ethnicity: extra verification items.
    pub hoa_ethnicity: bool,
}

impl DossierFacts {
    /// The facts of a candidacy under `rules`, the introduction judged on `on` (the cell's vote
    /// date once it voted, else today): the union is the one recorded, else the one the rules ask
    /// for (intro.youth_union); verification is needed unless both the candidate's own family and,
    /// for a married candidate, the spouse's side are exempt (verify.exempt).
    pub fn of(c: &Candidacy, ctx: &Context, rules: &RuleSet, on: Date) -> DossierFacts {
        let (introducers, needed) = Candidacy::introduction_needs(ctx, rules, on);
        let union = c.union_introduction.as_ref().map(|(u, _)| *u).or(needed);
        let exempt = rules.verify_exempt.value.0;
        let own_exempt = exempt && ctx.candidate.own_family_member;
        let spouse_exempt = exempt && ctx.candidate.spouse_family_member;
        DossierFacts {
            union,
            introducers,
            partial_committee: ctx.cell.has_partial_committee,
            grassroots_cell: ctx.cell.grassroots_cell,
            verification: !own_exempt || (ctx.candidate.married && !spouse_exempt),
            religious: ctx.candidate.religious && rules.religious.value.0,
            hoa_ethnicity: ctx.candidate.hoa_ethnicity && rules.ethnic_chinese.value.0,
        }
    }
}

/// One line of a checklist.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChecklistItem {
    /// The document.
    pub form: &'static DossierForm,
    /// Made in the current stage (else carried from an earlier one).
    pub current: bool,
    /// Copies needed (one per introducer for 3-KNĐ, else 1).
    pub copies: u32,
}

/// The documents a candidacy in `stage` needs: first those made in this stage, then those of
/// earlier stages that must already be in the dossier, each group in lifecycle order; conditional
/// documents only where the facts call for them. An exit stage (withdrawn, rejected, removed,
/// transferred, deceased, annulled) has no checklist.
pub fn checklist(stage: Stage, facts: &DossierFacts) -> Vec<ChecklistItem> {
    if stage.is_terminal() && stage != Stage::Official {
        return Vec::new();
    }
    let mut current = Vec::new();
    let mut carried = Vec::new();
    for form in catalogue() {
        if !form.need.applies(facts) {
            continue;
        }
        let copies = if form.per_introducer {
            facts.introducers.max(1)
        } else {
            1
        };
        if form.stages.contains(&stage) {
            current.push(ChecklistItem {
                form,
                current: true,
                copies,
            });
        } else if form.first_stage().is_some_and(|first| first < stage) {
            carried.push(ChecklistItem {
                form,
                current: false,
                copies,
            });
        }
    }
    current.extend(carried);
    current
}

/// The recorded steps that made `form` ([`DossierForm::made_by`]), oldest first, as (date, number):
/// a vote that did not pass makes no resolution.
pub fn made_by_steps<'a>(
    form: &DossierForm,
    events: impl IntoIterator<Item = &'a crate::lifecycle::Event>,
) -> Vec<(Date, Option<String>)> {
    let Some(code) = form.made_by.as_deref() else {
        return Vec::new();
    };
    events
        .into_iter()
        .filter(|e| crate::lifecycle::action_code(&e.action) == code && e.passed != Some(false))
        .map(|e| {
            (
                e.on,
                crate::lifecycle::action_number(&e.action).map(str::to_string),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::lifecycle::{Authority, CandidateFacts, CellFacts, Resolution};
    use crate::rules::RuleBook;

    fn codes(items: &[ChecklistItem]) -> Vec<&str> {
        items.iter().map(|i| i.form.code.as_str()).collect()
    }

    fn current(items: &[ChecklistItem]) -> Vec<&str> {
        items
            .iter()
            .filter(|i| i.current)
            .map(|i| i.form.code.as_str())
            .collect()
    }

    fn base() -> DossierFacts {
        DossierFacts {
            union: None,
            introducers: 2,
            partial_committee: false,
            grassroots_cell: false,
            verification: true,
            religious: false,
            hoa_ethnicity: false,
        }
    }

    fn context(birth: Date) -> Context {
        Context {
            candidate: CandidateFacts {
                birth_date: birth,
                education_grade12: 12,
                literate: true,
                youth_union_member: true,
                trade_union_member: false,
                religious: false,
                hoa_ethnicity: false,
                is_current_member: false,
                married: false,
                has_adult_children: false,
                own_family_member: false,
                spouse_family_member: false,
                over_age_exception: false,
            },
            cell: CellFacts {
                grassroots_cell: false,
                has_partial_committee: false,
                youth_union_exists: true,
                trade_union_instead: false,
                education_exception: None,
                competent_authority: Authority::SuperiorStandingCommittee,
                roster_official: None,
                student_thresholds: None,
            },
        }
    }

    #[test]
    fn the_shipped_catalogue_parses() {
        let parsed = parse(FORMS_TOML).expect("data/dossier_forms.toml parses");
        assert_eq!(parsed.len(), catalogue().len());
        assert_eq!(parsed.len(), 20);
        for f in catalogue() {
            assert!(!f.title.trim().is_empty(), "{} has a title", f.code);
            assert!(!f.source.trim().is_empty(), "{} has a source", f.code);
            assert!(!f.stages.is_empty(), "{} names a stage", f.code);
        }
    }

    /// Every `made_by` names a step that exists (the serialised `type` of an action).
    #[test]
    fn every_made_by_is_an_action_code() {
        let mut named = 0;
        for f in catalogue() {
            let Some(code) = &f.made_by else { continue };
            named += 1;
            let err = serde_json::from_value::<crate::lifecycle::Action>(
                serde_json::json!({ "type": code }),
            )
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
            assert!(!err.contains("unknown variant"), "{}: {err}", f.code);
        }
        assert!(named >= 15, "the steps that make documents are named");
    }

    #[test]
    fn every_code_is_unique() {
        let mut seen = HashSet::new();
        for f in catalogue() {
            assert!(seen.insert(f.code.as_str()), "{} twice", f.code);
        }
    }

    #[test]
    fn every_stage_named_is_a_stage_of_the_pipeline() {
        // Parsing already refuses a name that is not a `Stage`; an exit is no place for a form.
        for f in catalogue() {
            for s in &f.stages {
                assert!(Stage::ALL.contains(s));
                assert!(!s.is_terminal(), "{} in exit stage {s:?}", f.code);
            }
        }
    }

    #[test]
    fn the_catalogue_is_in_lifecycle_order() {
        let firsts: Vec<Stage> = catalogue()
            .iter()
            .filter_map(DossierForm::first_stage)
            .collect();
        assert!(firsts.windows(2).all(|w| w[0] <= w[1]), "{firsts:?}");
    }

    #[test]
    fn the_catalogue_holds_every_form_code_of_the_spec() {
        // lifecycle-and-rules.md §2, documents column (S: HD 09-HD/BTCTW 2017, HD 12-HD/BTCTW 2022
        // Annex 2).
        for code in [
            "1-KNĐ", "2-KNĐ", "3-KNĐ", "4-KNĐ", "4A-KNĐ", "5-KNĐ", "6-KNĐ", "7-KNĐ", "8-KNĐ",
            "9-KNĐ", "10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ", "15-KNĐ",
        ] {
            let f = form(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(f.official_code, "{code}");
            assert_eq!(f.confidence, Confidence::Secondary, "{code}");
            assert!(f.source.contains("HD 12-HD/BTCTW (2022)"), "{code}");
        }
        assert_eq!(
            catalogue().iter().filter(|f| !f.official_code).count(),
            5,
            "certificates and verification results"
        );
    }

    #[test]
    fn the_catalogue_covers_each_stage_the_spec_lists_forms_for() {
        // §2: awareness course (certificate), prepare dossier, verify background, cell vote,
        // grassroots vote, admission decision, probation, recognition vote.
        for stage in [
            Stage::Course,
            Stage::Dossier,
            Stage::Verification,
            Stage::CellVote,
            Stage::GrassrootsVote,
            Stage::AwaitingDecision,
            Stage::Probationary,
            Stage::RecognitionVote,
        ] {
            assert!(
                catalogue().iter().any(|f| f.stages.contains(&stage)),
                "no form for {stage:?}"
            );
        }
        let at = |code: &str| form(code).map(|f| f.stages.clone()).unwrap_or_default();
        assert_eq!(at("1-KNĐ"), vec![Stage::Dossier]);
        assert_eq!(at("6-KNĐ"), vec![Stage::CellVote]);
        assert_eq!(at("8-KNĐ"), vec![Stage::GrassrootsVote]);
        assert_eq!(at("9-KNĐ"), vec![Stage::AwaitingDecision]);
        assert_eq!(at("10-KNĐ"), vec![Stage::Probationary]);
        assert_eq!(at("15-KNĐ"), vec![Stage::RecognitionVote]);
    }

    #[test]
    fn a_bad_confidence_mark_is_refused() {
        let text = FORMS_TOML.replacen("confidence = \"S\"", "confidence = \"X\"", 1);
        assert!(parse(&text).is_err());
        let text = FORMS_TOML.replacen("stages = [\"Dossier\"]", "stages = [\"Nowhere\"]", 1);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn the_dossier_stage_asks_for_forms_1_to_5_and_carries_the_certificate() {
        let items = checklist(Stage::Dossier, &base());
        assert_eq!(
            codes(&items),
            vec!["1-KNĐ", "2-KNĐ", "3-KNĐ", "5-KNĐ", "CN-NTVĐ"]
        );
        assert_eq!(current(&items), vec!["1-KNĐ", "2-KNĐ", "3-KNĐ", "5-KNĐ"]);
        assert_eq!(items[2].copies, 2, "two introducers without a union");
    }

    #[test]
    fn intro_youth_union_a_youth_union_introduction_needs_form_4_knd_and_one_letter() {
        // intro.youth_union: the grassroots Youth Union committee and one official member
        // introduce (Charter Art. 4.1, C).
        let facts = DossierFacts {
            union: Some(UnionKind::YouthUnion),
            introducers: 1,
            ..base()
        };
        let items = checklist(Stage::Dossier, &facts);
        assert!(codes(&items).contains(&"4-KNĐ"));
        assert!(!codes(&items).contains(&"4A-KNĐ"));
        let letter = items
            .iter()
            .find(|i| i.form.code == "3-KNĐ")
            .map(|i| i.copies);
        assert_eq!(letter, Some(1));
    }

    #[test]
    fn intro_youth_union_a_trade_union_introduction_needs_form_4a_knd() {
        // intro.youth_union: where there is no Youth Union, the trade union introduces (Charter
        // Art. 4.1, C).
        let facts = DossierFacts {
            union: Some(UnionKind::TradeUnion),
            introducers: 1,
            ..base()
        };
        let items = checklist(Stage::Dossier, &facts);
        assert!(codes(&items).contains(&"4A-KNĐ"));
        assert!(!codes(&items).contains(&"4-KNĐ"));
        let none = checklist(Stage::Dossier, &base());
        assert!(!codes(&none).iter().any(|c| c.starts_with("4")));
    }

    #[test]
    fn the_cell_vote_carries_the_whole_dossier_and_asks_for_the_resolution_6_knd() {
        let items = checklist(Stage::CellVote, &base());
        assert_eq!(current(&items), vec!["6-KNĐ"]);
        for carried in ["CN-NTVĐ", "1-KNĐ", "2-KNĐ", "3-KNĐ", "5-KNĐ", "KQ-TTLL"] {
            let item = items.iter().find(|i| i.form.code == carried);
            assert!(item.is_some_and(|i| !i.current), "{carried}");
        }
    }

    #[test]
    fn partial_appraisal_form_7_knd_only_under_a_partial_committee() {
        // partial.appraisal: the partial committee appraises where one exists (S, HD 12 (2022)).
        let without = checklist(Stage::GrassrootsVote, &base());
        assert_eq!(current(&without), vec!["8-KNĐ"]);
        let with = DossierFacts {
            partial_committee: true,
            ..base()
        };
        assert_eq!(
            current(&checklist(Stage::GrassrootsVote, &with)),
            vec!["7-KNĐ", "8-KNĐ"]
        );
    }

    #[test]
    fn a_grassroots_cell_needs_no_grassroots_committee_resolution() {
        let facts = DossierFacts {
            grassroots_cell: true,
            ..base()
        };
        let decision = checklist(Stage::AwaitingDecision, &facts);
        assert!(!codes(&decision).contains(&"8-KNĐ"));
        assert_eq!(current(&decision), vec!["9-KNĐ"]);
        let recognition = checklist(Stage::RecognitionVote, &facts);
        assert!(current(&recognition).is_empty());
        assert!(!codes(&recognition).contains(&"15-KNĐ"));
        assert_eq!(
            current(&checklist(Stage::RecognitionVote, &base())),
            vec!["15-KNĐ"]
        );
    }

    #[test]
    fn religious_and_hoa_candidates_need_the_extra_verification_results() {
        // religious (QĐ 06-QĐ/TW 2018, S) and ethnic_chinese (TT 06-TT/TW 2004, S).
        assert_eq!(
            current(&checklist(Stage::Verification, &base())),
            vec!["KQ-TTLL"]
        );
        let facts = DossierFacts {
            religious: true,
            hoa_ethnicity: true,
            ..base()
        };
        assert_eq!(
            current(&checklist(Stage::Verification, &facts)),
            vec!["KQ-TTLL", "KQ-TTLL-TG", "KQ-TTLL-HOA"]
        );
    }

    #[test]
    fn verify_exempt_a_fully_exempt_candidate_has_no_verification_results() {
        // verify.exempt: no verification if a parent, sibling or child is a member (HD 01 (2021)
        // §3.4c, C).
        let facts = DossierFacts {
            verification: false,
            ..base()
        };
        assert!(current(&checklist(Stage::Verification, &facts)).is_empty());
    }

    #[test]
    fn probation_asks_for_the_probation_forms_and_the_new_member_certificate() {
        let items = checklist(Stage::Probationary, &base());
        assert_eq!(
            current(&items),
            vec!["10-KNĐ", "11-KNĐ", "12-KNĐ", "CN-ĐVM", "13-KNĐ"]
        );
        assert!(codes(&items).contains(&"9-KNĐ"));
    }

    #[test]
    fn an_official_member_carries_everything_and_an_exit_has_no_checklist() {
        let official = checklist(Stage::Official, &base());
        assert!(official.iter().all(|i| !i.current));
        assert_eq!(official.len(), 15);
        for exit in [
            Stage::Withdrawn,
            Stage::Rejected,
            Stage::Removed,
            Stage::TransferredOut,
            Stage::Deceased,
            Stage::Annulled,
        ] {
            assert!(checklist(exit, &base()).is_empty(), "{exit:?}");
        }
        assert!(checklist(Stage::Source, &base()).is_empty());
        assert!(checklist(Stage::Sympathizer, &base()).is_empty());
    }

    #[test]
    fn facts_of_a_young_candidate_where_the_youth_union_exists() {
        // intro.youth_union (Charter Art. 4.1, C): youth age, Youth Union present.
        let book = RuleBook::spec_default();
        let on = jiff::civil::date(2026, 3, 1);
        let rules = book.in_force(on);
        let ctx = context(jiff::civil::date(2000, 5, 20));
        let facts = DossierFacts::of(&Candidacy::default(), &ctx, rules, on);
        assert_eq!(facts.union, Some(UnionKind::YouthUnion));
        assert_eq!(facts.introducers, 1);
        assert!(facts.verification);
        let mut older = context(jiff::civil::date(1980, 5, 20));
        older.cell.has_partial_committee = true;
        older.candidate.own_family_member = true;
        let facts = DossierFacts::of(&Candidacy::default(), &older, rules, on);
        assert_eq!(facts.union, None);
        assert_eq!(facts.introducers, 2);
        assert!(facts.partial_committee);
        assert!(!facts.verification, "own family exempt, not married");
        older.candidate.married = true;
        assert!(DossierFacts::of(&Candidacy::default(), &older, rules, on).verification);
    }

    #[test]
    fn a_recorded_trade_union_introduction_decides_the_union_form() {
        let book = RuleBook::spec_default();
        let on = jiff::civil::date(2026, 3, 1);
        let c = Candidacy {
            union_introduction: Some((
                UnionKind::TradeUnion,
                Resolution {
                    number: "05-NQ/CĐ".into(),
                    on,
                },
            )),
            ..Candidacy::default()
        };
        let facts = DossierFacts::of(
            &c,
            &context(jiff::civil::date(2000, 5, 20)),
            book.in_force(on),
            on,
        );
        assert_eq!(facts.union, Some(UnionKind::TradeUnion));
        assert!(codes(&checklist(Stage::Dossier, &facts)).contains(&"4A-KNĐ"));
    }

    #[test]
    fn a_code_is_found_with_surrounding_spaces_and_unknown_codes_are_not() {
        assert_eq!(
            form(" 4A-KNĐ ").map(|f| f.provider),
            Some(Provider::TradeUnion)
        );
        assert!(form("14-KNĐ").is_none());
        assert!(form("").is_none());
        assert_eq!(
            form("7-KNĐ").and_then(|f| f.need.label_vi()),
            Some("khi có đảng ủy bộ phận")
        );
    }
}
