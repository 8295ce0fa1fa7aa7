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
        let root = SVGBackend::with_string(&mut svg, (800, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (top, bottom) = root.split_vertically(if exposure.occupancy.is_some() { 280 } else { 460 });
        let mut chart = ChartBuilder::on(&top)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..days, 0f64..max_level)
            .map_err(err)?;
        chart.configure_mesh().x_desc("day").y_desc("level, % of steady average").draw().map_err(err)?;
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
        chart.configure_series_labels().background_style(WHITE.mix(0.85)).border_style(BLACK).draw().map_err(err)?;
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
        points.push((f64::from(pair[0].day), pair[0].dose_mg));
        for d in &pair[0].daily {
            points.push((f64::from(d.day), d.dose_mg));
        }
        points.push((f64::from(pair[1].day), points.last().map_or(pair[0].dose_mg, |p| p.1)));
    }
    if let Some(last) = plan.steps.last() {
        points.push((f64::from(last.day), last.dose_mg));
        points.push((f64::from(last.day + plan.interval_days.max(1)), last.dose_mg));
    }
    let end = points.last().map_or(1.0, |p| p.0).max(1.0);
    let top_dose = plan.steps.first().map_or(1.0, |s| s.dose_mg) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let has_occ = plan.steps.iter().any(|s| s.occupancy.is_some());
        let (top, bottom) = root.split_vertically(if has_occ { 240 } else { 420 });
        let mut chart = ChartBuilder::on(&top)
            .caption(format!("{}: daily dose", plan.drug_name), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..end, 0f64..top_dose)
            .map_err(err)?;
        chart.configure_mesh().x_desc("day").y_desc("mg per day").draw().map_err(err)?;
        chart.draw_series(LineSeries::new(points.iter().copied(), COLOURS[0].stroke_width(2))).map_err(err)?;
        if has_occ {
            let occ: Vec<(f64, f64)> = plan
                .steps
                .iter()
                .flat_map(|s| {
                    let o = s.occupancy.unwrap_or(0.0);
                    [(f64::from(s.day), o), (f64::from(s.day + plan.interval_days), o)]
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
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..days, lo.max(0.0)..(hi + 5.0).min(100.0))
        .map_err(err)?;
    chart.configure_mesh().x_desc("day").y_desc("modelled occupancy %").draw().map_err(err)?;
    chart.draw_series(LineSeries::new(points, COLOURS[2].stroke_width(2))).map_err(err)?;
    Ok(())
}
