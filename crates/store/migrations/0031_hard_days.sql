-- The latest run of hard check-ins (burden high in itself), kept with each reading so that a
-- clinician is flagged without the caseload reading every check-in. Readings kept before this
-- lack it: they are dropped, and read again from the check-ins (on the next write, by the hourly
-- sweep, or from scratch when a caseload finds none).
ALTER TABLE readings ADD COLUMN hard_start TEXT;
ALTER TABLE readings ADD COLUMN hard_latest TEXT;
ALTER TABLE readings ADD COLUMN hard_entries BIGINT;
ALTER TABLE readings ADD COLUMN hard_highest DOUBLE PRECISION;
DELETE FROM readings;
