-- Issue 21: what a caseload reads without reading two years of rows.
-- Its flags read, of each questionnaire, its first day, its two latest days and every item 9
-- above zero (`Store::questionnaire_scores_of`): each found by seeks in this index alone.
CREATE INDEX questionnaires_marks ON questionnaires (user_id, instrument, date, created_at, total, item9);
-- Which revisions each plan has, without their settings, steps and reason (tens of kilobytes a
-- revision, stored before the columns read here, so reading the row walked them):
-- `Store::active_plan_heads_of`.
CREATE INDEX plan_revision_heads ON plan_revisions (plan_id, number, id, effective_date, day_offset, hold, proposal_id, created_at);
