-- The day's burden as core reads it (symptoms::burden_of: the answered items' average on the
-- 0-51 scale), kept when a check-in is saved, so the readings read one number a day instead of
-- parsing every day's answers (issue 21: the caseload parsed 146,000 of them). Every check-in
-- kept before this had every item of the first checklist answered, so its burden is its sum.
ALTER TABLE checkins ADD COLUMN level DOUBLE PRECISION;
UPDATE checkins SET level = burden;
