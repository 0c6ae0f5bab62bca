//! Charts as server-rendered SVG strings: no JavaScript, no ids, no inline styles (the CSP allows
//! none), drawn in a fixed `viewBox` that scales to its container and prints.
//!
//! Every chart is `role="img"` with a Vietnamese `<title>` and a `<desc>` that lists the data;
//! the page still shows the data as a table. Nothing relies on colour alone: every bar and point
//! carries its number as text, the target is a black marker of another shape (a line across the
//! bar, a dashed line with squares), and a legend names each mark. Every text is escaped.
//! Numbers go through `ketnap_domain::numfmt` and percentages through
//! [`Achievement::pct_text`].
//!
//! Pages embed the string with askama's `|safe` filter: it is built here from escaped parts only.

use std::fmt::Write as _;

use ketnap_domain::numfmt::group_thousands;
use ketnap_domain::plan::Achievement;

/// The width of every chart's `viewBox`.
pub const WIDTH: f64 = 600.0;

/// The colour of actual values (dark enough to print as a dark grey).
const ACTUAL: &str = "#a3201a";
/// Targets and axes.
const INK: &str = "#1a1a1a";
/// Grid lines.
const GRID: &str = "#d0d0d0";

/// `s` safe in SVG/XML text and attribute values: `& < > " '` as entities.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, with `…` when cut (the full text stays in the row's `<title>`).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A coordinate, one decimal.
fn c(x: f64) -> String {
    let x = if x.abs() < 0.05 { 0.0 } else { x };
    format!("{x:.1}")
}

fn count(n: u32) -> String {
    group_thousands(u128::from(n))
}

/// The opening tag, title and description of a chart `height` high.
fn open(kind: &str, height: f64, title: &str, desc: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"{t}\" \
         class=\"chart chart-{kind}\" font-family=\"sans-serif\" font-size=\"13\" fill=\"{INK}\">\
         <title>{t}</title><desc>{d}</desc>",
        w = c(WIDTH),
        h = c(height),
        t = escape(title),
        d = escape(desc),
    )
}

/// A chart with nothing to draw: its title and "Chưa có dữ liệu".
fn empty(kind: &str, title: &str) -> String {
    let mut s = open(kind, 60.0, title, "Chưa có dữ liệu.");
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"35\" text-anchor=\"middle\">Chưa có dữ liệu</text></svg>",
        c(WIDTH / 2.0)
    );
    s
}

/// The title of [`funnel`].
pub const FUNNEL_TITLE: &str = "Số hồ sơ theo giai đoạn";

/// A funnel: one centred bar per stage, its width proportional to the count (the largest fills
/// the bar area), the label on the left and the count on the right. `stages` in order.
pub fn funnel<S: AsRef<str>>(stages: &[(S, u32)]) -> String {
    if stages.is_empty() {
        return empty("funnel", FUNNEL_TITLE);
    }
    const ROW: f64 = 34.0;
    const BAR_H: f64 = 24.0;
    const TOP: f64 = 8.0;
    const X0: f64 = 200.0;
    const AREA: f64 = 300.0;
    let max = stages.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let desc = stages
        .iter()
        .map(|(l, n)| format!("{}: {}", l.as_ref(), count(*n)))
        .collect::<Vec<_>>()
        .join("; ");
    let height = TOP * 2.0 + ROW * stages.len() as f64;
    let mut s = open("funnel", height, FUNNEL_TITLE, &format!("{desc}."));
    for (i, (label, n)) in stages.iter().enumerate() {
        let label = label.as_ref();
        let y = TOP + ROW * i as f64;
        let w = AREA * f64::from(*n) / f64::from(max);
        let x = X0 + (AREA - w) / 2.0;
        let mid = y + BAR_H / 2.0 + 4.5;
        let _ = write!(
            s,
            "<g class=\"row\"><title>{full}: {n}</title>\
             <text x=\"4\" y=\"{ty}\">{short}</text>\
             <rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{ACTUAL}\"/>\
             <text x=\"{rx}\" y=\"{ty}\" text-anchor=\"end\" font-weight=\"bold\">{n}</text></g>",
            full = escape(label),
            short = escape(&clip(label, 26)),
            n = count(*n),
            ty = c(mid),
            x = c(x),
            y = c(y),
            w = c(w),
            h = c(BAR_H),
            rx = c(WIDTH - 4.0),
        );
    }
    s.push_str("</svg>");
    s
}

/// The title of [`plan_vs_actual_bars`].
pub const PLAN_TITLE: &str = "Kế hoạch và thực hiện theo tổ chức trực thuộc";

/// Horizontal bars, one per child organisation `(label, target, actual)`: the bar is the
/// actual, a black line across it marks the target, and the right column reads
/// `actual/target · achievement` (`23/16 · 143,75 %`; `3 · —` without a target). The largest of
/// every target and actual fills the bar area.
pub fn plan_vs_actual_bars<S: AsRef<str>>(rows: &[(S, u32, u32)]) -> String {
    if rows.is_empty() {
        return empty("plan", PLAN_TITLE);
    }
    const LEGEND: f64 = 28.0;
    const ROW: f64 = 40.0;
    const BAR_H: f64 = 18.0;
    const X0: f64 = 190.0;
    const AREA: f64 = 250.0;
    let max = rows
        .iter()
        .map(|(_, t, a)| (*t).max(*a))
        .max()
        .unwrap_or(0)
        .max(1);
    let desc = rows
        .iter()
        .map(|(l, t, a)| {
            let ach = Achievement::of(*a, *t);
            if *t == 0 {
                format!("{}: chưa có chỉ tiêu, thực hiện {}", l.as_ref(), count(*a))
            } else {
                format!(
                    "{}: chỉ tiêu {}, thực hiện {}, đạt {}",
                    l.as_ref(),
                    count(*t),
                    count(*a),
                    ach.pct_text()
                )
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let height = LEGEND + ROW * rows.len() as f64 + 6.0;
    let mut s = open("plan", height, PLAN_TITLE, &format!("{desc}."));
    let _ = write!(
        s,
        "<g class=\"legend\" font-size=\"12\">\
         <rect x=\"4\" y=\"6\" width=\"18\" height=\"12\" fill=\"{ACTUAL}\"/>\
         <text x=\"28\" y=\"16\">Thực hiện</text>\
         <line x1=\"120\" y1=\"3\" x2=\"120\" y2=\"21\" stroke=\"{INK}\" stroke-width=\"3\"/>\
         <text x=\"128\" y=\"16\">Chỉ tiêu</text></g>"
    );
    for (i, (label, target, actual)) in rows.iter().enumerate() {
        let label = label.as_ref();
        let y = LEGEND + ROW * i as f64 + (ROW - BAR_H) / 2.0;
        let ty = c(y + BAR_H / 2.0 + 4.5);
        let ach = Achievement::of(*actual, *target);
        let right = if *target == 0 {
            format!("{} · —", count(*actual))
        } else {
            format!("{} · {}", ach.fraction(), ach.pct_text())
        };
        let _ = write!(
            s,
            "<g class=\"row\"><title>{full}: {right}</title>\
             <text x=\"4\" y=\"{ty}\">{short}</text>\
             <line x1=\"{x0}\" y1=\"{y1}\" x2=\"{x0}\" y2=\"{y2}\" stroke=\"{GRID}\"/>\
             <rect class=\"bar\" x=\"{x0}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{ACTUAL}\"/>",
            full = escape(label),
            right = escape(&right),
            short = escape(&clip(label, 24)),
            x0 = c(X0),
            y1 = c(y - 6.0),
            y2 = c(y + BAR_H + 6.0),
            y = c(y),
            w = c(AREA * f64::from(*actual) / f64::from(max)),
            h = c(BAR_H),
        );
        if *target > 0 {
            let tx = X0 + AREA * f64::from(*target) / f64::from(max);
            let _ = write!(
                s,
                "<line class=\"target\" x1=\"{tx}\" y1=\"{y1}\" x2=\"{tx}\" y2=\"{y2}\" \
                 stroke=\"{INK}\" stroke-width=\"3\"/>",
                tx = c(tx),
                y1 = c(y - 5.0),
                y2 = c(y + BAR_H + 5.0),
            );
        }
        let _ = write!(
            s,
            "<text x=\"{rx}\" y=\"{ty}\" text-anchor=\"end\">{right}</text></g>",
            rx = c(WIDTH - 4.0),
            right = escape(&right),
        );
    }
    s.push_str("</svg>");
    s
}

/// The title of [`monthly_trend`].
pub const TREND_TITLE: &str = "Diễn biến theo tháng";

/// A step of 1, 2 or 5 × 10ⁿ, at least `raw`.
fn nice_step(raw: u32) -> u32 {
    let mut base = 1u32;
    loop {
        for m in [1u32, 2, 5] {
            let step = base.saturating_mul(m);
            if step >= raw || step == u32::MAX {
                return step.max(1);
            }
        }
        base = base.saturating_mul(10);
    }
}

/// A line of `points` `(month label, value)` with each value written above its point; with
/// `cumulative_target` (one value per point, extra values ignored), a dashed black line with
/// square markers for the target. The target is cumulative: pass cumulative values with it.
pub fn monthly_trend<S: AsRef<str>>(
    points: &[(S, u32)],
    cumulative_target: Option<&[u32]>,
) -> String {
    if points.is_empty() {
        return empty("trend", TREND_TITLE);
    }
    const HEIGHT: f64 = 280.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = WIDTH - 12.0;
    const TOP: f64 = 40.0;
    const BOTTOM: f64 = 240.0;
    let target: Vec<u32> = cumulative_target
        .map(|t| t.iter().copied().take(points.len()).collect())
        .unwrap_or_default();
    let max = points
        .iter()
        .map(|(_, v)| *v)
        .chain(target.iter().copied())
        .max()
        .unwrap_or(0);
    let step = nice_step(max.div_ceil(4));
    let top_value = (max.div_ceil(step).max(1)).saturating_mul(step);
    let slot = (RIGHT - LEFT) / points.len() as f64;
    let x_of = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let y_of = |v: u32| BOTTOM - (BOTTOM - TOP) * f64::from(v) / f64::from(top_value);

    let mut desc = points
        .iter()
        .map(|(l, v)| format!("{}: {}", l.as_ref(), count(*v)))
        .collect::<Vec<_>>()
        .join("; ");
    if !target.is_empty() {
        desc.push_str(". Chỉ tiêu lũy kế: ");
        desc.push_str(
            &points
                .iter()
                .zip(&target)
                .map(|((l, _), t)| format!("{}: {}", l.as_ref(), count(*t)))
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
    let mut s = open("trend", HEIGHT, TREND_TITLE, &format!("{desc}."));

    // Legend.
    let _ = write!(
        s,
        "<g class=\"legend\" font-size=\"12\">\
         <line x1=\"{l}\" y1=\"12\" x2=\"{l2}\" y2=\"12\" stroke=\"{ACTUAL}\" stroke-width=\"2.5\"/>\
         <circle cx=\"{lm}\" cy=\"12\" r=\"3.5\" fill=\"{ACTUAL}\"/>\
         <text x=\"{lt}\" y=\"16\">Thực hiện</text>",
        l = c(LEFT),
        l2 = c(LEFT + 24.0),
        lm = c(LEFT + 12.0),
        lt = c(LEFT + 30.0),
    );
    if !target.is_empty() {
        let _ = write!(
            s,
            "<line x1=\"{a}\" y1=\"12\" x2=\"{b}\" y2=\"12\" stroke=\"{INK}\" stroke-width=\"2\" \
             stroke-dasharray=\"6 4\"/>\
             <rect x=\"{m}\" y=\"9\" width=\"6\" height=\"6\" fill=\"{INK}\"/>\
             <text x=\"{t}\" y=\"16\">Chỉ tiêu lũy kế</text>",
            a = c(LEFT + 130.0),
            b = c(LEFT + 154.0),
            m = c(LEFT + 139.0),
            t = c(LEFT + 160.0),
        );
    }
    s.push_str("</g>");

    // Grid and the value axis.
    let mut v = 0u32;
    loop {
        let y = c(y_of(v));
        let _ = write!(
            s,
            "<line x1=\"{l}\" y1=\"{y}\" x2=\"{r}\" y2=\"{y}\" stroke=\"{g}\"/>\
             <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"11\">{n}</text>",
            l = c(LEFT),
            r = c(RIGHT),
            g = if v == 0 { INK } else { GRID },
            tx = c(LEFT - 6.0),
            ty = c(y_of(v) + 4.0),
            n = count(v),
        );
        if v >= top_value {
            break;
        }
        v = v.saturating_add(step);
    }

    // Month labels.
    for (i, (label, _)) in points.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" font-size=\"11\">{t}</text>",
            x = c(x_of(i)),
            y = c(BOTTOM + 18.0),
            t = escape(&clip(label.as_ref(), 8)),
        );
    }

    let polyline = |vals: &mut dyn Iterator<Item = u32>| {
        vals.enumerate()
            .map(|(i, v)| format!("{},{}", c(x_of(i)), c(y_of(v))))
            .collect::<Vec<_>>()
            .join(" ")
    };

    if !target.is_empty() {
        let _ = write!(
            s,
            "<g class=\"target\"><polyline points=\"{p}\" fill=\"none\" stroke=\"{INK}\" \
             stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
            p = polyline(&mut target.iter().copied()),
        );
        for (i, t) in target.iter().enumerate() {
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{y}\" width=\"6\" height=\"6\" fill=\"{INK}\"/>",
                x = c(x_of(i) - 3.0),
                y = c(y_of(*t) - 3.0),
            );
        }
        s.push_str("</g>");
    }

    let _ = write!(
        s,
        "<g class=\"actual\"><polyline points=\"{p}\" fill=\"none\" stroke=\"{ACTUAL}\" \
         stroke-width=\"2.5\"/>",
        p = polyline(&mut points.iter().map(|(_, v)| *v)),
    );
    for (i, (label, v)) in points.iter().enumerate() {
        let _ = write!(
            s,
            "<g class=\"point\"><title>{l}: {n}</title>\
             <circle cx=\"{x}\" cy=\"{y}\" r=\"3.5\" fill=\"{ACTUAL}\"/>\
             <text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"11\" \
             font-weight=\"bold\">{n}</text></g>",
            l = escape(label.as_ref()),
            n = count(*v),
            x = c(x_of(i)),
            y = c(y_of(*v)),
            ty = c(y_of(*v) - 8.0),
        );
    }
    s.push_str("</g></svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny XML well-formedness check: balanced tags, one root, quoted attributes, no raw `<`
    /// or stray `&` in text or attribute values. Returns the element names in document order.
    fn well_formed(xml: &str) -> Result<Vec<String>, String> {
        fn entities_ok(s: &str) -> bool {
            let mut rest = s;
            while let Some(i) = rest.find('&') {
                let after = &rest[i..];
                if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|e| after.starts_with(e))
                {
                    return false;
                }
                rest = &rest[i + 1..];
            }
            true
        }
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut roots = 0;
        let mut rest = xml;
        while !rest.is_empty() {
            let lt = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..lt];
            if text.contains('>') || !entities_ok(text) {
                return Err(format!("bad text {text:?}"));
            }
            if !text.trim().is_empty() && stack.is_empty() {
                return Err(format!("text outside the root: {text:?}"));
            }
            rest = &rest[lt..];
            if rest.is_empty() {
                break;
            }
            let gt = rest.find('>').ok_or("unclosed tag")?;
            let tag = &rest[1..gt];
            rest = &rest[gt + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                match stack.pop() {
                    Some(open) if open == name => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
                continue;
            }
            let self_closing = tag.ends_with('/');
            let body = tag.trim_end_matches('/');
            let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
            let name = &body[..name_end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!("bad tag name in <{tag}>"));
            }
            // Attributes: name="value" pairs.
            let mut attrs = body[name_end..].trim();
            while !attrs.is_empty() {
                let eq = attrs
                    .find("=\"")
                    .ok_or(format!("bad attribute in <{tag}>"))?;
                let an = &attrs[..eq];
                if an.is_empty() || an.contains(char::is_whitespace) {
                    return Err(format!("bad attribute name {an:?}"));
                }
                let val_start = eq + 2;
                let close = attrs[val_start..]
                    .find('"')
                    .ok_or(format!("unquoted value in <{tag}>"))?;
                let val = &attrs[val_start..val_start + close];
                if val.contains('<') || !entities_ok(val) {
                    return Err(format!("bad value {val:?}"));
                }
                attrs = attrs[val_start + close + 1..].trim_start();
            }
            if stack.is_empty() {
                roots += 1;
            }
            names.push(name.to_string());
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        if !stack.is_empty() {
            return Err(format!("unclosed {stack:?}"));
        }
        if roots != 1 {
            return Err(format!("{roots} roots"));
        }
        Ok(names)
    }

    fn accessible(svg: &str, title: &str) {
        let names = well_formed(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert_eq!(names.first().map(String::as_str), Some("svg"));
        assert_eq!(names.get(1).map(String::as_str), Some("title"));
        assert_eq!(names.get(2).map(String::as_str), Some("desc"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains(&format!("<title>{title}</title>")));
        assert!(svg.contains("viewBox=\"0 0 600.0 "));
        assert!(!svg.contains("style"), "the CSP forbids inline styles");
        assert!(
            !svg.contains(" id=\""),
            "ids would clash between charts on one page"
        );
        assert!(!svg.contains("<script"));
    }

    /// The `width` of every `class="bar"` rect, in order.
    fn bar_widths(svg: &str) -> Vec<f64> {
        svg.split("<rect class=\"bar\"")
            .skip(1)
            .map(|r| {
                let w = r
                    .split("width=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                w.parse::<f64>().unwrap()
            })
            .collect()
    }

    #[test]
    fn the_well_formedness_check_catches_broken_markup() {
        assert!(well_formed("<svg><g></g></svg>").is_ok());
        assert!(well_formed("<svg><g></svg>").is_err());
        assert!(well_formed("<svg>a & b</svg>").is_err());
        assert!(well_formed("<svg>a < b</svg>").is_err());
        assert!(well_formed("<svg x=1/>").is_err());
        assert!(well_formed("<svg x=\"<\"/>").is_err());
        assert!(well_formed("<svg/><svg/>").is_err());
    }

    #[test]
    fn a_funnel_is_well_formed_accessible_and_proportional() {
        let svg = funnel(&[
            ("Nguồn", 120),
            ("Cảm tình Đảng", 60),
            ("Chờ quyết định kết nạp", 30),
            ("Trống", 0),
        ]);
        accessible(&svg, FUNNEL_TITLE);
        assert_eq!(bar_widths(&svg), vec![300.0, 150.0, 75.0, 0.0]);
        assert!(svg.contains(
            "<desc>Nguồn: 120; Cảm tình Đảng: 60; Chờ quyết định kết nạp: 30; Trống: 0.</desc>"
        ));
        assert!(svg.contains(">120</text>"));
    }

    #[test]
    fn counts_are_written_the_vietnamese_way() {
        let svg = funnel(&[("Nguồn", 7650)]);
        assert!(svg.contains(">7.650</text>"), "{svg}");
    }

    #[test]
    fn org_names_with_markup_characters_are_escaped() {
        let name = "Chi bộ <A> & \"B\" 'C'";
        let esc = "Chi bộ &lt;A&gt; &amp; &quot;B&quot; &#39;C&#39;";
        for svg in [
            funnel(&[(name, 3)]),
            plan_vs_actual_bars(&[(name, 2, 1)]),
            monthly_trend(&[(name, 1)], Some(&[2][..])),
        ] {
            well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
            assert!(!svg.contains("<A>"));
            assert!(svg.contains(esc), "{svg}");
        }
        assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    }

    #[test]
    fn empty_input_draws_a_note_instead_of_a_chart() {
        let none: &[(&str, u32)] = &[];
        let rows: &[(&str, u32, u32)] = &[];
        for (svg, title) in [
            (funnel(none), FUNNEL_TITLE),
            (plan_vs_actual_bars(rows), PLAN_TITLE),
            (monthly_trend(none, None), TREND_TITLE),
            (monthly_trend(none, Some(&[1, 2][..])), TREND_TITLE),
        ] {
            accessible(&svg, title);
            assert!(svg.contains("Chưa có dữ liệu"));
        }
    }

    #[test]
    fn plan_bars_scale_to_the_largest_target_or_actual_and_mark_the_target() {
        // Largest value 24 fills 250 units: actual 23 → 239,6; target 16 at 190 + 166,7.
        let svg = plan_vs_actual_bars(&[
            ("Chi bộ 1", 16, 23),
            ("Chi bộ 2", 24, 12),
            ("Chi bộ 3", 0, 3),
        ]);
        accessible(&svg, PLAN_TITLE);
        let w = bar_widths(&svg);
        assert_eq!(w.len(), 3);
        assert!((w[0] - 250.0 * 23.0 / 24.0).abs() < 0.06);
        assert!((w[1] - 125.0).abs() < 0.06);
        assert!((w[2] - 250.0 * 3.0 / 24.0).abs() < 0.06);
        assert_eq!(
            svg.matches("class=\"target\"").count(),
            2,
            "no marker without a target"
        );
        assert!(svg.contains("x1=\"356.7\""), "{svg}");
        assert!(svg.contains(">23/16 · 143,75 %</text>"));
        assert!(svg.contains(">12/24 · 50 %</text>"));
        assert!(svg.contains(">3 · —</text>"));
        assert!(svg.contains("Chi bộ 1: chỉ tiêu 16, thực hiện 23, đạt 143,75 %"));
        assert!(svg.contains("Chi bộ 3: chưa có chỉ tiêu, thực hiện 3"));
    }

    #[test]
    fn zero_targets_and_zero_actuals_draw_nothing_wider_than_zero() {
        let svg = plan_vs_actual_bars(&[("A", 0, 0), ("B", 0, 0)]);
        accessible(&svg, PLAN_TITLE);
        assert_eq!(bar_widths(&svg), vec![0.0, 0.0]);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let t = monthly_trend(&[("T1", 0), ("T2", 0)], Some(&[0, 0][..]));
        accessible(&t, TREND_TITLE);
        assert!(!t.contains("NaN") && !t.contains("inf"));
    }

    #[test]
    fn a_long_label_is_cut_on_screen_and_kept_whole_in_the_title() {
        let long = "Chi bộ Trường Trung học phổ thông Nguyễn Bỉnh Khiêm";
        let svg = funnel(&[(long, 1)]);
        assert!(svg.contains(&format!("<title>{long}: 1</title>")));
        assert!(svg.contains(">Chi bộ Trường Trung học p…</text>"), "{svg}");
    }

    #[test]
    fn the_trend_places_values_on_a_shared_scale_with_the_dashed_target() {
        let pts = [("T1", 2), ("T2", 5), ("T3", 9), ("T4", 10)];
        let svg = monthly_trend(&pts, Some(&[3, 6, 9, 12, 99][..]));
        accessible(&svg, TREND_TITLE);
        // max 12 → step 5 → axis to 15; 10 sits at 240 − 200·10/15 = 106,7.
        assert!(svg.contains("cy=\"106.7\""), "{svg}");
        assert!(svg.contains("stroke-dasharray=\"6 4\""));
        assert!(svg.contains("Chỉ tiêu lũy kế: T1: 3; T2: 6; T3: 9; T4: 12."));
        assert!(
            svg.contains("T4: 12.</desc>"),
            "target values beyond the points are ignored"
        );
        assert_eq!(
            svg.matches("<circle").count(),
            4 + 1,
            "four points and the legend"
        );
        assert!(svg.contains(">15</text>"));
        let plain = monthly_trend(&pts, None);
        accessible(&plain, TREND_TITLE);
        assert!(!plain.contains("stroke-dasharray"));
        assert!(!plain.contains("lũy kế"));
    }

    #[test]
    fn axis_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(7), 10);
        assert_eq!(nice_step(18), 20);
        assert_eq!(nice_step(230), 500);
        assert_eq!(nice_step(u32::MAX), u32::MAX);
    }
}
