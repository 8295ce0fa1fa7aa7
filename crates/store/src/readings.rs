//! What the flags read of each person's check-ins, kept when they change (issue 21): a caseload
//! reads one row a person instead of two years of check-ins. A reading is current while the
//! person's `levels_version` (raised by every write of a check-in) is the one it was made at.

use std::collections::HashMap;

use jiff::civil::Date;
use taper_core::waves::{Episode, HardDays, Kind, Reading};

use crate::{Result, Store, StoreError, UserId, date, uuid};

/// A kept reading, with whether it is still current.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptReading {
    pub reading: Reading,
    /// The first change of dose its baseline was read before.
    pub first_change: Option<Date>,
    /// False once a check-in was written after it was made.
    pub current: bool,
}

#[derive(sqlx::FromRow)]
struct ReadingRow {
    kept_version: i64,
    now_version: i64,
    first_change: String,
    baseline_mean: Option<f64>,
    wave_start: Option<String>,
    wave_end: Option<String>,
    wave_entries: Option<i64>,
    wave_extreme: Option<f64>,
    hard_start: Option<String>,
    hard_latest: Option<String>,
    hard_entries: Option<i64>,
    hard_highest: Option<f64>,
}

impl TryFrom<ReadingRow> for KeptReading {
    type Error = StoreError;

    fn try_from(r: ReadingRow) -> Result<Self> {
        let ongoing_wave = match (r.wave_start, r.wave_end, r.wave_entries, r.wave_extreme) {
            (Some(start), Some(end), Some(entries), Some(extreme)) => Some(Episode {
                kind: Kind::Wave,
                start: date(&start)?,
                end: date(&end)?,
                entries: usize::try_from(entries).map_err(|e| StoreError::Corrupt(format!("wave entries: {e}")))?,
                extreme,
                ongoing: true,
            }),
            (None, None, None, None) => None,
            _ => return Err(StoreError::Corrupt("a kept wave with some of its fields missing".into())),
        };
        let hard_days = match (r.hard_start, r.hard_latest, r.hard_entries, r.hard_highest) {
            (Some(start), Some(latest), Some(entries), Some(highest)) => Some(HardDays {
                start: date(&start)?,
                latest: date(&latest)?,
                entries: usize::try_from(entries).map_err(|e| StoreError::Corrupt(format!("hard days: {e}")))?,
                highest,
            }),
            (None, None, None, None) => None,
            _ => return Err(StoreError::Corrupt("kept hard days with some of their fields missing".into())),
        };
        Ok(KeptReading {
            reading: Reading { baseline_mean: r.baseline_mean, ongoing_wave, hard_days },
            first_change: if r.first_change.is_empty() { None } else { Some(date(&r.first_change)?) },
            current: r.kept_version == r.now_version,
        })
    }
}

impl Store {
    /// How many times `user`'s check-ins have been written: read before the check-ins a reading
    /// is made from, and kept with it.
    pub async fn levels_version(&self, user: UserId) -> Result<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT levels_version FROM users WHERE id = $1")
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Keeps `reading`, made from `user`'s check-ins at `version`, in place of the one before.
    pub async fn put_reading(
        &self,
        user: UserId,
        version: i64,
        first_change: Option<Date>,
        reading: &Reading,
    ) -> Result<()> {
        let wave = reading.ongoing_wave.as_ref();
        let entries = wave.map(|w| i64::try_from(w.entries).unwrap_or(i64::MAX));
        let hard = reading.hard_days.as_ref();
        // In its own write turn (`begin_write`): written after every check-in.
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO readings (user_id, levels_version, first_change, baseline_mean, wave_start, wave_end, \
             wave_entries, wave_extreme, hard_start, hard_latest, hard_entries, hard_highest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (user_id) DO UPDATE SET levels_version = excluded.levels_version, \
             first_change = excluded.first_change, baseline_mean = excluded.baseline_mean, \
             wave_start = excluded.wave_start, wave_end = excluded.wave_end, \
             wave_entries = excluded.wave_entries, wave_extreme = excluded.wave_extreme, \
             hard_start = excluded.hard_start, hard_latest = excluded.hard_latest, \
             hard_entries = excluded.hard_entries, hard_highest = excluded.hard_highest",
        )
        // As for check-ins: PostgreSQL fixes a parameter's type at its first run, and a first
        // NULL would refuse a number later on the same connection.
        .persistent(false)
        .bind(user.to_string())
        .bind(version)
        .bind(first_change.map(|d| d.to_string()).unwrap_or_default())
        .bind(reading.baseline_mean)
        .bind(wave.map(|w| w.start.to_string()))
        .bind(wave.map(|w| w.end.to_string()))
        .bind(entries)
        .bind(wave.map(|w| w.extreme))
        .bind(hard.map(|h| h.start.to_string()))
        .bind(hard.map(|h| h.latest.to_string()))
        .bind(hard.map(|h| i64::try_from(h.entries).unwrap_or(i64::MAX)))
        .bind(hard.map(|h| h.highest))
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The kept readings of `people` that have one.
    pub async fn readings_of(&self, people: &[UserId]) -> Result<HashMap<UserId, KeptReading>> {
        let rows: Vec<(String, ReadingRow)> = self
            .keyed_people(
                people,
                "SELECT r.user_id AS owner_key, r.levels_version AS kept_version, u.levels_version AS now_version, \
                 r.first_change, r.baseline_mean, r.wave_start, r.wave_end, r.wave_entries, r.wave_extreme, \
                 r.hard_start, r.hard_latest, r.hard_entries, r.hard_highest \
                 FROM readings r JOIN users u ON u.id = r.user_id WHERE r.user_id IN ({keys})",
            )
            .await?;
        rows.into_iter().map(|(k, r)| Ok((uuid(&k)?, KeptReading::try_from(r)?))).collect()
    }

    /// The day of each person's latest check-in, for those who have one.
    pub async fn last_checkins_of(&self, people: &[UserId]) -> Result<HashMap<UserId, Date>> {
        #[derive(sqlx::FromRow)]
        struct Last {
            last: Option<String>,
        }
        let rows: Vec<(String, Last)> = self
            // A subquery a person: each is one seek to the end of that person's (user_id, date)
            // index, where a GROUP BY read every check-in of everyone (40 ms of the caseload's 95).
            .keyed_people(
                people,
                "SELECT u.id AS owner_key, (SELECT MAX(c.date) FROM checkins c WHERE c.user_id = u.id) AS last \
                 FROM users u WHERE u.id IN ({keys})",
            )
            .await?;
        let mut out = HashMap::new();
        for (k, r) in rows {
            if let Some(last) = r.last {
                out.insert(uuid(&k)?, date(&last)?);
            }
        }
        Ok(out)
    }
}
