//! Target occupancy from dose: the two-parameter Emax (Michaelis–Menten) curve
//! `occ = Emax·D / (ED50 + D)` and its inverse `D = ED50·occ / (Emax − occ)`.
//! Source of the model form: Sørensen, Ruhé & Munkholm 2022 (see data/sources.toml).

/// A fitted occupancy curve. Emax is in percent and may exceed 100 in published fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmaxModel {
    emax: f64,
    ed50: f64,
}

impl EmaxModel {
    pub fn new(emax_percent: f64, ed50_mg: f64) -> Self {
        Self { emax: emax_percent, ed50: ed50_mg }
    }

    pub fn emax(&self) -> f64 {
        self.emax
    }

    pub fn ed50(&self) -> f64 {
        self.ed50
    }

    /// Modelled occupancy in percent at a daily dose in mg.
    pub fn occupancy(&self, dose_mg: f64) -> f64 {
        if dose_mg <= 0.0 {
            return 0.0;
        }
        self.emax * dose_mg / (self.ed50 + dose_mg)
    }

    /// The highest occupancy a target may ask for: below both Emax and 100 %.
    pub fn ceiling(&self) -> f64 {
        self.emax.min(100.0)
    }

    /// The dose giving `occupancy` percent, or `None` where the curve never reaches it
    /// (at or above Emax, or at or above 100 %). Zero and below give zero.
    pub fn dose_for(&self, occupancy: f64) -> Option<f64> {
        if !occupancy.is_finite() || occupancy >= self.ceiling() {
            return None;
        }
        if occupancy <= 0.0 {
            return Some(0.0);
        }
        Some(self.ed50 * occupancy / (self.emax - occupancy))
    }
}

/// The occupancy model a plan reads: one published fit, or several read together.
///
/// Several fits of one drug (escitalopram, desvenlafaxine: one per brain region) disagree. Read
/// together, the dose for an occupancy is the *highest* dose any fit gives — the most cautious
/// choice — and so the occupancy of a dose is the *lowest* any fit gives (the inverse of a
/// maximum of increasing curves is their minimum). A step is held within its limit under every
/// fit, not only the governing one.
#[derive(Debug, Clone, PartialEq)]
pub struct Occupancy {
    fits: Vec<(String, EmaxModel)>,
}

impl Occupancy {
    /// Several fits, each named by its region. `None` if the list is empty.
    pub fn cautious(fits: Vec<(String, EmaxModel)>) -> Option<Self> {
        (!fits.is_empty()).then_some(Self { fits })
    }

    pub fn single(region: impl Into<String>, model: EmaxModel) -> Self {
        Self { fits: vec![(region.into(), model)] }
    }

    /// True when more than one fit is read.
    pub fn is_combined(&self) -> bool {
        self.fits.len() > 1
    }

    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.fits.iter().map(|(r, _)| r.as_str())
    }

    pub fn models(&self) -> impl Iterator<Item = (&str, EmaxModel)> {
        self.fits.iter().map(|(r, m)| (r.as_str(), *m))
    }

    /// The lowest modelled occupancy (percent) any fit gives for a daily dose.
    pub fn occupancy(&self, dose_mg: f64) -> f64 {
        self.fits.iter().map(|(_, m)| m.occupancy(dose_mg)).fold(f64::INFINITY, f64::min)
    }

    /// The highest dose any fit gives for `occupancy`; `None` where some fit never reaches it.
    pub fn dose_for(&self, occupancy: f64) -> Option<f64> {
        self.fits.iter().map(|(_, m)| m.dose_for(occupancy)).try_fold(0.0_f64, |acc, d| d.map(|d| acc.max(d)))
    }

    /// The region whose fit gives the highest dose for `occupancy` (the one that governs it).
    pub fn governing(&self, occupancy: f64) -> Option<&str> {
        let mut best: Option<(&str, f64)> = None;
        for (region, m) in &self.fits {
            let d = m.dose_for(occupancy)?;
            if best.is_none_or(|(_, b)| d > b + 1e-12) {
                best = Some((region, d));
            }
        }
        best.map(|(r, _)| r)
    }

    /// The largest drop in occupancy (percentage points) any fit reads from one dose to another.
    pub fn largest_drop(&self, from_mg: f64, to_mg: f64) -> f64 {
        self.fits.iter().map(|(_, m)| m.occupancy(from_mg) - m.occupancy(to_mg)).fold(f64::NEG_INFINITY, f64::max)
    }

    /// The highest dose that no fit reads above `occupancy` (the lowest of the fits' doses); fits
    /// that never reach it do not bound it. `None` if no fit reaches it.
    pub fn dose_read_at_most(&self, occupancy: f64) -> Option<f64> {
        self.fits.iter().filter_map(|(_, m)| m.dose_for(occupancy)).reduce(f64::min)
    }

    /// The lowest dose reachable from `from_mg` without any fit reading a drop above `limit_pp`.
    pub fn lowest_within(&self, from_mg: f64, limit_pp: f64) -> f64 {
        self.fits
            .iter()
            .map(|(_, m)| m.dose_for(m.occupancy(from_mg) - limit_pp).unwrap_or(from_mg))
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CITALOPRAM: EmaxModel = EmaxModel { emax: 83.98, ed50: 2.33 };

    #[test]
    fn citalopram_at_20mg_is_about_75_percent() {
        // Pharmacology notes §8 case 1 (derived from the Sørensen 2022 fit).
        assert!((CITALOPRAM.occupancy(20.0) - 75.22).abs() < 0.01);
    }

    #[test]
    fn inverse_is_refused_at_or_above_emax() {
        // §8 case 3: a target of 85 % must not give a negative dose.
        assert_eq!(CITALOPRAM.dose_for(85.0), None);
        assert_eq!(CITALOPRAM.dose_for(83.98), None);
        let vortioxetine = EmaxModel::new(102.24, 4.68);
        assert!((vortioxetine.dose_for(90.0).unwrap() - 34.41).abs() < 0.01);
        // Emax above 100: the ceiling is 100 %.
        assert_eq!(vortioxetine.dose_for(100.0), None);
    }

    #[test]
    fn several_fits_read_the_most_cautious_dose() {
        // Escitalopram, Sørensen 2022 as coded in pharmacology.md §1: at 60 % the putamen fit
        // gives 1.22·60/(69.32−60) = 7.854 mg, the highest of the four (caudate 2.58, raphe 5.52,
        // thalamus 6.75).
        let esc = Occupancy::cautious(vec![
            ("caudate".into(), EmaxModel::new(75.35, 0.66)),
            ("dorsal raphe nucleus".into(), EmaxModel::new(89.57, 2.72)),
            ("putamen".into(), EmaxModel::new(69.32, 1.22)),
            ("thalamus".into(), EmaxModel::new(78.67, 2.10)),
        ])
        .unwrap();
        assert!((esc.dose_for(60.0).unwrap() - 7.854).abs() < 0.001);
        assert_eq!(esc.governing(60.0), Some("putamen"));
        // At 50 %: thalamus 2.10·50/28.67 = 3.662 mg.
        assert_eq!(esc.governing(50.0), Some("thalamus"));
        // The occupancy of a dose is the lowest reading, and round-trips.
        let d = esc.dose_for(40.0).unwrap();
        assert!((esc.occupancy(d) - 40.0).abs() < 1e-9);
        // Above the putamen ceiling no dose is defined.
        assert_eq!(esc.dose_for(70.0), None);
        // A window never lets any fit drop more than the limit.
        let low = esc.lowest_within(7.854, 10.0);
        assert!(esc.largest_drop(7.854, low) <= 10.0 + 1e-9);
    }

    #[test]
    fn inverse_round_trips() {
        for occ in [1.0, 10.0, 50.0, 75.0, 83.0] {
            let d = CITALOPRAM.dose_for(occ).unwrap();
            assert!((CITALOPRAM.occupancy(d) - occ).abs() < 1e-9);
        }
    }
}
