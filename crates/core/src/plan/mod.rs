//! Planning a taper: from a request to a checked plan whose every step is a preparation.
//! `types` holds the request and the plan; `schedule` builds one (ladder, window, solver);
//! `safety` re-checks it; `formulation` turns a target into something to measure; `occupancy`
//! and `pace` are the models and limits; `crossover` switches benzodiazepines; `course` puts
//! revisions on the calendar; `times` divides the day's dose among its times; `supply` counts
//! down what the person has; `order` is what the days ahead take from the pharmacy.

pub mod course;
pub mod crossover;
pub mod formulation;
pub mod justification;
pub mod occupancy;
pub mod order;
pub mod pace;
pub mod safety;
pub mod schedule;
pub mod supply;
pub mod times;
pub mod types;
