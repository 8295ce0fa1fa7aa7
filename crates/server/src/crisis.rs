//! Crisis services, one reviewed data file per country under `data/crisis/`. Shown on the
//! crisis page that every page links to, and (issue 4) at once when a questionnaire's item 9
//! is answered above zero. A wrong number here can cost a life: the files carry a review date
//! and tests check every entry's shape and each country's emergency number.

use std::sync::LazyLock;

use serde::Deserialize;

/// Shown first when the person's country is unknown, and after it otherwise.
const FALLBACK: &str = include_str!("../../../data/crisis/fallback.toml");
/// The fallback's code: not a country.
pub const FALLBACK_CODE: &str = "XX";

const FILES: [(&str, &str); 41] = [
    ("GB", include_str!("../../../data/crisis/GB.toml")),
    ("IE", include_str!("../../../data/crisis/IE.toml")),
    ("US", include_str!("../../../data/crisis/US.toml")),
    ("CA", include_str!("../../../data/crisis/CA.toml")),
    ("AU", include_str!("../../../data/crisis/AU.toml")),
    ("NZ", include_str!("../../../data/crisis/NZ.toml")),
    ("DE", include_str!("../../../data/crisis/DE.toml")),
    ("FR", include_str!("../../../data/crisis/FR.toml")),
    ("ES", include_str!("../../../data/crisis/ES.toml")),
    ("NL", include_str!("../../../data/crisis/NL.toml")),
    ("IN", include_str!("../../../data/crisis/IN.toml")),
    ("SE", include_str!("../../../data/crisis/SE.toml")),
    ("FI", include_str!("../../../data/crisis/FI.toml")),
    ("NO", include_str!("../../../data/crisis/NO.toml")),
    ("AT", include_str!("../../../data/crisis/AT.toml")),
    ("BE", include_str!("../../../data/crisis/BE.toml")),
    ("BG", include_str!("../../../data/crisis/BG.toml")),
    ("HR", include_str!("../../../data/crisis/HR.toml")),
    ("CY", include_str!("../../../data/crisis/CY.toml")),
    ("CZ", include_str!("../../../data/crisis/CZ.toml")),
    ("DK", include_str!("../../../data/crisis/DK.toml")),
    ("EE", include_str!("../../../data/crisis/EE.toml")),
    ("GR", include_str!("../../../data/crisis/GR.toml")),
    ("HU", include_str!("../../../data/crisis/HU.toml")),
    ("IS", include_str!("../../../data/crisis/IS.toml")),
    ("IT", include_str!("../../../data/crisis/IT.toml")),
    ("LV", include_str!("../../../data/crisis/LV.toml")),
    ("LI", include_str!("../../../data/crisis/LI.toml")),
    ("LT", include_str!("../../../data/crisis/LT.toml")),
    ("LU", include_str!("../../../data/crisis/LU.toml")),
    ("MT", include_str!("../../../data/crisis/MT.toml")),
    ("PL", include_str!("../../../data/crisis/PL.toml")),
    ("PT", include_str!("../../../data/crisis/PT.toml")),
    ("RO", include_str!("../../../data/crisis/RO.toml")),
    ("SK", include_str!("../../../data/crisis/SK.toml")),
    ("SI", include_str!("../../../data/crisis/SI.toml")),
    ("CH", include_str!("../../../data/crisis/CH.toml")),
    ("JP", include_str!("../../../data/crisis/JP.toml")),
    ("ZA", include_str!("../../../data/crisis/ZA.toml")),
    ("BR", include_str!("../../../data/crisis/BR.toml")),
    ("MX", include_str!("../../../data/crisis/MX.toml")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    pub country: String,
    pub code: String,
    pub reviewed: String,
    pub emergency: String,
    pub services: Vec<Service>,
    /// Where no helpline is listed beside the emergency number: why (clinical review W9: a
    /// helpline is verified against the service's own page, or its absence is said).
    #[serde(default)]
    pub no_helpline: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub name: String,
    pub phone: Option<String>,
    pub text: Option<String>,
    pub text_word: Option<String>,
    /// A web address, for a directory rather than a number.
    pub url: Option<String>,
    pub when: String,
    pub source: String,
    /// What the source is. Clinical review W9 asks for the service's own page; where that page
    /// could not be reached when the entry was reviewed, the entry says its source is a report
    /// (docs/research/crisis-sources.md lists them), and the page says so beside the link.
    #[serde(default)]
    pub source_kind: SourceKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The service's own page, or an official page of the government that runs or funds it.
    #[default]
    Own,
    /// A news report or another organisation's page: the own page was not reachable when reviewed.
    Report,
}

impl Service {
    /// The words of the link to the source.
    pub fn source_label(&self) -> &'static str {
        match self.source_kind {
            SourceKind::Own => "source",
            SourceKind::Report => "source (not the service's own page)",
        }
    }
}

impl Service {
    /// The text number as an `sms:` link, with the keyword filled in where the service asks for
    /// one (`?&body=` is the form both common phone systems read).
    pub fn sms(&self) -> Option<String> {
        let number: String = self.text.as_ref()?.chars().filter(char::is_ascii_digit).collect();
        Some(match &self.text_word {
            Some(w) => format!("sms:{number}?&body={w}"),
            None => format!("sms:{number}"),
        })
    }

    /// The number in a `tel:` link: digits only.
    pub fn tel(&self) -> Option<String> {
        self.phone.as_ref().map(|p| p.chars().filter(char::is_ascii_digit).collect())
    }
}

#[derive(Debug, Clone)]
pub struct Directory {
    pub countries: Vec<Country>,
}

impl Directory {
    /// The files under `data/crisis/`, parsed and checked once per process.
    pub fn builtin() -> Result<Directory, String> {
        BUILTIN.clone()
    }

    fn parse_builtin() -> Result<Directory, String> {
        let mut countries = Vec::new();
        for (code, text) in FILES {
            let c: Country = toml::from_str(text).map_err(|e| format!("data/crisis/{code}.toml: {e}"))?;
            validate(&c).map_err(|e| format!("data/crisis/{code}.toml: {e}"))?;
            if c.code != code {
                return Err(format!("data/crisis/{code}.toml says code {}", c.code));
            }
            countries.push(c);
        }
        let fallback: Country = toml::from_str(FALLBACK).map_err(|e| format!("data/crisis/fallback.toml: {e}"))?;
        validate(&fallback).map_err(|e| format!("data/crisis/fallback.toml: {e}"))?;
        if fallback.code != FALLBACK_CODE || !fallback.services.iter().any(|s| s.url.is_some()) {
            return Err("data/crisis/fallback.toml must have code XX and a directory address".into());
        }
        countries.push(fallback);
        Ok(Directory { countries })
    }

    /// Everything to show, in order: the person's country (guessed from their time zone) first,
    /// or — when it cannot be told — the fallback first, so nobody sees only foreign numbers.
    /// The fallback always comes second at the latest.
    /// A country the person chose comes before any guess.
    pub fn ordered_for(&self, chosen: Option<&str>, time_zone: Option<&str>) -> Vec<&Country> {
        let first = chosen
            .filter(|c| self.countries.iter().any(|k| k.code == *c))
            .or_else(|| time_zone.and_then(country_of_zone))
            .unwrap_or(FALLBACK_CODE);
        let mut v: Vec<&Country> = self.countries.iter().collect();
        // Stable: the person's country, then the fallback (112 and a directory: a country whose own
        // helpline is not yet listed has only its emergency number), then the rest in file order.
        v.sort_by_key(|c| (c.code != first, c.code != FALLBACK_CODE));
        v
    }
}

impl Directory {
    /// What the urgent panel after an item-9 answer shows a signed-in person: their country (or
    /// the fallback, when it cannot be told) and the fallback — short enough to read on a phone
    /// at the worst moment; every other country is one link away on the crisis page.
    pub fn panel_for(&self, chosen: Option<&str>, time_zone: Option<&str>) -> Vec<&Country> {
        let all = self.ordered_for(chosen, time_zone);
        let mut v: Vec<&Country> = all.iter().take(1).copied().collect();
        v.extend(all.iter().skip(1).filter(|c| c.code == FALLBACK_CODE).copied());
        v
    }
}

/// What a person can choose as "where I live", in the order offered: a guess from the time
/// zone (empty value), every country with its own services, then anywhere else.
static BUILTIN: LazyLock<Result<Directory, String>> = LazyLock::new(Directory::parse_builtin);

pub static CHOICES: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let mut v = vec![(String::new(), "Guess from my time zone".to_string())];
    // The same files the server refuses to start without, so this is never empty in a running app.
    if let Ok(d) = &*BUILTIN {
        let mut countries: Vec<_> = d
            .countries
            .iter()
            .filter(|c| c.code != FALLBACK_CODE)
            .map(|c| (c.code.clone(), c.country.clone()))
            .collect();
        // Alphabetical by name, so a person finds their country in a list of forty.
        countries.sort_by(|a, b| a.1.cmp(&b.1));
        v.extend(countries);
    }
    v.push((FALLBACK_CODE.to_string(), "Somewhere else (show 112 and an international directory first)".into()));
    v
});

/// The country a browser's Accept-Language names first, among those with a file: the region of
/// the first tag that has one ("de-AT,de;q=0.9" → AT). A language alone names no country.
pub fn country_of_language(header: &str) -> Option<&'static str> {
    header
        .split(',')
        .filter_map(|tag| tag.split(';').next())
        .filter_map(|tag| tag.trim().split(['-', '_']).nth(1))
        .map(str::to_ascii_uppercase)
        .find_map(|region| FILES.iter().map(|(code, _)| *code).find(|code| *code == region))
}

/// The country field of a form: empty means "guess from my time zone".
pub fn parse_country(raw: &str) -> Result<Option<String>, String> {
    let code = raw.trim();
    if code.is_empty() {
        return Ok(None);
    }
    if CHOICES.iter().any(|(c, _)| c == code) {
        Ok(Some(code.to_string()))
    } else {
        Err("Choose where you live from the list (or \"Somewhere else\").".into())
    }
}

pub fn country_of_zone(tz: &str) -> Option<&'static str> {
    Some(match tz {
        "Europe/London" | "Europe/Belfast" => "GB",
        "Europe/Dublin" => "IE",
        "Europe/Berlin" | "Europe/Busingen" => "DE",
        "Europe/Paris" => "FR",
        "Europe/Madrid" | "Atlantic/Canary" | "Africa/Ceuta" => "ES",
        "Europe/Amsterdam" => "NL",
        "Europe/Stockholm" => "SE",
        "Europe/Helsinki" => "FI",
        "Europe/Oslo" => "NO",
        "Europe/Vienna" => "AT",
        "Europe/Brussels" => "BE",
        "Europe/Sofia" => "BG",
        "Europe/Zagreb" => "HR",
        "Asia/Nicosia" | "Europe/Nicosia" | "Asia/Famagusta" => "CY",
        "Europe/Prague" => "CZ",
        "Europe/Copenhagen" => "DK",
        "Europe/Tallinn" => "EE",
        "Europe/Athens" => "GR",
        "Europe/Budapest" => "HU",
        "Atlantic/Reykjavik" => "IS",
        "Europe/Rome" => "IT",
        "Europe/Riga" => "LV",
        "Europe/Vaduz" => "LI",
        "Europe/Vilnius" => "LT",
        "Europe/Luxembourg" => "LU",
        "Europe/Malta" => "MT",
        "Europe/Warsaw" => "PL",
        "Europe/Lisbon" | "Atlantic/Madeira" | "Atlantic/Azores" => "PT",
        "Europe/Bucharest" => "RO",
        "Europe/Bratislava" => "SK",
        "Europe/Ljubljana" => "SI",
        "Europe/Zurich" => "CH",
        "Asia/Tokyo" => "JP",
        "Africa/Johannesburg" => "ZA",
        "Asia/Kolkata" | "Asia/Calcutta" => "IN",
        t if t.starts_with("Australia/") => "AU",
        "Pacific/Auckland" | "Pacific/Chatham" => "NZ",
        "America/Toronto" | "America/Vancouver" | "America/Edmonton" | "America/Winnipeg" | "America/Halifax"
        | "America/St_Johns" | "America/Regina" => "CA",
        "America/Sao_Paulo"
        | "America/Bahia"
        | "America/Fortaleza"
        | "America/Recife"
        | "America/Belem"
        | "America/Manaus"
        | "America/Cuiaba"
        | "America/Porto_Velho"
        | "America/Rio_Branco"
        | "America/Noronha" => "BR",
        "America/Mexico_City"
        | "America/Monterrey"
        | "America/Merida"
        | "America/Cancun"
        | "America/Chihuahua"
        | "America/Tijuana"
        | "America/Hermosillo"
        | "America/Mazatlan" => "MX",
        t if t.starts_with("US/") || t == "Pacific/Honolulu" => "US",
        "America/New_York"
        | "America/Chicago"
        | "America/Denver"
        | "America/Los_Angeles"
        | "America/Anchorage"
        | "America/Phoenix"
        | "America/Detroit"
        | "America/Boise"
        | "America/Juneau"
        | "America/Adak" => "US",
        t if t.starts_with("America/Indiana/")
            || t.starts_with("America/Kentucky/")
            || t.starts_with("America/North_Dakota/") =>
        {
            "US"
        }
        _ => return None,
    })
}

fn validate(c: &Country) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|ch| ch.is_ascii_digit() || ch == ' ' || ch == '-');
    if !digits(&c.emergency) {
        return Err(format!("emergency number '{}' is not a number", c.emergency));
    }
    if c.services.first().and_then(|s| s.phone.as_deref()) != Some(c.emergency.as_str()) {
        return Err("the first service must be the emergency number".into());
    }
    if jiff::civil::Date::strptime("%Y-%m-%d", &c.reviewed).is_err() {
        return Err(format!("reviewed '{}' is not a date", c.reviewed));
    }
    for s in &c.services {
        if s.phone.is_none() && s.text.is_none() && s.url.is_none() {
            return Err(format!("{} has neither a phone number, a text number nor an address", s.name));
        }
        if s.text_word.as_deref().is_some_and(|w| w.is_empty() || !w.chars().all(|c| c.is_ascii_alphanumeric())) {
            return Err(format!("{}: a text keyword is letters and digits only", s.name));
        }
        if s.url.as_deref().is_some_and(|u| !u.starts_with("https://")) {
            return Err(format!("{}: the address must be https", s.name));
        }
        for n in s.phone.iter().chain(s.text.iter()) {
            if !digits(n) {
                return Err(format!("{}: '{n}' is not a number", s.name));
            }
        }
        if !s.source.starts_with("https://") {
            return Err(format!("{}: the source must be an https address", s.name));
        }
        if s.when.trim().is_empty() {
            return Err(format!("{}: say when to use it", s.name));
        }
    }
    match (c.services.len() > 1, c.no_helpline.as_deref().map(str::trim)) {
        (false, None | Some("")) => {
            return Err("only an emergency number: list a helpline, or say why none is (no_helpline)".into());
        }
        (true, Some(_)) => return Err("no_helpline is only for a country whose helpline is not listed".into()),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_loads_and_each_country_leads_with_its_emergency_number() {
        let d = Directory::builtin().unwrap();
        // The emergency numbers as the countries' own governments publish them.
        let expected = [
            ("GB", "999"),
            ("IE", "112"),
            ("US", "911"),
            ("CA", "911"),
            ("AU", "000"),
            ("NZ", "111"),
            ("DE", "112"),
            ("FR", "112"),
            ("ES", "112"),
            ("NL", "112"),
            ("IN", "112"),
            ("SE", "112"),
            ("FI", "112"),
            ("NO", "113"),
            ("CH", "112"),
            ("IS", "112"),
            ("LI", "112"),
            ("JP", "119"),
            ("ZA", "10177"),
            ("BR", "192"),
            ("MX", "911"),
        ];
        // Every EU member state answers 112 (EU Electronic Communications Code, art. 109).
        const EU: [&str; 27] = [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
            "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        ];
        let expected: Vec<(&str, &str)> = expected
            .into_iter()
            .chain(EU.iter().map(|c| (*c, "112")))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect();
        for &(code, number) in &expected {
            let c = d.countries.iter().find(|c| c.code == code).unwrap();
            assert_eq!(c.emergency, number, "{code}");
            assert_eq!(c.services[0].tel().as_deref(), Some(number));
        }
        assert_eq!(d.countries.len(), expected.len() + 1, "the countries and the fallback");
    }

    /// Clinical review W9: every country offered resolves to its emergency number plus a
    /// helpline checked against its own page, or says why none is listed — and the worldwide
    /// directory is always shown with it.
    #[test]
    fn every_country_offers_a_helpline_or_says_why_not_and_the_directory_follows() {
        let d = Directory::builtin().unwrap();
        let fallback = d.countries.iter().find(|c| c.code == FALLBACK_CODE).unwrap();
        assert!(fallback.services.iter().any(|s| s.url.is_some()), "the directory");
        for c in d.countries.iter().filter(|c| c.code != FALLBACK_CODE) {
            let helplines = c.services.iter().skip(1).count();
            assert!(helplines > 0 || c.no_helpline.is_some(), "{}", c.code);
            let panel = d.panel_for(Some(&c.code), None);
            assert_eq!(panel.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), vec![c.code.as_str(), FALLBACK_CODE]);
        }
        for (code, number) in [("LT", "0 800 28888"), ("JP", "0120-279-338")] {
            let c = d.countries.iter().find(|c| c.code == code).unwrap();
            assert!(c.services.iter().any(|s| s.phone.as_deref() == Some(number)), "{code} {number}");
        }
        let be = d.countries.iter().find(|c| c.code == "BE").unwrap();
        assert!(be.services.iter().all(|s| !s.when.contains("648 40 14")), "another service's number");
        // Every source that is not the service's own page says so, and the research note names it
        // for a live check (W9); an own page is never labelled a report.
        let doc = include_str!("../../../docs/research/crisis-sources.md");
        let listed = doc.split("## Entries whose own page is not in the corpus").nth(1).unwrap();
        let listed = listed.split("\n## ").next().unwrap();
        let reports: Vec<(&str, &Service)> = (d.countries.iter())
            .flat_map(|c| c.services.iter().map(move |s| (c.code.as_str(), s)))
            .filter(|(_, s)| s.source_kind == SourceKind::Report)
            .collect();
        assert_eq!(reports.len(), 17);
        for (code, s) in &reports {
            assert!(listed.contains(&format!("{code} ")), "{code} {} is not in the research note's list", s.name);
            assert!(s.source_label().contains("not the service's own page"));
        }
        let samaritans = d.countries.iter().find(|c| c.code == "GB").unwrap();
        assert!(samaritans.services.iter().all(|s| s.source_kind == SourceKind::Own && s.source_label() == "source"));
        let ch = d.countries.iter().find(|c| c.code == "CH").unwrap();
        assert!(ch.services.iter().filter(|s| s.phone.as_deref() == Some("143")).all(|s| s.source.contains("143.ch")));
        let mut only_emergency = Country {
            country: "X".into(),
            code: "XY".into(),
            reviewed: "2026-12-05".into(),
            emergency: "112".into(),
            services: vec![fallback.services[0].clone()],
            no_helpline: None,
        };
        only_emergency.services[0].phone = Some("112".into());
        assert!(validate(&only_emergency).unwrap_err().contains("no_helpline"));
    }

    /// A walk from Lithuania found no Europe/Vilnius at sign-up and chose Helsinki: every country
    /// with crisis help is reachable from a zone offered there.
    #[test]
    fn every_country_with_crisis_help_has_a_zone_offered_at_sign_up() {
        let d = Directory::builtin().unwrap();
        for c in d.countries.iter().filter(|c| c.code != FALLBACK_CODE) {
            assert!(
                crate::views::ZONES.iter().any(|z| country_of_zone(z) == Some(c.code.as_str())),
                "{} has no zone offered at sign-up",
                c.code
            );
        }
    }

    #[test]
    fn the_urgent_panel_holds_the_persons_country_and_the_fallback_only() {
        let d = Directory::builtin().unwrap();
        let codes = |v: Vec<&Country>| v.iter().map(|c| c.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(d.panel_for(Some("DE"), Some("Europe/London"))), ["DE", FALLBACK_CODE]);
        assert_eq!(codes(d.panel_for(None, Some("Europe/London"))), ["GB", FALLBACK_CODE]);
        assert_eq!(codes(d.panel_for(None, Some("Asia/Singapore"))), [FALLBACK_CODE]);
    }

    #[test]
    fn text_services_are_sms_links_with_their_keyword() {
        let d = Directory::builtin().unwrap();
        let gb = d.countries.iter().find(|c| c.code == "GB").unwrap();
        let shout = gb.services.iter().find(|s| s.text.is_some()).unwrap();
        assert_eq!(shout.sms().as_deref(), Some("sms:85258?&body=SHOUT"));
        assert_eq!(gb.services[0].sms(), None, "a phone-only service has no sms link");
    }

    #[test]
    fn malformed_entries_are_refused() {
        let bad = |t: &str| {
            let c: Country = toml::from_str(t).unwrap();
            validate(&c).unwrap_err()
        };
        let head = "country='X'\ncode='XX'\nreviewed='2026-11-23'\nemergency='999'\n";
        let e = bad(&format!("{head}[[services]]\nname='E'\nphone='999'\nwhen='now'\nsource='http://x'\n"));
        assert!(e.contains("https"), "{e}");
        let e = bad(&format!("{head}[[services]]\nname='E'\nphone='99x'\nwhen='now'\nsource='https://x'\n"));
        assert!(e.contains("first service") || e.contains("not a number"), "{e}");
        let e = bad(&format!("{head}[[services]]\nname='S'\nwhen='now'\nsource='https://x'\n"));
        assert!(e.contains("emergency") || e.contains("neither"), "{e}");
    }

    #[test]
    fn the_persons_country_comes_first() {
        let d = Directory::builtin().unwrap();
        assert_eq!(d.ordered_for(None, Some("Australia/Sydney"))[0].code, "AU");
        assert_eq!(d.ordered_for(None, Some("America/Chicago"))[0].code, "US");
        assert_eq!(d.ordered_for(None, None)[0].code, FALLBACK_CODE);
    }

    #[test]
    fn a_chosen_country_comes_before_the_time_zone_guess_and_unknown_codes_are_refused() {
        let d = Directory::builtin().unwrap();
        assert_eq!(d.ordered_for(Some("IE"), Some("Europe/London"))[0].code, "IE");
        assert_eq!(d.ordered_for(Some("XX"), Some("Europe/London"))[0].code, FALLBACK_CODE);
        assert_eq!(parse_country(" NZ "), Ok(Some("NZ".into())));
        assert_eq!(parse_country(""), Ok(None));
        assert!(parse_country("ZZ").unwrap_err().contains("from the list"));
        assert_eq!(CHOICES.len(), d.countries.len() + 1, "every country, the fallback and the guess");
    }

    #[test]
    fn the_browsers_language_region_names_a_country_when_there_is_one() {
        assert_eq!(country_of_language("de-AT,de;q=0.9,en;q=0.8"), Some("AT"));
        assert_eq!(country_of_language("en-gb"), Some("GB"));
        assert_eq!(country_of_language("fr;q=0.9, pt-BR"), Some("BR"));
        assert_eq!(country_of_language("de"), None, "a language alone names no country");
        assert_eq!(country_of_language("en-SG"), None, "no file for Singapore: the fallback leads");
        assert_eq!(country_of_language(""), None);
    }

    /// Issue 11: a person in Berlin, Paris, Tokyo or Mumbai never sees only foreign numbers.
    /// Their own country's suicide line, where the directory has it, comes straight after 112.
    #[test]
    fn every_offered_time_zone_leads_with_its_own_country_or_the_fallback() {
        let d = Directory::builtin().unwrap();
        for zone in crate::views::ZONES {
            let list = d.ordered_for(None, Some(zone));
            let first = list[0];
            match country_of_zone(zone) {
                Some(code) => assert_eq!(first.code, code, "{zone}"),
                None => assert_eq!(first.code, FALLBACK_CODE, "{zone}"),
            }
            assert!(list.iter().take(2).any(|c| c.code == FALLBACK_CODE), "{zone}: the fallback is first or second");
        }
        for zone in ["Europe/Berlin", "Europe/Paris", "Europe/Warsaw", "Europe/Madrid", "Europe/Rome"] {
            assert_eq!(d.ordered_for(None, Some(zone))[0].services[0].tel().as_deref(), Some("112"), "{zone}");
        }
        for (zone, line) in [
            ("Europe/Berlin", "08001110111"),
            ("Europe/Paris", "3114"),
            ("Europe/Madrid", "024"),
            ("Europe/Amsterdam", "113"),
            ("Asia/Kolkata", "14416"),
            ("Europe/Stockholm", "90101"),
            ("Europe/Helsinki", "0925250111"),
            ("Europe/Oslo", "116123"),
            ("Europe/Vienna", "142"),
            ("Europe/Zurich", "143"),
            ("Europe/Lisbon", "1411"),
            ("Europe/Rome", "0223272327"),
            ("Europe/Warsaw", "116123"),
            ("Europe/Athens", "1018"),
            ("Asia/Tokyo", "0120279338"),
            ("Africa/Johannesburg", "0800567567"),
            ("America/Sao_Paulo", "188"),
            ("America/Mexico_City", "8009112000"),
        ] {
            assert_eq!(d.ordered_for(None, Some(zone))[0].services[1].tel().as_deref(), Some(line), "{zone}");
        }
        for zone in ["Asia/Singapore", "Asia/Hong_Kong", "America/Bogota", "UTC"] {
            let first = d.ordered_for(None, Some(zone))[0];
            assert!(first.services.iter().any(|s| s.url.as_deref() == Some("https://findahelpline.com/")), "{zone}");
        }
    }
}
