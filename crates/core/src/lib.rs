//! Taper's domain core.
//!
//! **Architecture invariant:** this crate does no I/O, reads no clock and has no randomness: the
//! catalogue is compiled in or handed over as text, "today" is an argument. The same inputs give
//! the same plan, which is what makes it testable and reviewable.

pub mod care;
pub mod catalogue;
pub mod error;
pub mod pk;
pub mod plan;
pub mod units;

// The folders group the domain by subdomain (plan, pk, care); these keep each module reachable
// by its short name too (`taper_core::schedule`), as the other crates use it.
pub use care::{
    adapt, assess, consent, flags, history, measures, readiness, regimen, reinstate, role, symptoms, teaching, waves,
};
pub use pk::exposure;
pub use plan::{
    course, crossover, formulation, justification, occupancy, order, pace, safety, schedule, supply, times,
};

pub use catalogue::{Catalogue, Drug, DrugClass, Product};
pub use error::{CatalogueError, InputError, PlanError};
pub use justification::Justification;
pub use schedule::{Plan, PlanRequest, Strategy, plan};
pub use units::Mg;
