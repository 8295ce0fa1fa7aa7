//! Walking with the person through the taper: daily check-ins (`symptoms`) read as waves and
//! windows (`waves`), proposals to hold, return or go on (`adapt`), Proceed / Caution / Hold before a step (`readiness`), several plans at once (`regimen`), questionnaires
//! (`measures`), supporter flags (`flags`), withdrawal-or-return questions (`assess`), what restarting
//! after a too-fast stop involves (`reinstate`), the medication history (`history`), who may see what (`role`, `consent`), and what the learning
//! pages teach (`teaching`).

pub mod adapt;
pub mod assess;
pub mod consent;
pub mod flags;
pub mod history;
pub mod measures;
pub mod readiness;
pub mod regimen;
pub mod reinstate;
pub mod role;
pub mod symptoms;
pub mod teaching;
pub mod waves;
