-- What each supporter may see, one bit per taper_core::consent::Category. 63 = everything, which is
-- what every invitation and share made before the choice existed meant.
ALTER TABLE invites ADD COLUMN scope BIGINT NOT NULL DEFAULT 63;
ALTER TABLE shares ADD COLUMN scope BIGINT NOT NULL DEFAULT 63;
