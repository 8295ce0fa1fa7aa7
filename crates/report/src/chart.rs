//! SVG charts drawn by our code with plotters' SVG backend (no fonts or C libraries needed).

use plotters::prelude::*;
use taper_core::exposure::Exposure;
use taper_core::schedule::Plan;

const COLOURS: [RGBColor; 4] =
    [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(148, 103, 189)];

/// A chart failed to draw; only possible through a defect in the drawing code.
#[derive(Debug)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not draw the chart: {}", self.0)
    }
}
impl std::error::Error for ChartError {}

/// Text sizes in the SVG's own pixels. Charts are drawn 640 wide and scaled to the screen: on a
/// 360-pixel phone these come out near 12–13 px (plotters draws text at about 0.8 of the size asked) (a new-user walk found 4 px labels on an
/// 800-wide chart).
const LABEL_PX: u32 = 28;
/// Room on the right for half of the last date label ("2026-12-05" at `LABEL_PX`), which was cut
/// to "2026-12-0" on phone and desktop (walk-through).
const DATE_MARGIN_PX: u32 = 88;
const CAPTION_PX: u32 = 30;

/// The mesh every chart over days shares: labels readable on a phone, whole days, doses to a
/// hundredth.
fn day_mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    y_desc: &str,
) -> Result<(), ChartError> {
    chart
        .configure_mesh()
        .label_style(("sans-serif", LABEL_PX))
        .axis_desc_style(("sans-serif", LABEL_PX))
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| taper_core::units::trim_number((*y * 100.0).round() / 100.0))
        .x_desc("day")
        .y_desc(y_desc)
        .draw()
        .map_err(err)
}

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Relative levels (and occupancy, where modelled) over time for a simulated pattern.
pub fn exposure_svg(exposure: &Exposure, title: &str) -> Result<String, ChartError> {
    let curve = &exposure.curve;
    let days = curve.hours().last().unwrap_or(24.0) / 24.0;
    let max_level = curve.levels.iter().flatten().copied().fold(100.0, f64::max) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (top, bottom) = root.split_vertically(if exposure.occupancy.is_some() { 280 } else { 460 });
        let mut chart = ChartBuilder::on(&top)
            .caption(title, ("sans-serif", CAPTION_PX))
            .margin(12)
            .x_label_area_size(56)
            .y_label_area_size(96)
            .build_cartesian_2d(0f64..days, 0f64..max_level)
            .map_err(err)?;
        day_mesh(&mut chart, "level, % of average")?;
        for (i, (sp, series)) in curve.species.iter().zip(&curve.levels).enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(
                    curve.hours().zip(series).map(|(h, v)| (h / 24.0, *v)),
                    colour.stroke_width(2),
                ))
                .map_err(err)?
                .label(format!("{} (t½ ≈ {:.0} h)", sp.name, sp.half_life_hours))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", LABEL_PX))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        if let Some(occ) = &exposure.occupancy {
            let points: Vec<(f64, f64)> = curve.hours().zip(occ).map(|(h, v)| (h / 24.0, *v)).collect();
            occupancy_panel(&bottom, days, points, true)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The plan's realised dose per day as a step line, with modelled occupancy beneath where known.
pub fn plan_svg(plan: &Plan) -> Result<String, ChartError> {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for pair in plan.steps.windows(2) {
        points.push((f64::from(pair[0].day), pair[0].dose_mg.get()));
        for d in &pair[0].daily {
            points.push((f64::from(d.day), d.dose_mg.get()));
        }
        points.push((f64::from(pair[1].day), points.last().map_or(pair[0].dose_mg.get(), |p| p.1)));
    }
    if let Some(last) = plan.steps.last() {
        points.push((f64::from(last.day), last.dose_mg.get()));
        // The last dose drawn on for one more interval, so it shows as a level, not a point.
        let held_until = f64::from(last.day + plan.interval_days.max(1));
        points.push((held_until, last.dose_mg.get()));
    }
    let end = points.last().map_or(1.0, |p| p.0).max(1.0);
    let y_top = with_headroom(plan.steps.first().map_or(1.0, |s| s.dose_mg.get()), 1.1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let has_occ = plan.steps.iter().any(|s| s.occupancy.is_some());
        let (top, bottom) = root.split_vertically(if has_occ { 240 } else { 420 });
        let mut chart = ChartBuilder::on(&top)
            .caption(format!("{}: daily dose", plan.drug_name), ("sans-serif", CAPTION_PX))
            .margin(12)
            .x_label_area_size(56)
            .y_label_area_size(96)
            .build_cartesian_2d(0f64..end, 0f64..y_top)
            .map_err(err)?;
        day_mesh(&mut chart, "mg per day")?;
        chart.draw_series(LineSeries::new(points.iter().copied(), COLOURS[0].stroke_width(2))).map_err(err)?;
        if has_occ {
            let occ: Vec<(f64, f64)> = plan
                .steps
                .iter()
                .enumerate()
                .flat_map(|(i, s)| {
                    let o = s.occupancy.unwrap_or(0.0);
                    // A step held longer ends where the next begins.
                    let until = plan.steps.get(i + 1).map_or(s.day + plan.interval_days, |next| next.day);
                    [(f64::from(s.day), o), (f64::from(until), o)]
                })
                .collect();
            occupancy_panel(&bottom, end, occ, false)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The lower panel both charts share: modelled occupancy over days. `zoom` fits the y axis to the
/// data (small swings between doses); otherwise it starts at zero (a whole taper).
fn occupancy_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    days: f64,
    points: Vec<(f64, f64)>,
    zoom: bool,
) -> Result<(), ChartError> {
    let hi = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let lo = if zoom { points.iter().map(|p| p.1).fold(100.0, f64::min) - 5.0 } else { 0.0 };
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(DATE_MARGIN_PX)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d(0f64..days, lo.max(0.0)..(hi + 5.0).min(100.0))
        .map_err(err)?;
    day_mesh(&mut chart, "occupancy %")?;
    chart.draw_series(LineSeries::new(points, COLOURS[2].stroke_width(2))).map_err(err)?;
    Ok(())
}

/// What the waves-and-windows chart shows, on one calendar.
pub struct Timeline<'a> {
    pub analysis: &'a taper_core::waves::Analysis,
    /// The dose from each date on (breakpoints, oldest first).
    pub dose: &'a [(jiff::civil::Date, f64)],
    /// The drug whose dose that is, named on its axis (several plans: which one is drawn).
    pub drug: &'a str,
    /// Modelled occupancy from each date on, where the drug has a model.
    pub occupancy: &'a [(jiff::civil::Date, f64)],
    pub start: jiff::civil::Date,
    pub end: jiff::civil::Date,
    /// Every check-in's burden, drawn even before there are enough for a baseline (walk-through:
    /// a first check-in left the chart empty but for the legend's circle).
    pub burden: &'a [(jiff::civil::Date, f64)],
    /// Questionnaire totals as a share of their maximum (0–100), by instrument name; drawn in
    /// a fourth panel when present.
    pub scores: &'a [(&'a str, Vec<(jiff::civil::Date, f64)>)],
}

const WAVE: RGBColor = RGBColor(230, 120, 40);
/// The baseline's grey (black at 60 %, on white).
const BASELINE: RGBColor = RGBColor(102, 102, 102);
/// A panel's title strip.
const CAPTION_STRIP_PX: u32 = 48;
/// Legends start where the plot does (its margin and y-label area) and wrap at the margin.
const LEGEND_LEFT: i32 = 108;
const LEGEND_WIDTH: i32 = 640 - LEGEND_LEFT - 12;
const WINDOW: RGBColor = RGBColor(60, 160, 90);

/// Burden over time with the baseline, waves and windows shaded; dose and occupancy as steps
/// beneath, on the same days.
pub fn waves_svg(t: &Timeline) -> Result<String, ChartError> {
    let f = Frame { t, days: f64::from((t.end - t.start).get_days()).max(1.0) + 1.0 };
    let mut svg = String::new();
    {
        let has_scores = t.scores.iter().any(|(_, v)| !v.is_empty());
        let burden_legend = burden_entries(t);
        let score_legend: Vec<(&str, Swatch)> = (t.scores.iter().enumerate())
            .filter(|(_, (_, v))| !v.is_empty())
            .map(|(k, (name, _))| (*name, Swatch::Line(COLOURS[(k + 1) % COLOURS.len()])))
            .collect();
        let burden_h = CAPTION_STRIP_PX + legend_height(&burden_legend, LEGEND_WIDTH);
        let scores_h = if has_scores { 200 + legend_height(&score_legend, LEGEND_WIDTH) } else { 0 };
        let height = 400 + 360 + burden_h + scores_h;
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let has_occ = !t.occupancy.is_empty();
        // Panels tall enough for their labels at phone-readable sizes.
        let (root, score_area) =
            if has_scores { root.split_vertically(height - scores_h) } else { (root.clone(), root) };
        let (top, rest) = root.split_vertically(360 + burden_h);
        let (dose_area, occ_area) = rest.split_vertically(if has_occ { 200 } else { 400 });
        let (strip, top) = top.split_vertically(burden_h);
        caption(&strip, "Symptom burden: waves and windows")?;
        let (_, legend) = strip.split_vertically(CAPTION_STRIP_PX);
        legend_strip(&legend, &burden_legend, LEGEND_LEFT)?;
        burden_panel(&top, &f)?;
        dose_panel(&dose_area, &f)?;
        if has_occ {
            waves_occupancy_panel(&occ_area, &f)?;
        }
        if has_scores {
            let (legend, plot) = score_area.split_vertically(legend_height(&score_legend, LEGEND_WIDTH));
            legend_strip(&legend, &score_legend, LEGEND_LEFT)?;
            scores_panel(&plot, &f)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

type Area<'s> = DrawingArea<SVGBackend<'s>, plotters::coord::Shift>;

/// The time axis every panel of the waves chart shares: days since the start.
struct Frame<'a> {
    t: &'a Timeline<'a>,
    days: f64,
}

impl Frame<'_> {
    fn x(&self, d: jiff::civil::Date) -> f64 {
        f64::from((d - self.t.start).get_days())
    }

    fn label(&self, v: &f64) -> String {
        self.t
            .start
            .checked_add(jiff::Span::new().days(v.round() as i64))
            .map_or_else(|_| String::new(), |d| d.to_string())
    }

    /// A value that holds from each date until the next, as a stepped line to the chart's end.
    fn steps(&self, points: &[(jiff::civil::Date, f64)]) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for (d, v) in points {
            let px = self.x(*d).clamp(0.0, self.days);
            if let Some(&(_, prev)) = out.last() {
                out.push((px, prev));
            }
            out.push((px, *v));
        }
        if let Some(&(_, last)) = out.last() {
            out.push((self.days, last));
        }
        out
    }
}

/// Daily burden, its 3-day average, the baseline, and waves and windows shaded.
fn burden_panel(area: &Area, f: &Frame) -> Result<(), ChartError> {
    use taper_core::waves::Kind;
    let a = f.t.analysis;
    let hi = a.days.iter().map(|d| d.rolling).chain(f.t.burden.iter().map(|(_, b)| *b)).fold(10.0, f64::max) * 1.15;
    let label = |v: &f64| f.label(v);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_right(DATE_MARGIN_PX)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d(0f64..f.days, 0f64..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", LABEL_PX))
        .axis_desc_style(("sans-serif", LABEL_PX))
        .y_labels(5)
        .x_labels(4)
        .x_label_formatter(&label)
        .y_desc("checklist points")
        .draw()
        .map_err(err)?;
    for e in &a.episodes {
        let colour = if e.kind == Kind::Wave { WAVE } else { WINDOW };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(f.x(e.start) - 0.5, 0.0), (f.x(e.end) + 0.5, hi)],
                colour.mix(0.18).filled(),
            )))
            .map_err(err)?;
    }
    if let Some(b) = a.baseline {
        chart.draw_series(LineSeries::new([(0.0, b.mean), (f.days, b.mean)], BASELINE.stroke_width(1))).map_err(err)?;
    }
    chart
        .draw_series(f.t.burden.iter().map(|(d, b)| Circle::new((f.x(*d), *b), 4, COLOURS[0].filled())))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(a.days.iter().map(|d| (f.x(d.date), d.rolling)), COLOURS[1].stroke_width(2)))
        .map_err(err)?;
    Ok(())
}

/// The burden panel's legend: the baseline only once there is one.
fn burden_entries<'a>(t: &Timeline<'a>) -> Vec<(&'a str, Swatch)> {
    let mut entries = Vec::new();
    if t.analysis.baseline.is_some() {
        entries.push(("baseline (usual level)", Swatch::Line(BASELINE)));
    }
    entries.extend([
        ("daily burden", Swatch::Dot(COLOURS[0])),
        ("3-day average", Swatch::Line(COLOURS[1])),
        ("wave", Swatch::Band(WAVE)),
        ("window", Swatch::Band(WINDOW)),
    ]);
    entries
}

/// A panel's title, centred in the strip above it.
fn caption(area: &Area, words: &str) -> Result<(), ChartError> {
    let (w, _) = area.dim_in_pixel();
    let style = TextStyle::from(("sans-serif", CAPTION_PX).into_font()).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    area.draw(&Text::new(words.to_string(), (i32::try_from(w / 2).unwrap_or(320), 8), style)).map_err(err)
}

/// The dose taken, as steps.
fn dose_panel(area: &Area, f: &Frame) -> Result<(), ChartError> {
    let label = |v: &f64| f.label(v);
    let dose = f.steps(f.t.dose);
    let y_top = with_headroom(dose.iter().map(|p| p.1).fold(1.0, f64::max), 1.15);
    let mut dc = ChartBuilder::on(area)
        .margin(12)
        .margin_right(DATE_MARGIN_PX)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d(0f64..f.days, 0f64..y_top)
        .map_err(err)?;
    dc.configure_mesh()
        .label_style(("sans-serif", LABEL_PX))
        .axis_desc_style(("sans-serif", LABEL_PX))
        .y_labels(5)
        .x_labels(4)
        .x_label_formatter(&label)
        .y_desc(if f.t.drug.is_empty() { "mg per day".to_string() } else { format!("{}, mg per day", f.t.drug) })
        .draw()
        .map_err(err)?;
    dc.draw_series(LineSeries::new(dose, COLOURS[3].stroke_width(2))).map_err(err)?;
    Ok(())
}

/// Modelled occupancy, as steps.
fn waves_occupancy_panel(area: &Area, f: &Frame) -> Result<(), ChartError> {
    let label = |v: &f64| f.label(v);
    let occ = f.steps(f.t.occupancy);
    let mut oc = ChartBuilder::on(area)
        .margin(12)
        .margin_right(DATE_MARGIN_PX)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d(0f64..f.days, 0f64..100f64)
        .map_err(err)?;
    oc.configure_mesh()
        .label_style(("sans-serif", LABEL_PX))
        .axis_desc_style(("sans-serif", LABEL_PX))
        .y_labels(5)
        .x_labels(4)
        .x_label_formatter(&label)
        .y_desc("occupancy %")
        .draw()
        .map_err(err)?;
    oc.draw_series(LineSeries::new(occ, COLOURS[2].stroke_width(2))).map_err(err)?;
    Ok(())
}

/// Questionnaire totals as a share of their maximum, one line per instrument.
fn scores_panel(area: &Area, f: &Frame) -> Result<(), ChartError> {
    let label = |v: &f64| f.label(v);
    let mut sc = ChartBuilder::on(area)
        .margin(12)
        .margin_right(DATE_MARGIN_PX)
        .x_label_area_size(56)
        .y_label_area_size(96)
        .build_cartesian_2d(0f64..f.days, 0f64..100f64)
        .map_err(err)?;
    sc.configure_mesh()
        .label_style(("sans-serif", LABEL_PX))
        .axis_desc_style(("sans-serif", LABEL_PX))
        .y_labels(5)
        .x_labels(4)
        .x_label_formatter(&label)
        .y_desc("% of max score")
        .draw()
        .map_err(err)?;
    for (k, (_, points)) in f.t.scores.iter().enumerate() {
        let colour = COLOURS[(k + 1) % COLOURS.len()];
        let pts: Vec<(f64, f64)> = points.iter().map(|(d, v)| (f.x(*d), *v)).collect();
        sc.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2))).map_err(err)?;
        sc.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, colour.filled()))).map_err(err)?;
    }
    Ok(())
}

/// How a legend entry is drawn beside its words.
#[derive(Clone, Copy)]
enum Swatch {
    Line(RGBColor),
    Dot(RGBColor),
    Band(RGBColor),
}

/// One row of a legend strip, in the SVG's pixels.
const LEGEND_ROW_PX: i32 = 38;
/// A character's width at `LABEL_PX`, roughly, to wrap the strip's entries (sans-serif averages
/// a little over half its size).
const LEGEND_CHAR_PX: f64 = 0.58 * LABEL_PX as f64;

/// The entries laid out left to right in rows `width` wide: each entry's row and left edge.
fn legend_layout(entries: &[(&str, Swatch)], width: i32) -> Vec<(i32, i32)> {
    let (mut row, mut x) = (0, 0);
    let mut out = Vec::new();
    for (words, _) in entries {
        let w = 24 + (words.chars().count() as f64 * LEGEND_CHAR_PX) as i32 + 24;
        if x > 0 && x + w > width {
            row += 1;
            x = 0;
        }
        out.push((row, x));
        x += w;
    }
    out
}

/// The height a legend strip of `entries` takes, `width` wide.
fn legend_height(entries: &[(&str, Swatch)], width: i32) -> u32 {
    let rows = legend_layout(entries, width).last().map_or(0, |(r, _)| r + 1);
    u32::try_from(rows * LEGEND_ROW_PX + 8).unwrap_or(0)
}

/// A panel's legend in a strip of its own above the plot, so it never covers a point: plotters'
/// box inside the plot hid the newest scores and, with one check-in, the only one (walks).
fn legend_strip(area: &Area, entries: &[(&str, Swatch)], left: i32) -> Result<(), ChartError> {
    let width = i32::try_from(area.dim_in_pixel().0).unwrap_or(640) - left - 12;
    for ((words, swatch), (row, x)) in entries.iter().zip(legend_layout(entries, width)) {
        let (x, y) = (left + x, 4 + row * LEGEND_ROW_PX + LEGEND_ROW_PX / 2);
        match swatch {
            Swatch::Line(c) => area.draw(&PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))),
            Swatch::Dot(c) => area.draw(&Circle::new((x + 9, y), 5, c.filled())),
            Swatch::Band(c) => area.draw(&Rectangle::new([(x, y - 8), (x + 18, y + 8)], c.mix(0.4).filled())),
        }
        .map_err(err)?;
        let style = TextStyle::from(("sans-serif", LABEL_PX).into_font()).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ));
        area.draw(&Text::new(words.to_string(), (x + 26, y), style)).map_err(err)?;
    }
    Ok(())
}

/// The top of a chart's axis: the largest value plus room above it for the line and labels.
fn with_headroom(largest: f64, factor: f64) -> f64 {
    largest * factor
}

#[cfg(test)]
mod tests {
    use super::*;
    use taper_core::waves::{Entry, analyse};

    /// The `y` of the first `<text>` whose words are `words` (plotters writes them on a line
    /// of their own).
    fn text_y(svg: &str, words: &str) -> f64 {
        let end = svg.find(&format!(">\n{words}\n</text>")).expect(words);
        let start = svg[..end].rfind("<text").unwrap();
        let tag = &svg[start..end];
        let y = tag.split(" y=\"").nth(1).unwrap();
        y[..y.find('"').unwrap()].parse().unwrap()
    }

    /// The centres of the circles of radius `r` (points: 4 burden, 3 scores; the legend's 5).
    fn circles_y(svg: &str, r: u32) -> Vec<f64> {
        let centre = |c: &str| c.split("cy=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        svg.split("<circle").skip(1).filter(|c| c.contains(&format!(" r=\"{r}\""))).map(centre).collect()
    }

    /// Walks: the legend's box inside the plot covered the newest questionnaire scores and, with
    /// one check-in at the top of the scale, the only point. Each legend is now a strip above its
    /// panel: every word of it lies above the highest point drawn beneath it.
    #[test]
    fn legends_sit_above_their_panels_and_cover_no_point() {
        let day = |n: i64| jiff::civil::date(2026, 11, 1).checked_add(jiff::Span::new().days(n)).unwrap();
        let entries = [Entry { date: day(0), burden: 51.0 }];
        let analysis = analyse(&entries, None);
        let scores = [("PHQ-9", vec![(day(0), 100.0), (day(20), 100.0)]), ("GAD-7", vec![(day(20), 95.0)])];
        let dose = [(day(0), 20.0)];
        let svg = waves_svg(&Timeline {
            analysis: &analysis,
            dose: &dose,
            drug: "Citalopram",
            occupancy: &[],
            start: day(0),
            end: day(20),
            burden: &[(day(0), 51.0)],
            scores: &scores,
        })
        .unwrap();
        let burden_point = circles_y(&svg, 4)[0];
        for words in ["daily burden", "3-day average", "wave", "window"] {
            assert!(text_y(&svg, words) < burden_point - 5.0, "{words} above the burden point at {burden_point}");
        }
        assert!(text_y(&svg, "Symptom burden: waves and windows") < text_y(&svg, "daily burden"));
        let highest_score = circles_y(&svg, 3).into_iter().fold(f64::MAX, f64::min);
        for words in ["PHQ-9", "GAD-7"] {
            let y = text_y(&svg, words);
            assert!(y < highest_score - 5.0 && y > burden_point, "{words} at {y}, between the panels");
        }
    }
}
