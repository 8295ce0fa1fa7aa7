-- PHQ-9's closing, unscored question (how difficult the problems made daily life), 0-3; NULL when
-- not answered or not asked.
ALTER TABLE questionnaires ADD COLUMN difficulty BIGINT;
