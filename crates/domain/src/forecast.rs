//! The year-end forecast of admissions: how many, within what range, and whether the quota will
//! be met — from the organisation's own history, with the method written out for the page.
//!
//! Method ([`forecast`]), chosen to be explained in one paragraph ([`Forecast::method_vi`]):
//! 1. Every open candidacy (current stage from [`Stage::Source`] to [`Stage::AwaitingDecision`])
//!    stands in a stage `s` and has waited `t` days there; the window left is `H` days, from today
//!    to 31/12 inclusive.
//! 2. Its probability `p` of an admission decision within the window is a plain proportion over
//!    the history's *spells* (one spell = one stay of a candidacy in one stage): among the spells
//!    in `s` that lasted at least `t` days and whose own window `[t, t + H]` lies wholly in the
//!    past (so their outcome is known), the share with an approved admission decision on a day in
//!    that window. With fewer than [`MIN_SAMPLE`] such spells the rate is pooled over every
//!    spell in `s` whatever the time waited (window `[0, H]`), and the forecast is flagged
//!    [`SPARSE_LABEL`]; a stage the history never saw gets `p = 0` and blocks a negative verdict.
//! 3. Expected admissions = admitted so far + Σ p. The count to come is a sum of independent
//!    Bernoulli variables: its exact Poisson-binomial distribution is built by dynamic programming
//!    (no sampling, no randomness). The range is its 10th–90th percentiles, widened when needed
//!    so it always contains the expected value; the chance of meeting the quota is the
//!    distribution's tail at the quota.
//!
//! An admission is the first entry into a stage after the decision ([`Stage::AwaitingCeremony`],
//! or later member stages): an admission annulled afterwards still was a decision in time.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::dates::format_vn;
use crate::lifecycle::Stage;
use crate::numfmt::{decimal_vi, group_thousands, percent_vi};

/// Below this many comparable spells, a candidacy's rate is pooled over its stage.
pub const MIN_SAMPLE: u32 = 10;

/// The flag shown when some rate had to be pooled.
pub const SPARSE_LABEL: &str = "ít dữ liệu";

/// At or above this chance of meeting the quota: "Dự báo đạt chỉ tiêu".
pub const LIKELY_AT: f64 = 0.8;
/// At or above this (and below [`LIKELY_AT`]): possible but uncertain.
pub const POSSIBLE_AT: f64 = 0.5;
/// At or above this (and below [`POSSIBLE_AT`]): at risk; below it: not expected to be met.
pub const AT_RISK_AT: f64 = 0.2;

/// Entering a stage on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    /// The stage entered.
    pub stage: Stage,
    /// The date of the event that entered it.
    pub on: Date,
}

/// One candidacy of the subtree as the forecast sees it: the stages it entered, with dates.
///
/// A store query fills it from `candidacy_event` rows (`on_date`, `stage`, ordered by `seq`)
/// through [`CandidacyHistory::from_events`]; the current stage and the outcome follow from the
/// passages. The history must hold every candidacy open today, however old, and the others
/// observed since [`ForecastInput::history_since`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidacyHistory {
    /// Opaque id (the candidacy's public id), for drill-down; never a name.
    pub id: String,
    /// The stages entered, in the order of the events.
    pub passages: Vec<Passage>,
}

/// How a candidacy ended, or that it has not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Still in the pipeline (a candidate stage).
    Open,
    /// An approved admission decision on this date (even if later annulled or removed).
    Admitted {
        /// The date it entered the first stage after the decision.
        on: Date,
    },
    /// Left without an admission: withdrawn, rejected, transferred out, deceased.
    Left {
        /// The stage it left to.
        stage: Stage,
        /// When.
        on: Date,
    },
}

/// A stage reached only through an approved admission decision.
fn is_admitted_stage(s: Stage) -> bool {
    matches!(
        s,
        Stage::AwaitingCeremony | Stage::Probationary | Stage::RecognitionVote | Stage::Official
    )
}

impl CandidacyHistory {
    /// From `(date, stage after the event)` pairs in event order (`candidacy_event.on_date`,
    /// `stage`, by `seq`): an event that keeps the stage adds no passage.
    pub fn from_events(
        id: impl Into<String>,
        events: impl IntoIterator<Item = (Date, Stage)>,
    ) -> CandidacyHistory {
        let mut passages: Vec<Passage> = Vec::new();
        for (on, stage) in events {
            if passages.last().map(|p| p.stage) != Some(stage) {
                passages.push(Passage { stage, on });
            }
        }
        CandidacyHistory {
            id: id.into(),
            passages,
        }
    }

    /// The current stage and since when; `None` without events.
    pub fn current(&self) -> Option<Passage> {
        self.passages.last().copied()
    }

    /// The date of the admission decision (the first passage into a stage after it).
    pub fn admitted_on(&self) -> Option<Date> {
        self.passages
            .iter()
            .find(|p| is_admitted_stage(p.stage))
            .map(|p| p.on)
    }

    /// How it ended, or [`Outcome::Open`].
    pub fn outcome(&self) -> Outcome {
        if let Some(on) = self.admitted_on() {
            return Outcome::Admitted { on };
        }
        match self.current() {
            Some(p) if !p.stage.is_candidate() => Outcome::Left {
                stage: p.stage,
                on: p.on,
            },
            _ => Outcome::Open,
        }
    }
}

/// What the forecast is computed from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastInput {
    /// Today; the forecast runs to 31/12 of its year.
    pub today: Date,
    /// The start of the history observed (shown in the method).
    pub history_since: Date,
    /// Admissions of the subtree from 01/01 to today (the counters' `admission` metric).
    pub admitted_so_far: u32,
    /// The year's admissions target, if a plan sets one.
    pub quota: Option<u32>,
    /// The candidacies of the subtree.
    pub candidacies: Vec<CandidacyHistory>,
}

/// What an open candidacy's probability rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    /// Spells in the same stage that had waited at least as long: at least [`MIN_SAMPLE`].
    SameStageAndWait,
    /// Too few of those: every spell in the same stage, whatever the wait (flagged sparse).
    SameStagePooled,
    /// The history has no spell in this stage with a known outcome: `p = 0`.
    NoData,
}

impl Basis {
    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Basis::SameStageAndWait => "cùng giai đoạn, đã chờ lâu tương đương",
            Basis::SameStagePooled => "gộp cả giai đoạn (ít dữ liệu)",
            Basis::NoData => "chưa có dữ liệu",
        }
    }
}

/// One open candidacy's estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpenEstimate {
    /// The candidacy's opaque id.
    pub id: String,
    /// Its current stage.
    pub stage: Stage,
    /// Since when.
    pub since: Date,
    /// Days waited in the stage as of today.
    pub days_in_stage: u32,
    /// The probability of an admission decision by 31/12, in [0, 1].
    pub p: f64,
    /// What `p` rests on.
    pub basis: Basis,
    /// Comparable spells counted.
    pub sample: u32,
    /// Of those, admitted within the window.
    pub admitted_in_sample: u32,
}

/// The verdict on the quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// No target to compare with.
    NoQuota,
    /// Already met.
    Reached,
    /// Chance ≥ [`LIKELY_AT`].
    Likely,
    /// Chance in [[`POSSIBLE_AT`], [`LIKELY_AT`]).
    Possible,
    /// Chance in [[`AT_RISK_AT`], [`POSSIBLE_AT`]).
    AtRisk,
    /// Chance below [`AT_RISK_AT`].
    Unlikely,
    /// The verdict would be negative but some open candidacy stands in a stage the history never
    /// saw: no conclusion.
    NotEnoughData,
}

impl Verdict {
    /// The Vietnamese text.
    pub fn label_vi(self) -> &'static str {
        match self {
            Verdict::NoQuota => "Chưa có chỉ tiêu để so sánh",
            Verdict::Reached => "Đã đạt chỉ tiêu",
            Verdict::Likely => "Dự báo đạt chỉ tiêu",
            Verdict::Possible => "Có thể đạt chỉ tiêu nhưng chưa chắc chắn",
            Verdict::AtRisk => "Có nguy cơ không đạt chỉ tiêu",
            Verdict::Unlikely => "Dự báo không đạt chỉ tiêu",
            Verdict::NotEnoughData => "Chưa đủ dữ liệu để dự báo",
        }
    }

    /// Good news (already met or likely).
    pub fn is_positive(self) -> bool {
        matches!(self, Verdict::Reached | Verdict::Likely)
    }
}

/// The forecast of admissions by 31/12.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    /// The year forecast.
    pub year: i16,
    /// As of.
    pub today: Date,
    /// The start of the history observed.
    pub history_since: Date,
    /// Admissions from 01/01 to today.
    pub admitted_so_far: u32,
    /// The target, if any.
    pub quota: Option<u32>,
    /// Expected admissions by 31/12 (admitted so far + Σ p).
    pub expected: f64,
    /// The low end of the range (10th percentile, at most the expected value).
    pub low: u32,
    /// The high end of the range (90th percentile, at least the expected value).
    pub high: u32,
    /// The chance the quota is met, in [0, 1]; `None` without a quota.
    pub p_meet: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
    /// Some rate was pooled or missing: show [`SPARSE_LABEL`].
    pub sparse: bool,
    /// Spells in the history (stays in a candidate stage).
    pub spells: u32,
    /// The open candidacies, in the input's order.
    pub open: Vec<OpenEstimate>,
    /// `distribution[k]` = the chance of exactly `k` more admissions by 31/12.
    pub distribution: Vec<f64>,
}

/// One stay of a candidacy in a candidate stage.
struct Spell {
    stage: Stage,
    /// Days from entering the stage to today.
    observed: i64,
    /// Days it stayed (to the next passage, or to today when still there).
    stayed: i64,
    /// Days from entering the stage to the admission decision.
    admitted_after: Option<i64>,
}

fn days(from: Date, to: Date) -> i64 {
    from.until(to).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

fn spells(history: &[CandidacyHistory], today: Date) -> Vec<Spell> {
    let mut out = Vec::new();
    for c in history {
        let ps = &c.passages;
        for (k, p) in ps.iter().enumerate() {
            if !p.stage.is_candidate() || p.on > today {
                continue;
            }
            let left = ps.get(k + 1).map_or(today, |n| n.on.min(today));
            let admitted = ps[k + 1..]
                .iter()
                .find(|n| is_admitted_stage(n.stage) && n.on <= today)
                .map(|n| days(p.on, n.on).max(0));
            out.push(Spell {
                stage: p.stage,
                observed: days(p.on, today).max(0),
                stayed: days(p.on, left).max(0),
                admitted_after: admitted,
            });
        }
    }
    out
}

/// Count (comparable, admitted in the window) among `spells` (all in one stage), for a wait of
/// `waited` days and a window of `horizon` more days; `waited = 0` gives the pooled count.
fn count(spells: &[&Spell], waited: i64, horizon: i64) -> (u32, u32) {
    let end = waited + horizon;
    let (mut n, mut k) = (0u32, 0u32);
    for s in spells {
        // The window [waited, end] must lie wholly before today, and the spell must still have
        // been in the stage after `waited` days.
        if s.observed > end && s.stayed >= waited {
            n += 1;
            if s.admitted_after.is_some_and(|a| a >= waited && a <= end) {
                k += 1;
            }
        }
    }
    (n, k)
}

/// The exact distribution of a sum of independent Bernoulli variables with probabilities `ps`
/// (each clamped to [0, 1]): `out[k]` = P(sum = k), `out.len() = ps.len() + 1`.
pub fn poisson_binomial(ps: &[f64]) -> Vec<f64> {
    let mut dist = vec![0.0; ps.len() + 1];
    dist[0] = 1.0;
    for (i, p) in ps.iter().enumerate() {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        for k in (0..=i + 1).rev() {
            let stay = dist[k] * (1.0 - p);
            let moved = if k > 0 { dist[k - 1] * p } else { 0.0 };
            dist[k] = stay + moved;
        }
    }
    dist
}

/// The smallest `k` with P(sum ≤ k) ≥ `q` (a tolerance of 1e-12 absorbs rounding).
pub fn quantile(dist: &[f64], q: f64) -> usize {
    let mut acc = 0.0;
    for (k, p) in dist.iter().enumerate() {
        acc += p;
        if acc >= q - 1e-12 {
            return k;
        }
    }
    dist.len().saturating_sub(1)
}

/// P(sum ≥ `k`), summed from the top so that it never increases with `k`; at most 1.
pub fn tail(dist: &[f64], k: usize) -> f64 {
    dist.iter()
        .skip(k)
        .rev()
        .fold(0.0, |acc, p| acc + p)
        .min(1.0)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The forecast for `input` (see the module's method).
pub fn forecast(input: &ForecastInput) -> Forecast {
    let today = input.today;
    let horizon = days(today, today.last_of_year()).max(0);
    let spells = spells(&input.candidacies, today);
    let mut by_stage: std::collections::BTreeMap<Stage, Vec<&Spell>> = Default::default();
    for sp in &spells {
        by_stage.entry(sp.stage).or_default().push(sp);
    }
    let mut counts: std::collections::HashMap<(Stage, i64), (u32, u32)> = Default::default();
    let mut open = Vec::new();
    for c in &input.candidacies {
        let Some(cur) = c.current() else { continue };
        if !cur.stage.is_candidate() || c.admitted_on().is_some() {
            continue;
        }
        let waited = days(cur.on, today).max(0);
        // Candidacies in one stage that have waited as long share their count: computed once
        // per (stage, wait) over that stage's spells only (a province's forecast counted every
        // spell for every open candidacy).
        let of_stage = by_stage.get(&cur.stage).map_or(&[][..], Vec::as_slice);
        let mut counted = |w: i64| {
            *counts
                .entry((cur.stage, w))
                .or_insert_with(|| count(of_stage, w, horizon))
        };
        let (n1, k1) = counted(waited);
        let (basis, n, k) = if n1 >= MIN_SAMPLE {
            (Basis::SameStageAndWait, n1, k1)
        } else {
            let (n2, k2) = counted(0);
            if n2 > 0 {
                (Basis::SameStagePooled, n2, k2)
            } else {
                (Basis::NoData, 0, 0)
            }
        };
        let p = if n > 0 {
            f64::from(k) / f64::from(n)
        } else {
            0.0
        };
        open.push(OpenEstimate {
            id: c.id.clone(),
            stage: cur.stage,
            since: cur.on,
            days_in_stage: u32::try_from(waited).unwrap_or(u32::MAX),
            p,
            basis,
            sample: n,
            admitted_in_sample: k,
        });
    }
    let ps: Vec<f64> = open.iter().map(|o| o.p).collect();
    let distribution = poisson_binomial(&ps);
    let more: f64 = ps.iter().sum();
    let so_far = input.admitted_so_far;
    let expected = f64::from(so_far) + more;
    let low = (quantile(&distribution, 0.1) as f64).min(more.floor());
    let high = (quantile(&distribution, 0.9) as f64).max(more.ceil());
    let p_meet = input
        .quota
        .map(|q| tail(&distribution, q.saturating_sub(so_far) as usize));
    let no_data = open.iter().any(|o| o.basis == Basis::NoData);
    let verdict = match (input.quota, p_meet) {
        (Some(q), _) if so_far >= q => Verdict::Reached,
        (Some(_), Some(p)) => {
            let v = if p >= LIKELY_AT {
                Verdict::Likely
            } else if p >= POSSIBLE_AT {
                Verdict::Possible
            } else if p >= AT_RISK_AT {
                Verdict::AtRisk
            } else {
                Verdict::Unlikely
            };
            if no_data && !v.is_positive() {
                Verdict::NotEnoughData
            } else {
                v
            }
        }
        _ => Verdict::NoQuota,
    };
    Forecast {
        year: today.year(),
        today,
        history_since: input.history_since,
        admitted_so_far: so_far,
        quota: input.quota,
        expected,
        low: so_far.saturating_add(low as u32),
        high: so_far.saturating_add(high as u32),
        p_meet,
        verdict,
        sparse: open.iter().any(|o| o.basis != Basis::SameStageAndWait),
        spells: to_u32(spells.len()),
        open,
        distribution,
    }
}

/// A probability as a whole percentage through numfmt, never claiming certainty it does not
/// have: `< 1 %` and `> 99 %` at the ends.
pub fn probability_text(p: f64) -> String {
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
    let per_10k = (p * 10_000.0).round() as u32;
    if p > 0.0 && per_10k < 50 {
        return "< 1 %".to_string();
    }
    if p < 1.0 && per_10k >= 9_950 {
        return "> 99 %".to_string();
    }
    percent_vi(per_10k, 10_000, 0).unwrap_or_default()
}

impl Forecast {
    /// The chance that at least `quota` admissions are reached by 31/12 (never increases with
    /// `quota`).
    pub fn p_meet_for(&self, quota: u32) -> f64 {
        tail(
            &self.distribution,
            quota.saturating_sub(self.admitted_so_far) as usize,
        )
    }

    /// The expected admissions with one decimal at most (`12,3`; `12` when whole).
    pub fn expected_text(&self) -> String {
        decimal_vi((self.expected.max(0.0) * 10.0).round() as u128, 1)
    }

    /// The range, `10–15` (one number when both ends agree).
    pub fn range_text(&self) -> String {
        if self.low == self.high {
            group_thousands(u128::from(self.low))
        } else {
            format!(
                "{}–{}",
                group_thousands(u128::from(self.low)),
                group_thousands(u128::from(self.high))
            )
        }
    }

    /// The chance of meeting the quota (`83 %`, `< 1 %`), `None` without a quota.
    pub fn p_meet_text(&self) -> Option<String> {
        self.p_meet.map(probability_text)
    }

    /// [`SPARSE_LABEL`] when some rate was pooled or missing.
    pub fn sparse_label(&self) -> Option<&'static str> {
        self.sparse.then_some(SPARSE_LABEL)
    }

    /// Open candidacies, expected admissions among them, per stage, in lifecycle order.
    pub fn by_stage(&self) -> Vec<(Stage, u32, f64)> {
        let mut out: Vec<(Stage, u32, f64)> = Vec::new();
        for s in Stage::ALL.into_iter().filter(|s| s.is_candidate()) {
            let here: Vec<&OpenEstimate> = self.open.iter().filter(|o| o.stage == s).collect();
            if !here.is_empty() {
                out.push((s, to_u32(here.len()), here.iter().map(|o| o.p).sum()));
            }
        }
        out
    }

    /// One sentence for the page: "Dự kiến đến 31/12/2026 kết nạp 12,3 đảng viên (khoảng 10–15);
    /// khả năng đạt chỉ tiêu 15: 24 %. Có nguy cơ không đạt chỉ tiêu."
    pub fn summary_vi(&self) -> String {
        let end = self.today.last_of_year();
        let mut s = format!(
            "Dự kiến đến {} kết nạp {} đảng viên (khoảng {})",
            format_vn(end),
            self.expected_text(),
            self.range_text()
        );
        if let (Some(q), Some(p)) = (self.quota, self.p_meet_text()) {
            s.push_str(&format!(
                "; khả năng đạt chỉ tiêu {}: {p}",
                group_thousands(u128::from(q))
            ));
        }
        s.push_str(". ");
        s.push_str(self.verdict.label_vi());
        s.push('.');
        if self.sparse {
            s.push_str(&format!(" ({SPARSE_LABEL})"));
        }
        s
    }

    /// The method in plain Vietnamese, with this forecast's dates and counts, for the page.
    pub fn method_vi(&self) -> String {
        let end = format_vn(self.today.last_of_year());
        let n = |x: u32| group_thousands(u128::from(x));
        format!(
            "Cách tính: với mỗi hồ sơ đang trong quy trình (từ nguồn đến chờ quyết định kết nạp; \
             hiện có {open} hồ sơ), chương trình tìm trong lịch sử của tổ chức từ {since} đến \
             nay ({spells} lượt hồ sơ ở các giai đoạn) những lượt hồ sơ cũng ở đúng giai đoạn đó \
             và đã chờ ở giai đoạn ấy ít nhất lâu bằng hồ sơ này, rồi đếm xem bao nhiêu lượt có \
             quyết định kết nạp trong khoảng thời gian tương ứng với từ hôm nay ({today}) đến hết \
             ngày {end}. Chỉ đếm những lượt đã qua trọn khoảng thời gian ấy, để biết chắc kết \
             quả. Tỷ lệ đếm được là khả năng hồ sơ được kết nạp trong năm. Khi có ít hơn {min} \
             lượt như vậy, chương trình gộp mọi lượt ở cùng giai đoạn, không xét thời gian đã \
             chờ, và ghi chú «{sparse}»; hồ sơ ở giai đoạn chưa từng có trong lịch sử được tính \
             khả năng bằng 0, và khi đó dự báo không kết luận là không đạt. Số dự kiến bằng số \
             đã kết nạp từ đầu năm ({so_far}) cộng tổng các khả năng. Khoảng dự báo là phân vị \
             10 và 90 của tổng số kết nạp, tính chính xác từ các khả năng trên (không dùng số \
             ngẫu nhiên): khoảng 8 trong 10 trường hợp rơi vào khoảng này; khoảng luôn chứa số \
             dự kiến. Khả năng đạt chỉ tiêu là xác suất số kết nạp đến {end} không ít hơn chỉ \
             tiêu. Dự báo giả định nhịp độ những năm qua được giữ nguyên và coi các hồ sơ độc \
             lập với nhau; vì quyết định kết nạp thường được xét theo đợt, kết quả thực tế có \
             thể dao động rộng hơn khoảng dự báo.",
            open = n(to_u32(self.open.len())),
            since = format_vn(self.history_since),
            spells = n(self.spells),
            today = format_vn(self.today),
            min = n(MIN_SAMPLE),
            sparse = SPARSE_LABEL,
            so_far = n(self.admitted_so_far),
        )
    }
}

/// A leader's one-sentence verdict on the year's admissions: on track, or behind and by how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Met, or the forecast says it will be.
    pub on_track: bool,
    /// The sentence: "Đạt tiến độ: …" or "Chậm tiến độ: cần thêm 12 đảng viên trong 26 ngày …".
    pub sentence_vi: String,
}

/// What a verdict is judged against when the target is not met yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outlook {
    /// The forecast's verdict (on track when it expects the target to be met).
    Forecast(Verdict),
    /// The plan's pace: the admissions the plan expects by the end of this month (cumulative
    /// month targets, [`crate::plan::Plan::month_targets`]); on track when reached. Needs no
    /// history, so a dashboard can say it on every view.
    Pace {
        /// Admissions planned from 1 January to the end of `month`.
        due: u32,
        /// The month, 1–12.
        month: i8,
    },
}

/// The verdict from the year's target, the admissions so far and an [`Outlook`]: with no target
/// it says so; met, it says so; otherwise what is missing and the days left until 31/12, on track
/// or behind as the outlook says.
pub fn progress(
    year: i16,
    admitted: u32,
    target: Option<u32>,
    today: Date,
    outlook: Outlook,
) -> Progress {
    let Some(target) = target.filter(|t| *t > 0) else {
        return Progress {
            on_track: false,
            sentence_vi: format!(
                "Chưa có chỉ tiêu kết nạp năm {year}: chưa đánh giá được tiến độ."
            ),
        };
    };
    let t = group_thousands(u128::from(target));
    let a = group_thousands(u128::from(admitted));
    if admitted >= target {
        return Progress {
            on_track: true,
            sentence_vi: format!("Đã đạt chỉ tiêu: kết nạp {a}/{t} đảng viên năm {year}."),
        };
    }
    let missing = group_thousands(u128::from(target - admitted));
    let end = Date::new(year, 12, 31).unwrap_or(today);
    let days = today.until(end).map(|s| s.get_days()).unwrap_or(0).max(0);
    let (on_track, outlook) = match outlook {
        Outlook::Forecast(v) => (v.is_positive(), format!(" {}.", v.label_vi())),
        Outlook::Pace { due, month } => (
            admitted >= due,
            format!(
                " Theo kế hoạch, đến hết tháng {month:02} cần {} đảng viên.",
                group_thousands(u128::from(due))
            ),
        ),
    };
    Progress {
        on_track,
        sentence_vi: if on_track {
            format!(
                "Đạt tiến độ: đã kết nạp {a}/{t}, cần thêm {missing} đảng viên trong {days} ngày còn lại của năm {year}.{outlook}"
            )
        } else {
            format!(
                "Chậm tiến độ: đã kết nạp {a}/{t}, cần thêm {missing} đảng viên trong {days} ngày còn lại của năm {year}.{outlook}"
            )
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leaders_verdict_says_what_is_missing_and_the_days_left() {
        let today = jiff::civil::date(2026, 12, 5);
        let p = progress(
            2026,
            134,
            Some(146),
            today,
            Outlook::Forecast(Verdict::Unlikely),
        );
        assert!(!p.on_track);
        assert_eq!(
            p.sentence_vi,
            "Chậm tiến độ: đã kết nạp 134/146, cần thêm 12 đảng viên trong 26 ngày còn lại của năm 2026. Dự báo không đạt chỉ tiêu."
        );
        let p = progress(
            2026,
            1_200,
            Some(1_150),
            today,
            Outlook::Forecast(Verdict::Likely),
        );
        assert!(p.on_track);
        assert_eq!(
            p.sentence_vi,
            "Đã đạt chỉ tiêu: kết nạp 1.200/1.150 đảng viên năm 2026."
        );
        assert!(
            progress(
                2026,
                10,
                Some(12),
                today,
                Outlook::Forecast(Verdict::Likely)
            )
            .on_track
        );
        let pace = |due| Outlook::Pace { due, month: 12 };
        assert!(
            progress(2026, 3, None, today, pace(0))
                .sentence_vi
                .starts_with("Chưa có chỉ tiêu")
        );
        // By the plan's pace: behind when fewer than the months so far planned.
        let p = progress(2026, 159, Some(218), today, pace(218));
        assert!(!p.on_track);
        assert!(
            p.sentence_vi
                .ends_with("đến hết tháng 12 cần 218 đảng viên."),
            "{}",
            p.sentence_vi
        );
        let p = progress(2026, 100, Some(218), date(2026, 6, 15), pace(100));
        assert!(p.on_track && p.sentence_vi.starts_with("Đạt tiến độ"));
    }
    use jiff::civil::date;
    use proptest::prelude::*;

    const EPS: f64 = 1e-12;

    fn open_at(id: &str, stage: Stage, since: Date) -> CandidacyHistory {
        CandidacyHistory::from_events(id, [(since, stage)])
    }

    /// `n` past spells in `stage` entered on `entered`, of which `admitted` reached a decision
    /// `after` days later (the rest withdrew at the same offset).
    fn past(
        prefix: &str,
        stage: Stage,
        entered: Date,
        n: usize,
        admitted: usize,
        after: i64,
    ) -> Vec<CandidacyHistory> {
        let later = entered
            .checked_add(jiff::Span::new().days(after))
            .unwrap_or(entered);
        (0..n)
            .map(|i| {
                let end = if i < admitted {
                    Stage::AwaitingCeremony
                } else {
                    Stage::Withdrawn
                };
                CandidacyHistory::from_events(
                    format!("{prefix}{i}"),
                    [(entered, stage), (later, end)],
                )
            })
            .collect()
    }

    fn input(
        today: Date,
        so_far: u32,
        quota: Option<u32>,
        c: Vec<CandidacyHistory>,
    ) -> ForecastInput {
        ForecastInput {
            today,
            history_since: date(2023, 1, 1),
            admitted_so_far: so_far,
            quota,
            candidacies: c,
        }
    }

    #[test]
    fn two_even_chances_give_a_quarter_a_half_and_a_quarter() {
        let d = poisson_binomial(&[0.5, 0.5]);
        assert_eq!(d.len(), 3);
        assert!((d[0] - 0.25).abs() < EPS && (d[1] - 0.5).abs() < EPS && (d[2] - 0.25).abs() < EPS);
        assert_eq!(quantile(&d, 0.1), 0);
        assert_eq!(quantile(&d, 0.5), 1);
        assert_eq!(quantile(&d, 0.9), 2);
        assert!((tail(&d, 1) - 0.75).abs() < EPS);
        assert!((tail(&d, 2) - 0.25).abs() < EPS);
        assert_eq!(tail(&d, 3), 0.0);
    }

    #[test]
    fn an_uneven_pair_is_computed_exactly() {
        // p = 0,2 and 0,6: P(0) = 0,8·0,4 = 0,32; P(2) = 0,12; P(1) = 0,56.
        let d = poisson_binomial(&[0.2, 0.6]);
        assert!((d[0] - 0.32).abs() < EPS);
        assert!((d[1] - 0.56).abs() < EPS);
        assert!((d[2] - 0.12).abs() < EPS);
        assert_eq!(poisson_binomial(&[]), vec![1.0]);
    }

    #[test]
    fn events_that_keep_the_stage_add_no_passage_and_the_outcome_follows() {
        let c = CandidacyHistory::from_events(
            "c1",
            [
                (date(2024, 1, 5), Stage::Source),
                (date(2024, 3, 1), Stage::Sympathizer),
                (date(2024, 3, 9), Stage::Sympathizer),
                (date(2024, 9, 1), Stage::AwaitingDecision),
                (date(2024, 10, 2), Stage::AwaitingCeremony),
                (date(2024, 11, 2), Stage::Probationary),
            ],
        );
        assert_eq!(c.passages.len(), 5);
        assert_eq!(c.admitted_on(), Some(date(2024, 10, 2)));
        assert_eq!(
            c.outcome(),
            Outcome::Admitted {
                on: date(2024, 10, 2)
            }
        );
        let w = CandidacyHistory::from_events(
            "c2",
            [
                (date(2024, 1, 5), Stage::Source),
                (date(2024, 2, 5), Stage::Withdrawn),
            ],
        );
        assert_eq!(
            w.outcome(),
            Outcome::Left {
                stage: Stage::Withdrawn,
                on: date(2024, 2, 5)
            }
        );
        let o = open_at("c3", Stage::Dossier, date(2025, 1, 1));
        assert_eq!(o.outcome(), Outcome::Open);
        assert_eq!(
            o.current(),
            Some(Passage {
                stage: Stage::Dossier,
                on: date(2025, 1, 1)
            })
        );
    }

    #[test]
    fn the_rate_is_the_share_of_comparable_spells_admitted_within_the_window() {
        // 20 past spells in AwaitingDecision entered on 01/03/2025, 15 admitted 30 days later,
        // 5 withdrawn then. Today 01/09/2026 (window 121 days): two open candidacies waiting
        // 10 days; comparable spells = those still in the stage after 10 days (all 20).
        let today = date(2026, 9, 1);
        let mut c = past("h", Stage::AwaitingDecision, date(2025, 3, 1), 20, 15, 30);
        c.push(open_at("a", Stage::AwaitingDecision, date(2026, 8, 22)));
        c.push(open_at("b", Stage::AwaitingDecision, date(2026, 8, 22)));
        let f = forecast(&input(today, 10, Some(12), c));
        assert_eq!(f.open.len(), 2);
        for o in &f.open {
            assert_eq!(o.basis, Basis::SameStageAndWait);
            assert_eq!((o.sample, o.admitted_in_sample), (20, 15));
            assert!((o.p - 0.75).abs() < EPS);
            assert_eq!(o.days_in_stage, 10);
        }
        assert!((f.expected - 11.5).abs() < EPS);
        assert_eq!(f.expected_text(), "11,5");
        // Distribution of the two: 0,0625 / 0,375 / 0,5625 → P(≥ 2 more) = 0,5625.
        assert!((f.p_meet.unwrap_or(0.0) - 0.5625).abs() < EPS);
        assert_eq!(f.p_meet_text().as_deref(), Some("56 %"));
        assert_eq!(f.verdict, Verdict::Possible);
        assert_eq!((f.low, f.high), (11, 12));
        assert!(!f.sparse);
        assert_eq!(f.spells, 22);
    }

    #[test]
    fn spells_that_left_before_the_time_already_waited_are_not_comparable() {
        // 12 spells withdrew after 5 days; 10 were admitted after 40 days. A candidacy that has
        // waited 20 days compares only with the 10 that were still there: p = 1.
        let today = date(2026, 6, 1);
        let mut c = past("x", Stage::GrassrootsVote, date(2025, 1, 10), 12, 0, 5);
        c.extend(past(
            "y",
            Stage::GrassrootsVote,
            date(2025, 1, 10),
            10,
            10,
            40,
        ));
        c.push(open_at("o", Stage::GrassrootsVote, date(2026, 5, 12)));
        let f = forecast(&input(today, 0, Some(1), c));
        let o = &f.open[0];
        assert_eq!(
            (o.basis, o.sample, o.admitted_in_sample),
            (Basis::SameStageAndWait, 10, 10)
        );
        assert!((o.p - 1.0).abs() < EPS);
        assert_eq!(f.verdict, Verdict::Likely);
    }

    #[test]
    fn spells_whose_window_is_not_over_are_left_out() {
        // Entered 60 days ago with a window of more than 60 days: the outcome is unknown.
        let today = date(2026, 6, 1);
        let mut c = past("r", Stage::CellVote, date(2026, 4, 2), 30, 30, 10);
        c.push(open_at("o", Stage::CellVote, date(2026, 6, 1)));
        let f = forecast(&input(today, 0, Some(1), c));
        assert_eq!(f.open[0].basis, Basis::NoData);
        assert_eq!(f.open[0].p, 0.0);
        assert_eq!(f.verdict, Verdict::NotEnoughData);
        assert!(f.sparse);
    }

    #[test]
    fn sparse_history_falls_back_to_the_pooled_stage_rate_with_the_flag() {
        // 4 spells only (< MIN_SAMPLE), 1 admitted after 100 days. The open candidacy has waited
        // 150 days: none comparable with that wait, so the pooled rate applies (window 183 days
        // from 01/07/2026 → the admission after 100 days counts): p = 1/4.
        let today = date(2026, 7, 1);
        let mut c = past("s", Stage::Verification, date(2024, 2, 1), 4, 1, 100);
        c.push(open_at("o", Stage::Verification, date(2026, 2, 1)));
        let f = forecast(&input(today, 3, Some(4), c));
        let o = &f.open[0];
        assert_eq!(
            (o.basis, o.sample, o.admitted_in_sample),
            (Basis::SameStagePooled, 4, 1)
        );
        assert!((o.p - 0.25).abs() < EPS);
        assert!(f.sparse);
        assert_eq!(f.sparse_label(), Some("ít dữ liệu"));
        assert_eq!(f.verdict, Verdict::AtRisk);
        assert!(f.summary_vi().contains("(ít dữ liệu)"));
    }

    #[test]
    fn a_quota_already_met_is_reached_and_no_quota_gives_no_chance() {
        let today = date(2026, 10, 1);
        let f = forecast(&input(today, 16, Some(16), Vec::new()));
        assert_eq!(f.verdict, Verdict::Reached);
        assert_eq!(f.p_meet, Some(1.0));
        assert_eq!(f.expected_text(), "16");
        assert_eq!(f.range_text(), "16");
        let g = forecast(&input(today, 5, None, Vec::new()));
        assert_eq!(g.verdict, Verdict::NoQuota);
        assert_eq!(g.p_meet_text(), None);
        let h = forecast(&input(today, 5, Some(8), Vec::new()));
        assert_eq!(h.verdict, Verdict::Unlikely);
        assert_eq!(h.p_meet_text().as_deref(), Some("0 %"));
        assert_eq!(h.verdict.label_vi(), "Dự báo không đạt chỉ tiêu");
    }

    #[test]
    fn admitted_and_closed_candidacies_are_not_open() {
        let today = date(2026, 5, 1);
        let c = vec![
            CandidacyHistory::from_events(
                "adm",
                [
                    (date(2026, 1, 2), Stage::AwaitingDecision),
                    (date(2026, 2, 2), Stage::AwaitingCeremony),
                ],
            ),
            CandidacyHistory::from_events(
                "gone",
                [
                    (date(2026, 1, 2), Stage::Source),
                    (date(2026, 2, 2), Stage::TransferredOut),
                ],
            ),
        ];
        let f = forecast(&input(today, 1, Some(1), c));
        assert!(f.open.is_empty());
        assert_eq!(f.distribution, vec![1.0]);
    }

    #[test]
    fn probabilities_never_print_false_certainty() {
        assert_eq!(probability_text(0.0), "0 %");
        assert_eq!(probability_text(0.004), "< 1 %");
        assert_eq!(probability_text(0.996), "> 99 %");
        assert_eq!(probability_text(1.0), "100 %");
        assert_eq!(probability_text(0.835), "84 %");
    }

    #[test]
    fn the_range_always_holds_the_expected_value_even_when_skewed() {
        // One candidacy at p = 0,95: the 10th percentile alone is 1 > 0,95.
        let today = date(2026, 3, 1);
        let mut c = past("k", Stage::AwaitingDecision, date(2024, 1, 1), 20, 19, 10);
        c.push(open_at("o", Stage::AwaitingDecision, date(2026, 3, 1)));
        let f = forecast(&input(today, 0, Some(1), c));
        assert!((f.expected - 0.95).abs() < EPS);
        assert_eq!((f.low, f.high), (0, 1));
        assert_eq!(f.range_text(), "0–1");
    }

    #[test]
    fn the_method_and_summary_read_in_vietnamese_with_dates_and_counts() {
        let today = date(2026, 9, 1);
        let mut c = past("h", Stage::AwaitingDecision, date(2025, 3, 1), 20, 15, 30);
        c.push(open_at("a", Stage::AwaitingDecision, date(2026, 8, 22)));
        let f = forecast(&input(today, 1_000, Some(1_002), c));
        let m = f.method_vi();
        assert!(m.contains("01/01/2023"), "{m}");
        assert!(m.contains("01/09/2026") && m.contains("31/12/2026"), "{m}");
        assert!(m.contains("(1.000)") && m.contains("ít hơn 10"), "{m}");
        let s = f.summary_vi();
        assert!(
            s.starts_with("Dự kiến đến 31/12/2026 kết nạp 1.000,8 đảng viên (khoảng 1.000–1.001)"),
            "{s}"
        );
        assert!(s.contains("chỉ tiêu 1.002: 0 %"), "{s}");
        assert_eq!(f.by_stage(), vec![(Stage::AwaitingDecision, 1, 0.75)]);
    }

    #[test]
    fn on_the_last_day_of_the_year_the_window_is_that_day() {
        // Admitted 0 days after entering: counts within a window of 0 more days.
        let today = date(2026, 12, 31);
        let mut c = past("z", Stage::AwaitingDecision, date(2025, 6, 1), 10, 5, 0);
        c.push(open_at("o", Stage::AwaitingDecision, date(2026, 12, 31)));
        let f = forecast(&input(today, 0, Some(1), c));
        assert!((f.open[0].p - 0.5).abs() < EPS);
    }

    fn arb_history() -> impl Strategy<Value = Vec<CandidacyHistory>> {
        let stage = prop::sample::select(Stage::ALL.to_vec());
        let passage = (stage, 0i64..1500);
        prop::collection::vec(prop::collection::vec(passage, 1..6), 0..40).prop_map(|cs| {
            cs.into_iter()
                .enumerate()
                .map(|(i, ps)| {
                    let mut offs: Vec<(Stage, i64)> = ps;
                    offs.sort_by_key(|(_, d)| *d);
                    CandidacyHistory::from_events(
                        format!("p{i}"),
                        offs.into_iter().map(|(s, d)| {
                            let on = date(2022, 1, 1)
                                .checked_add(jiff::Span::new().days(d))
                                .unwrap_or(date(2022, 1, 1));
                            (on, s)
                        }),
                    )
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn probabilities_lie_in_zero_one_and_the_range_holds_the_expected_value(
            history in arb_history(),
            today_off in 0i64..1500,
            so_far in 0u32..50,
            quota in 0u32..80,
        ) {
            let today = date(2022, 1, 1).checked_add(jiff::Span::new().days(today_off)).unwrap();
            let f = forecast(&input(today, so_far, Some(quota), history));
            for o in &f.open {
                prop_assert!((0.0..=1.0).contains(&o.p));
                prop_assert!(o.admitted_in_sample <= o.sample);
            }
            let total: f64 = f.distribution.iter().sum();
            prop_assert!((total - 1.0).abs() < 1e-9);
            prop_assert!(f.distribution.iter().all(|p| (0.0..=1.0 + 1e-12).contains(p)));
            let p = f.p_meet.unwrap();
            prop_assert!((0.0..=1.0).contains(&p));
            prop_assert!(f64::from(f.low) <= f.expected + 1e-9);
            prop_assert!(f.expected <= f64::from(f.high) + 1e-9);
            prop_assert!(f.low >= so_far);
            prop_assert!(f.expected + 1e-9 >= f64::from(so_far));
        }

        #[test]
        fn the_chance_of_meeting_the_quota_never_rises_with_the_quota(
            ps in prop::collection::vec(0.0f64..=1.0, 0..60),
            so_far in 0u32..20,
            quota in 0u32..100,
        ) {
            let distribution = poisson_binomial(&ps);
            let f = Forecast {
                year: 2026,
                today: date(2026, 6, 1),
                history_since: date(2023, 1, 1),
                admitted_so_far: so_far,
                quota: Some(quota),
                expected: 0.0,
                low: 0,
                high: 0,
                p_meet: None,
                verdict: Verdict::NoQuota,
                sparse: false,
                spells: 0,
                open: Vec::new(),
                distribution,
            };
            let a = f.p_meet_for(quota);
            let b = f.p_meet_for(quota + 1);
            prop_assert!(b <= a, "{b} > {a}");
            prop_assert!((0.0..=1.0).contains(&a));
            if quota <= so_far {
                prop_assert!((a - 1.0).abs() < 1e-9);
            }
            // The quantiles are ordered and within the support.
            let (lo, hi) = (quantile(&f.distribution, 0.1), quantile(&f.distribution, 0.9));
            prop_assert!(lo <= hi && hi <= ps.len());
        }

        #[test]
        fn verdicts_worsen_as_the_quota_rises(
            history in arb_history(),
            today_off in 0i64..1500,
            so_far in 0u32..10,
            quota in 0u32..40,
        ) {
            let today = date(2022, 1, 1).checked_add(jiff::Span::new().days(today_off)).unwrap();
            let a = forecast(&input(today, so_far, Some(quota), history.clone()));
            let b = forecast(&input(today, so_far, Some(quota + 1), history));
            prop_assert!(b.p_meet.unwrap() <= a.p_meet.unwrap());
            prop_assert_eq!(a.expected, b.expected);
            let rank = |v: Verdict| match v {
                Verdict::Reached => 0,
                Verdict::Likely => 1,
                Verdict::Possible => 2,
                Verdict::AtRisk => 3,
                Verdict::Unlikely | Verdict::NotEnoughData => 4,
                Verdict::NoQuota => 5,
            };
            prop_assert!(rank(a.verdict) <= rank(b.verdict));
        }
    }
}
