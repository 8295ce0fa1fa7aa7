//! Ids of stored records, one type each, so a method taking a person and a plan cannot be given
//! them the other way round (issue 13). Parsed once: from the database as text, from a URL as
//! a path segment.
//!
//! Swapped arguments do not compile:
//!
//! ```compile_fail
//! # async fn f(store: &taper_store::Store, user: taper_store::UserId, plan: taper_store::PlanId) {
//! let _ = store.plan(plan, user).await;
//! # }
//! ```
//!
//! while the right order does:
//!
//! ```
//! # async fn f(store: &taper_store::Store, user: taper_store::UserId, plan: taper_store::PlanId) {
//! let _ = store.plan(user, plan).await;
//! # }
//! ```

use uuid::Uuid;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new id, ordered by time.
            pub fn fresh() -> $name {
                $name(Uuid::now_v7())
            }
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> $name {
                $name(u)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<$name, uuid::Error> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
}

id!(
    /// An account: a person, a clinician or a peer supporter.
    UserId
);
id!(
    /// A person's taper plan (all its revisions).
    PlanId
);
id!(
    /// One revision of a plan.
    RevisionId
);
id!(
    /// A proposal to change a plan.
    ProposalId
);
id!(
    /// A share of a person's record with a supporter.
    ShareId
);
id!(
    /// An event in a person's medication history.
    MedEventId
);
id!(
    /// A step-by-step switch from one drug to another.
    SwitchId
);
id!(
    /// A SMART Health Link a person made for a prescriber.
    HealthLinkId
);
id!(
    /// A personal access token for the JSON API.
    ApiTokenId
);
