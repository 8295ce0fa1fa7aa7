//! Every parser that reads what people or files give Taper, fed generated and mutated input; a
//! panic is a failure. Shared by the fuzz harness (`cargo bench -p taper-server --bench fuzz`)
//! and its smoke test in every CI run (`tests/fuzz_smoke.rs`).
//!
//! Why not cargo-fuzz: it needs a nightly compiler, and this project builds on stable only. This
//! harness has no coverage feedback; it makes up for some of that with a dictionary of the
//! tokens the parsers look for and with mutations of valid inputs.

use std::panic::{AssertUnwindSafe, catch_unwind};

use taper_core::Catalogue;

/// A small, fast generator (xorshift64*), seeded for reproducible runs.
pub struct Gen(u64);

const TOKENS: &[&str] = &[
    "mg",
    "ml",
    "mL",
    "%",
    "pp",
    "d",
    "days",
    "w",
    "0",
    "1",
    "9",
    ".",
    ",",
    "-",
    "+",
    "e",
    "E",
    "1e308",
    "NaN",
    "inf",
    "∞",
    "½",
    "\u{0}",
    "\n",
    " ",
    "=",
    "\"",
    "[",
    "]",
    "[[products]]",
    "{",
    "}",
    "@",
    ":",
    "08:00",
    "24:00",
    "25:61",
    "µg",
    "00",
    "0.0000001",
    "99999999999999999999",
    "alternate-day",
    "skip-1-in-3",
    "daily",
    "tab",
    "drug",
    "strength_mg",
];

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }

    /// A short string of dictionary tokens and random characters.
    pub fn text(&mut self, max_parts: usize) -> String {
        let parts = self.below(max_parts + 1);
        let mut s = String::new();
        for _ in 0..parts {
            match self.below(3) {
                0 => s.push_str(TOKENS[self.below(TOKENS.len())]),
                1 => s.push(char::from_u32(self.below(0x3000) as u32).unwrap_or('?')),
                _ => s.push_str(&(self.next() % 1000).to_string()),
            }
        }
        s
    }

    /// `seed` with a few bytes changed, cut, repeated or inserted (kept valid UTF-8).
    pub fn mutate(&mut self, seed: &str) -> String {
        let mut s: Vec<char> = seed.chars().collect();
        for _ in 0..1 + self.below(4) {
            let at = self.below(s.len() + 1);
            match self.below(4) {
                0 if !s.is_empty() => {
                    let end = (at + self.below(8)).min(s.len());
                    s.drain(at.min(end)..end);
                }
                1 => s.splice(at..at, self.text(3).chars()).for_each(drop),
                2 if !s.is_empty() => {
                    let i = at.min(s.len() - 1);
                    s[i] = char::from_u32(self.below(0x80) as u32).unwrap_or('x');
                }
                _ => {
                    let from = self.below(s.len() + 1);
                    let chunk: Vec<char> = s[from..(from + self.below(16)).min(s.len())].to_vec();
                    s.splice(at..at, chunk).for_each(drop);
                }
            }
        }
        s.into_iter().collect()
    }
}

pub struct Target {
    pub name: &'static str,
    pub run: fn(&mut Gen, &Catalogue),
}

const CITALOPRAM: &str = include_str!("../../../../data/catalogue/citalopram.toml");
const SOURCES: &str = include_str!("../../../../data/sources.toml");
const POLICY: &str = include_str!("../../../../data/policy.toml");
const MEASURES: &str = include_str!("../../../../data/measures.toml");
const USER_PRODUCTS: &str = "[[products]]\ndrug = \"citalopram\"\nid = \"my-tab-10\"\nform = \"tablet\"\nstrength_mg = 10\nname = \"My 10 mg\"\n";

pub fn targets() -> Vec<Target> {
    use taper_core::units;
    vec![
        Target {
            name: "dose, step, days, ml",
            run: |g, _| {
                let s = g.text(6);
                let _ = units::parse_dose("dose", &s);
                let _ = units::parse_positive_dose("dose", &s);
                let _ = units::parse_step("step", &s);
                let _ = units::parse_days("every", &s);
                let _ = units::parse_ml("syringe", &s);
            },
        },
        Target {
            name: "clock, pattern, score, justification",
            run: |g, _| {
                let s = g.text(6);
                let _ = taper_core::crossover::parse_clock("time", &s);
                let _ = taper_core::exposure::Pattern::parse("pattern", &s);
                let _ = taper_core::symptoms::parse_score("score", &s);
                let _ = taper_core::Justification::parse("justification", &s);
                let _ = taper_core::consent::Scope::parse(s.split(','));
            },
        },
        Target {
            name: "own products file",
            run: |g, _| {
                let t = if g.below(4) == 0 { g.text(30) } else { g.mutate(USER_PRODUCTS) };
                let _ = taper_core::catalogue::parse_user_products("mine.toml", &t);
            },
        },
        Target {
            name: "catalogue drug file",
            run: |g, _| {
                let t = g.mutate(CITALOPRAM);
                let _ = Catalogue::from_texts(&[("citalopram.toml", &t)], SOURCES, POLICY);
            },
        },
        Target {
            name: "measures file",
            run: |g, _| {
                let _ = taper_core::measures::Measures::parse(&g.mutate(MEASURES));
            },
        },
        Target {
            name: "plan form",
            run: |g, catalogue| {
                let fields = [
                    "drug",
                    "dose",
                    "strategy",
                    "step",
                    "every",
                    "start_date",
                    "syringe",
                    "products",
                    "cutter",
                    "market",
                    "precision",
                    "strips",
                    "beads",
                    "micro",
                    "justification",
                    "confirm_dose",
                    "final",
                    "end_at",
                ];
                let seed = [
                    ("drug", "citalopram"),
                    ("dose", "20"),
                    ("strategy", "hyperbolic"),
                    ("step", "5"),
                    ("every", "28"),
                    ("start_date", "2026-12-01"),
                    ("syringe", "0.1"),
                    ("products", "citalopram-oral-drops-40mg-ml"),
                ];
                let mut pairs: Vec<(String, String)> =
                    seed.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                for _ in 0..1 + g.below(4) {
                    let i = g.below(pairs.len());
                    pairs[i].1 = g.mutate(&pairs[i].1);
                }
                if g.below(3) == 0 {
                    pairs.push((fields[g.below(fields.len())].to_string(), g.text(5)));
                }
                let form = taper_server::settings::PlanForm::from_pairs(&pairs);
                let today = jiff::civil::date(2026, 11, 24);
                if let Ok(s) = form.settings(catalogue, today) {
                    let _ = s.request(catalogue);
                }
            },
        },
        Target {
            name: "urlencoded form body",
            run: |g, _| {
                let body = g.mutate("csrf=abc&item9=1&date=2026-11-24&note=a%20b&share=plan");
                let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                let _ = taper_server::form::values(&pairs, "share");
                let _ = taper_server::crisis::parse_country(&taper_server::form::value(&pairs, "country"));
            },
        },
    ]
}

/// Runs `target` on `n` inputs from `seed`; the first panicking input, if any.
pub fn run(target: &Target, catalogue: &Catalogue, seed: u64, n: u64) -> Option<u64> {
    let mut g = Gen::new(seed);
    for i in 0..n {
        let state = g.0;
        if catch_unwind(AssertUnwindSafe(|| (target.run)(&mut g, catalogue))).is_err() {
            return Some(state.max(i));
        }
    }
    None
}
