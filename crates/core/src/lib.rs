//! Taper's domain core.
//!
//! **Architecture invariant:** this crate does no I/O, reads no clock and has no randomness: the
//! catalogue is compiled in or handed over as text, "today" is an argument. The same inputs give
//! the same plan, which is what makes it testable and reviewable.

pub mod adapt;
pub mod assess;
pub mod catalogue;
pub mod consent;
pub mod course;
pub mod crossover;
pub mod error;
pub mod exposure;
pub mod flags;
pub mod formulation;
pub mod history;
pub mod justification;
pub mod measures;
pub mod occupancy;
pub mod pace;
pub mod pk;
pub mod role;
pub mod safety;
pub mod schedule;
pub mod symptoms;
pub mod teaching;
pub mod units;
pub mod waves;

pub use catalogue::{Catalogue, Drug, DrugClass, Product};
pub use error::{CatalogueError, InputError, PlanError};
pub use justification::Justification;
pub use schedule::{Plan, PlanRequest, Strategy, plan};
pub use units::Mg;
