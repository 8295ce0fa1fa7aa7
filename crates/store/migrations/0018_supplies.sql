-- What a person has of each product, counted on a day before that day's doses (issue 20:
-- supply and refills). One row per person and product; a new count replaces the old one. The
-- unit is the one the plan measures the product in (tablet, mL, drop, bead, mg), and lead_days
-- how long the pharmacy takes to supply more.

CREATE TABLE supplies (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    amount DOUBLE PRECISION NOT NULL CHECK (amount >= 0),
    counted_on TEXT NOT NULL,
    lead_days INTEGER NOT NULL CHECK (lead_days BETWEEN 0 AND 90),
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, product_id)
);
