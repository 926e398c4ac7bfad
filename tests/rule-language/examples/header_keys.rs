const API_KEY: &str = "k3y-9f8e7d6c5b";
const HEADER_NAME: &str = "x-api-key";
static RETRIES: u32 = 3;

pub fn check(header: &str, attempts: u32, settings: &Settings) -> bool {
    let a = header == API_KEY; // expect: lang-rs-value-regex
    let b = header == "k3y-9f8e7d6c5b"; // expect: lang-rs-value-regex
    let c = header == HEADER_NAME; // ok: lang-rs-value-regex
    let d = attempts == RETRIES; // ok: lang-rs-value-regex
    let e = header == settings.api_key; // ok: lang-rs-value-regex
    a && b && c && d && e
}
