-- Up to five symptoms of the person's own beside Taper's checklist (issue 20), and each
-- check-in's answers to them. Sealed like notes: their names are health data. '' is none.
ALTER TABLE users ADD COLUMN own_symptoms TEXT NOT NULL DEFAULT '';
ALTER TABLE checkins ADD COLUMN own_scores TEXT NOT NULL DEFAULT '';
