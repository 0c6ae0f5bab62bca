//! Importing plan targets: one row per organisation and period.

use ketnap_domain::plan::{Period, Plan};
use ketnap_store::{Result, StoreError, Tx, plans};

use super::people::Lookups;
use super::{Problems, Rec, Writer};

/// A target: a whole number of people, written as offices write it ("16", "1.200").
fn target(s: &str) -> std::result::Result<u32, ()> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    // A thousands separator is a dot followed by exactly three digits ("1.200"); "1.5" or "1,5"
    // is a fraction, which a count of people cannot be.
    let groups: Vec<&str> = t.split('.').collect();
    let digits = if groups.len() > 1 && groups[1..].iter().all(|g| g.len() == 3) {
        groups.concat()
    } else {
        t.to_string()
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 7 {
        return Err(());
    }
    digits.parse().map_err(|_| ())
}

pub(crate) async fn write(
    tx: &mut Tx,
    w: &Writer<'_>,
    rows: &[Rec<'_>],
    p: &mut Problems,
) -> Result<Vec<(String, usize)>> {
    let mut look = Lookups::default();
    let mut written = 0usize;
    let mut seen: std::collections::HashMap<(String, String), u32> =
        std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        w.done(i + 1);
        let Some((org_id, _)) = look
            .org(tx, w, r.get("org_code"), r.line, "org_code", p)
            .await?
        else {
            continue;
        };
        let period: Period = match r.get("period").trim().parse() {
            Ok(period) => period,
            Err(_) => {
                p.at(
                    r.line,
                    "period",
                    "Kỳ kế hoạch không đọc được: ghi năm (2026), quý (2026-Q1), 6 tháng (2026-H1) hoặc nhiệm kỳ (2025-2030).",
                );
                continue;
            }
        };
        let key = (r.get("org_code").trim().to_string(), period.to_string());
        if let Some(first) = seen.insert(key, r.line) {
            p.at(
                r.line,
                "period",
                format!("Kế hoạch của tổ chức này cho kỳ này trùng với dòng {first}."),
            );
            continue;
        }
        let mut plan = Plan::new(period);
        let mut ok = true;
        for (k, slot) in [
            ("sources", &mut plan.sources),
            ("course_attendees", &mut plan.course_attendees),
            ("admissions", &mut plan.admissions),
        ] {
            match target(r.get(k)) {
                Ok(n) => *slot = n,
                Err(()) => {
                    p.at(
                        r.line,
                        k,
                        format!(
                            "“{}” không phải một số người (số nguyên, không âm).",
                            r.get(k).trim()
                        ),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        match plans::upsert(tx, w.ctx, w.scope, org_id, &plan).await {
            Ok(()) => written += 1,
            Err(e @ (StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Corrupt(_))) => {
                return Err(e);
            }
            Err(e) => p.store(r.line, Some("admissions"), &e),
        }
    }
    Ok(vec![("Kế hoạch".to_string(), written)])
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn a_target_is_a_whole_number_of_people() {
        assert_eq!(target("16"), Ok(16));
        assert_eq!(target("1.200"), Ok(1200));
        assert_eq!(target(""), Ok(0));
        assert_eq!(target("1.5"), Err(()));
        assert_eq!(target("1,5"), Err(()));
        assert_eq!(target("-3"), Err(()));
        assert_eq!(target("=1+1"), Err(()));
    }
}
