//! Pages kept in memory per person (issue 21): a page is made from the person's data once and
//! shown again while the data are as they were. "As they were" is the person's data version,
//! raised by the database itself at every write of theirs (`taper_store::versions`), with the
//! day and time zone the page was made for; each view reads the version with the account it
//! reads anyway, so a kept page costs no query of its own, on any instance.
//!
//! The version is read before the page's data, so a page made while a write lands is kept under
//! the older version and made again at the next view: a kept page is never older than its key.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::civil::Date;
use taper_store::{User, UserId};

/// Pages kept at most; past that all are dropped and made again as they are viewed.
pub const CAPACITY: usize = 4096;

/// What a kept page was made from, besides the person's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    version: i64,
    day: Date,
    zone: String,
}

impl Made {
    /// `user`'s data as read with their account, on their own `day`.
    pub fn of(user: &User, day: Date) -> Made {
        Made { version: user.data_version, day, zone: user.time_zone.clone() }
    }
}

pub struct Kept<T> {
    kept: Mutex<HashMap<UserId, (Made, T)>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept { kept: Mutex::new(HashMap::new()) }
    }
}

impl<T: Clone> Kept<T> {
    fn kept(&self) -> MutexGuard<'_, HashMap<UserId, (Made, T)>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The page kept for `user`, if it was made from the same data.
    pub fn get(&self, user: UserId, made: &Made) -> Option<T> {
        self.kept().get(&user).filter(|(m, _)| m == made).map(|(_, page)| page.clone())
    }

    pub fn keep(&self, user: UserId, made: Made, page: T) {
        let mut kept = self.kept();
        if kept.len() >= CAPACITY && !kept.contains_key(&user) {
            kept.clear();
        }
        kept.insert(user, (made, page));
    }

    /// Drops what is kept of a deleted account at once.
    pub fn forget(&self, user: UserId) {
        self.kept().remove(&user);
    }

    pub fn len(&self) -> usize {
        self.kept().len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(version: i64, zone: &str) -> User {
        User {
            id: UserId::from(uuid::Uuid::now_v7()),
            email: "a@example.org".into(),
            display_name: "A".into(),
            password_hash: String::new(),
            time_zone: zone.into(),
            role: taper_core::role::Role::Person,
            country: None,
            daily_safety: false,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            data_version: version,
        }
    }

    #[test]
    fn a_page_is_shown_again_only_while_its_data_day_and_zone_are_the_same() {
        let kept = Kept::<String>::default();
        let ann = user(3, "Europe/Lisbon");
        let day = jiff::civil::date(2026, 12, 7);
        kept.keep(ann.id, Made::of(&ann, day), "page".into());
        assert_eq!(kept.get(ann.id, &Made::of(&ann, day)).as_deref(), Some("page"));
        let written = User { data_version: 4, ..ann.clone() };
        assert_eq!(kept.get(ann.id, &Made::of(&written, day)), None, "a write since");
        assert_eq!(kept.get(ann.id, &Made::of(&ann, day.tomorrow().unwrap())), None, "the next day");
        let moved = User { time_zone: "Asia/Tokyo".into(), ..ann.clone() };
        assert_eq!(kept.get(ann.id, &Made::of(&moved, day)), None, "another time zone");
        kept.forget(ann.id);
        assert!(kept.is_empty());
        for _ in 0..=CAPACITY {
            let u = user(1, "UTC");
            kept.keep(u.id, Made::of(&u, day), String::new());
        }
        assert!(kept.len() <= CAPACITY);
    }
}
