//! Clinical review D1, checked from outside the planner: what a person measures each day, in
//! plan order, never goes back up in strength, for the same liquid or another; every syringe volume says its
//! milligrams and is ten graduations or more, or says why not.

use taper_core::Plan;
use taper_core::catalogue::{Catalogue, Form};
use taper_core::formulation::{FEW_GRADUATIONS, Preparation, Unit};

/// What a person measures each day, in plan order: each step's divided parts (else its whole
/// dose), then its in-between days likewise.
pub fn measured(p: &Plan) -> Vec<&Preparation> {
    fn day(prep: &Preparation) -> Vec<&Preparation> {
        if prep.parts.is_empty() { vec![prep] } else { prep.parts.iter().map(|(_, part)| part).collect() }
    }
    let mut out = Vec::new();
    for s in &p.steps {
        out.extend(day(&s.preparation));
        for d in &s.daily {
            out.extend(day(&d.preparation));
        }
    }
    out
}

/// A bottle stronger than one measured from on an earlier day, in words (a re-run: a dilution of
/// the 20 mg/mL drops after the 1 mg/mL solution); None when there is none. Two bottles on one
/// day (the dose taken now may be so) are not judged here.
pub fn stronger_bottle(c: &Catalogue, p: &Plan) -> Option<String> {
    let bottle = |id: &str| {
        c.product(id).and_then(|product| match product.form {
            Form::Liquid { mg_per_ml, .. } => Some(mg_per_ml * product.relative_exposure),
            _ => None,
        })
    };
    let mut weakest = f64::INFINITY;
    let days =
        p.steps.iter().flat_map(|s| std::iter::once(&s.preparation).chain(s.daily.iter().map(|d| &d.preparation)));
    for day in days {
        let ids: Vec<&str> = day.ids().collect();
        if let Some(b) = ids.iter().filter_map(|id| bottle(id)).find(|b| *b > weakest * (1.0 + 1e-9)) {
            return Some(format!("a {b} mg/mL bottle after a {weakest} mg/mL one: {}", day.instruction()));
        }
        weakest = ids.iter().filter_map(|id| bottle(id)).fold(weakest, f64::min);
    }
    None
}

/// The first way `p` breaks the rule, in words; None when it keeps it.
pub fn first_breach(c: &Catalogue, p: &Plan, syringe_ml: f64) -> Option<String> {
    if let Some(b) = stronger_bottle(c, p) {
        return Some(b);
    }
    let least = 10.0 * syringe_ml - 1e-9;
    let mut weakest: Option<f64> = None;
    for prep in measured(p) {
        for item in &prep.items {
            let Some(product) = c.product(&item.product_id) else { continue };
            let Form::Liquid { mg_per_ml, .. } = product.form else { continue };
            let strength = match item.unit {
                Unit::Ml => item.dilution.map_or(mg_per_ml, |d| d.mg_per_ml),
                Unit::Drop => mg_per_ml,
                _ => continue,
            };
            // Under ten graduations only when nothing the person has gives ten, and said so.
            if item.unit == Unit::Ml && item.quantity < least && !item.text.contains(FEW_GRADUATIONS) {
                return Some(format!("{} mL is under ten graduations, unannounced: {}", item.quantity, item.text));
            }
            // Drops too (a re-run: "9 drops of the oral drops 20 mg/mL").
            // The product's own "20 mg/mL" is not the amount's milligrams.
            let has_mg = item.text.contains(" mg)") || item.text.contains(" mg as ");
            if matches!(item.unit, Unit::Ml | Unit::Drop) && !has_mg {
                return Some(format!("a volume without its milligrams: {}", item.text));
            }
            // Across bottles too: a weaker bottle then a stronger one is the same volumes at a
            // larger dose.
            let strength = strength * product.relative_exposure;
            if let Some(was) = weakest.filter(|w| strength > w * (1.0 + 1e-9)) {
                return Some(format!("back up from {was} to {strength} mg/mL: {}", item.text));
            }
            weakest = Some(weakest.map_or(strength, |w| w.min(strength)));
        }
    }
    None
}
