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
    fn inverse_round_trips() {
        for occ in [1.0, 10.0, 50.0, 75.0, 83.0] {
            let d = CITALOPRAM.dose_for(occ).unwrap();
            assert!((CITALOPRAM.occupancy(d) - occ).abs() < 1e-9);
        }
    }
}
