-- The country whose crisis services a person sees first, chosen by them. NULL: guess from the
-- time zone.
ALTER TABLE users ADD COLUMN country TEXT;
